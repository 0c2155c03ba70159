"""Record normalisation: MCE snapshots, both MCP aspect forms, Avro unions, PATCH, DELETE and status."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connectors.datahub.records import (
    RecordError,
    apply_change,
    apply_patch,
    new_entity,
    parse_record,
    unwrap_unions,
)

from .conftest import EXAMPLES


def _example(file: str, predicate: Any) -> dict[str, Any]:
    return next(r for r in json.loads((EXAMPLES / file).read_text()) if predicate(r))


def test_mce_aspects_are_named_like_mcp_aspects() -> None:
    mce = _example("glossary.json", lambda r: "GlossaryTermSnapshot" in json.dumps(r)[:120])
    changes = list(parse_record(mce))
    assert {c.aspect_name for c in changes} >= {"glossaryTermInfo", "ownership"}
    assert all(c.change_type == "UPSERT" and c.entity_type == "glossaryTerm" for c in changes)


def test_mcp_with_aspect_json_as_the_current_cli_writes_it() -> None:
    mcp = _example("mock_data.json", lambda r: r.get("aspectName") == "subTypes")
    (change,) = parse_record(mcp)
    assert change.aspect_name == "subTypes" and change.value == {"typeNames": ["Table"]}


def test_older_aspect_value_with_content_type() -> None:
    mcp = _example("mock_data.json", lambda r: r.get("aspectName") == "upstreamLineage")
    old = {**mcp, "aspect": {"value": json.dumps(mcp["aspect"]["json"]), "contentType": "application/json"}}
    assert list(parse_record(old)) == list(parse_record(mcp))


def test_avro_union_wrappers_are_unwrapped() -> None:
    wrapped = {"description": {"string": "x"}, "tags": {"array": [{"tag": "urn:li:tag:a"}]}, "n": {"long": 3}}
    assert unwrap_unions(wrapped) == {"description": "x", "tags": [{"tag": "urn:li:tag:a"}], "n": 3}
    # a record-type union branch carries information and is kept
    kept: dict[str, Any] = {"type": {"com.linkedin.pegasus2avro.schema.StringType": {}}}
    assert unwrap_unions(kept) == kept


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"entityType": "dataset", "aspectName": "status", "aspect": {"json": {}}}, "entityUrn"),
        ({"entityUrn": "urn:li:tag:a", "changeType": "UPSERT", "aspect": {"json": {}}}, "aspectName"),
        ({"entityUrn": "urn:li:tag:a", "aspectName": "tagKey", "aspect": {"value": "{oops"}}, "not JSON"),
        ({"proposedSnapshot": {"x.TagSnapshot": {"aspects": []}}}, "urn"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_unusable_records_raise(record: Any, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        list(parse_record(record))


def test_patch_upstream_lineage_from_the_dbt_file_becomes_a_normal_aspect() -> None:
    patch = _example("dbt.json", lambda r: r.get("changeType") == "PATCH" and "customers" in r["entityUrn"])
    entity = new_entity(patch["entityUrn"], "dataset", "dbt.json:1")
    for change in parse_record(patch):
        apply_change(entity, change)
    lineage = entity["aspects"]["upstreamLineage"]
    assert [u["dataset"] for u in lineage["upstreams"]] == [
        "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD)"
    ]
    first = lineage["fineGrainedLineages"][0]
    assert first["downstreams"] == [
        "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:duckdb,shop.main_marts.customers,PROD),customer_id)"
    ]
    assert first["upstreams"] == [
        "urn:li:schemaField:(urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD),customer_id)"
    ]


def test_patch_merges_into_an_upserted_aspect_and_removes() -> None:
    current = {"tags": [{"tag": "urn:li:tag:a"}, {"tag": "urn:li:tag:b"}]}
    ops = [
        {"op": "add", "path": "/tags/urn:li:tag:c", "value": {"tag": "urn:li:tag:c"}},
        {"op": "remove", "path": "/tags/urn:li:tag:a"},
    ]
    assert [t["tag"] for t in apply_patch(current, ops)["tags"]] == ["urn:li:tag:b", "urn:li:tag:c"]


def test_status_removed_and_delete_mark_the_entity() -> None:
    entity = new_entity("urn:li:tag:a", "tag", "x")
    removed = {"entityUrn": "urn:li:tag:a", "aspectName": "status", "aspect": {"json": {"removed": True}}}
    for change in parse_record(removed):
        apply_change(entity, change)
    assert entity["removed"] is True
    deleted = new_entity("urn:li:tag:a", "tag", "x")
    for change in parse_record({"entityUrn": "urn:li:tag:a", "changeType": "DELETE", "aspectName": "tagKey"}):
        apply_change(deleted, change)
    assert deleted["deleted"] is True
