"""The connector over files and pushed events: paging, complete entities, malformed files, deletions."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from connectors.base import Deletion, Rejected
from connectors.datahub import DataHubConnector
from connectors.files import SourceIncomplete
from connectors.registry import ConnectorError, build_connector, connector_class
from pivot import PivotAssetItem, PivotGlossaryItem

from .conftest import EXAMPLES, catalog, connector


def _drain(conn: DataHubConnector) -> tuple[list[Any], int]:
    cursor: str | None = None
    results: list[Any] = []
    pages = 0
    while True:
        page = conn.extract(cursor)
        json.dumps(page.records)  # staged between extract and transform: plain JSON only
        pages += 1
        results.extend(conn.transform(page.records))
        cursor = page.next_cursor
        if cursor is None:
            return results, pages


def test_registered_under_datahub() -> None:
    assert connector_class("datahub") is DataHubConnector


def test_demo_files_produce_the_expected_items() -> None:
    conn = connector({"files": ["*.json"], "email_domain": "example.com"})
    results, _ = _drain(conn)
    assert Counter(type(r).__name__ for r in results) == {
        "PivotAssetItem": 108,
        "PivotGlossaryItem": 9,
        "PivotClassificationItem": 3,
    }
    assets = [r for r in results if isinstance(r, PivotAssetItem)]
    # processes: 5 dbt models (seeds have no upstreams), their 8 duckdb tables (dbt node → table), 39 mock
    assert sum(1 for a in assets if a.inputs) == 52
    assert conn.report.items_produced == {"asset": 108, "glossary_term": 9, "classification": 3}
    assert conn.report.rejected == 0
    assert conn.report.ignored["entity assertion"] == 8
    assert conn.report.ignored["aspect dataset.datasetProfile"] == 40


@pytest.mark.parametrize("page_size", [1, 7, 10_000])
def test_items_are_complete_whatever_the_page_size(page_size: int) -> None:
    """An entity's aspects are spread over records and files; every page size yields the same items."""
    reference, _ = _drain(connector({"files": ["*.json"], "email_domain": "example.com"}))
    results, pages = _drain(
        connector({"files": ["*.json"], "email_domain": "example.com", "page_size": page_size})
    )
    assert results == reference
    keys = Counter(r.sync_key for r in results)
    assert max(keys.values()) == 1  # one item per object, never split across pages
    assert pages == -(-84 // page_size)


def test_cursor_resumes_at_the_next_entity() -> None:
    conn = connector({"files": ["glossary.json"], "page_size": 4})
    first = conn.extract(None)
    assert first.next_cursor is not None and first.next_cursor.startswith("4@")
    again = connector({"files": ["glossary.json"], "page_size": 4}).extract(first.next_cursor)
    assert next(r["urn"] for r in again.records) not in [r["urn"] for r in first.records]


def test_no_matching_file_is_an_error_not_an_empty_catalog(tmp_path: Path) -> None:
    with pytest.raises(SourceIncomplete, match=r"pattern '\*.json' matches no file"):
        connector({"files": ["*.json"]}, base_dir=tmp_path).extract(None)


def test_json_lines_with_a_byte_order_mark(tmp_path: Path) -> None:
    records = json.loads((EXAMPLES / "glossary.json").read_text())
    (tmp_path / "g.jsonl").write_text(
        "\ufeff" + "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )
    results, _ = _drain(connector({"files": ["g.jsonl"], "email_domain": "example.com"}, base_dir=tmp_path))
    assert len(results) == 9 and not [r for r in results if isinstance(r, Rejected)]


def test_owner_emails_come_from_corpuser_entities_in_the_files(tmp_path: Path) -> None:
    records = [r for r in json.loads((EXAMPLES / "glossary.json").read_text()) if "Privacy" in json.dumps(r)]
    users = [
        {
            "entityUrn": "urn:li:corpuser:ana.silva",
            "aspectName": "corpUserInfo",
            "aspect": {"json": {"active": True, "email": "ana@hr.example"}},
        },
        {
            "entityUrn": "urn:li:corpuser:ana.silva",
            "aspectName": "corpUserEditableInfo",
            "aspect": {"json": {"email": "ana.silva@corp.example"}},
        },
    ]
    (tmp_path / "g.json").write_text(json.dumps(records + users, indent=2))
    conn = connector({"files": ["g.json"]}, base_dir=tmp_path)
    results, _ = _drain(conn)
    terms = [r for r in results if isinstance(r, PivotGlossaryItem)]
    assert terms and all([o.id for o in t.owners] == ["ana.silva@corp.example"] for t in terms)
    assert conn.report.ignored["entity corpuser"] == 1


def test_datasets_route_through_container_ancestors(tmp_path: Path) -> None:
    dataset = next(
        r for r in json.loads((EXAMPLES / "mock_data.json").read_text()) if r["aspectName"] == "subTypes"
    )

    def mcp(urn: str, aspect: str, value: dict[str, Any]) -> dict[str, Any]:
        return {"entityUrn": urn, "aspectName": aspect, "aspect": {"json": value}}

    records = [
        mcp(dataset["entityUrn"], "container", {"container": "urn:li:container:schema"}),
        dataset,
        mcp("urn:li:container:schema", "container", {"container": "urn:li:container:db"}),
        mcp("urn:li:container:db", "containerProperties", {"name": "db"}),
    ]
    (tmp_path / "c.json").write_text(json.dumps(records))
    conn = connector(
        {"files": ["c.json"], "collections": {"urn:li:container:db": "warehouse"}}, base_dir=tmp_path
    )
    results, _ = _drain(conn)
    (asset,) = [r for r in results if isinstance(r, PivotAssetItem)]
    assert asset.target_collection == "warehouse"
    assert conn.report.ignored["entity container (collection routing only)"] == 2


def test_invalid_cursor_is_an_error() -> None:
    with pytest.raises(ValueError, match="cursor"):
        connector({"files": ["*.json"]}).extract("abc")


def test_malformed_file_rejects_per_record_with_file_and_line(tmp_path: Path) -> None:
    good = json.loads((EXAMPLES / "glossary.json").read_text())
    records = [json.dumps(r, indent=4) for r in good[:2]]
    broken = '{\n    "entityType": "tag",\n    "entityUrn": "urn:li:tag:x",\n    "aspect": {"json": tru\n}'
    missing_urn = json.dumps(
        {"entityType": "tag", "aspectName": "tagKey", "aspect": {"json": {"name": "y"}}}, indent=4
    )
    unknown_aspect = json.dumps(
        {
            "entityType": "tag",
            "entityUrn": "urn:li:tag:z",
            "aspectName": "someFutureAspect",
            "aspect": {"json": {}},
        },
        indent=4,
    )
    bad_value = json.dumps(
        {"entityUrn": "urn:li:tag:w", "aspectName": "tagKey", "aspect": {"value": "{not json"}}, indent=4
    )
    text = (
        "[\n" + ",\n".join([records[0], broken, missing_urn, unknown_aspect, bad_value, records[1]]) + "\n]\n"
    )
    (tmp_path / "bad.json").write_text(text)
    conn = connector({"files": ["bad.json"]}, base_dir=tmp_path)
    results, _ = _drain(conn)
    rejected = [r for r in results if isinstance(r, Rejected)]
    lines = [text[: text.index(part)].count("\n") + 1 for part in (broken, missing_urn, bad_value)]
    assert [r.where for r in rejected] == [
        f"bad.json:{lines[0]} (record 2)",
        f"bad.json:{lines[1]} (record 3)",
        f"bad.json:{lines[2]} (record 5)",
    ]
    assert "invalid JSON" in rejected[0].reason
    assert "entityUrn" in rejected[1].reason
    assert "not JSON" in rejected[2].reason
    landed = [r.external_id for r in results if not isinstance(r, Rejected)]
    assert landed == ["urn:li:glossaryNode:Commerce", "urn:li:tag:z", "urn:li:glossaryNode:Commerce.Finance"]
    assert conn.report.ignored["aspect tag.someFutureAspect"] == 1
    assert conn.report.rejected == 3


def test_config_needs_exactly_one_source() -> None:
    with pytest.raises(ConnectorError, match="either files or graphql_url"):
        build_connector(
            catalog({"files": ["x"], "graphql_url": "https://dh/api/graphql", "token_setting": "T"})
        )
    with pytest.raises(ConnectorError, match="token_setting"):
        build_connector(catalog({"graphql_url": "https://dh/api/graphql"}))
    with pytest.raises(ConnectorError, match="unknown setting"):
        build_connector(catalog({"files": ["x"], "filez": 1}))


# --- push --------------------------------------------------------------------------------------------


def _push() -> DataHubConnector:
    return connector({"email_domain": "example.com"}, mode="push")


def test_push_mcp_event_becomes_an_item() -> None:
    conn = _push()
    mcp = next(
        r
        for r in json.loads((EXAMPLES / "mock_data.json").read_text())
        if r.get("aspectName") == "upstreamLineage"
    )
    results = list(conn.transform(conn.decode(json.dumps(mcp).encode())))
    assert [r.external_id for r in results] == [mcp["entityUrn"], f"lineage:{mcp['entityUrn']}"]


def test_push_mcl_in_the_older_value_form() -> None:
    conn = _push()
    mcl = {
        "entityType": "glossaryTerm",
        "entityUrn": "urn:li:glossaryTerm:Commerce.Order",
        "changeType": "UPSERT",
        "aspectName": "glossaryTermInfo",
        "aspect": {
            "value": json.dumps({"name": "Order", "definition": "A purchase."}),
            "contentType": "application/json",
        },
        "created": {"time": 1, "actor": "urn:li:corpuser:datahub"},
    }
    (item,) = conn.transform(conn.decode(json.dumps(mcl).encode()))
    assert isinstance(item, PivotGlossaryItem)
    assert item.kind == "glossary_term" and item.description == "A purchase."


def test_push_soft_delete_and_delete_become_deletions() -> None:
    conn = _push()
    removed = {
        "entityType": "tag",
        "entityUrn": "urn:li:tag:pii",
        "changeType": "UPSERT",
        "aspectName": "status",
        "aspect": {"json": {"removed": True}},
    }
    deleted = {
        "entityType": "glossaryTerm",
        "entityUrn": "urn:li:glossaryTerm:x",
        "changeType": "DELETE",
        "aspectName": "glossaryTermKey",
    }
    dataset = {
        "entityType": "dataset",
        "entityUrn": "urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)",
        "changeType": "DELETE",
    }
    out = [
        r
        for body in (removed, deleted, dataset)
        for r in conn.transform(conn.decode(json.dumps(body).encode()))
    ]
    assert out == [
        Deletion(kind="classification", external_id="urn:li:tag:pii"),
        Deletion(kind="glossary_term", external_id="urn:li:glossaryTerm:x"),
        Deletion(kind="asset", external_id="urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)"),
        Deletion(kind="asset", external_id="lineage:urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)"),
    ]


def test_push_garbage_is_rejected_not_raised() -> None:
    conn = _push()
    out = list(conn.transform(conn.decode(b"{not json") + conn.decode(b'{"entityType": "tag"}')))
    assert all(isinstance(r, Rejected) and r.where.startswith("event") for r in out) and len(out) == 2


def test_push_batch_with_several_events_of_one_entity_yields_one_item() -> None:
    conn = _push()
    urn = "urn:li:glossaryTerm:Commerce.Order"
    info = {
        "entityUrn": urn,
        "aspectName": "glossaryTermInfo",
        "aspect": {"json": {"name": "Order", "definition": "v1"}},
    }
    newer = {**info, "aspect": {"json": {"name": "Order", "definition": "v2"}}}
    owners = {
        "entityUrn": urn,
        "aspectName": "ownership",
        "aspect": {"json": {"owners": [{"owner": "urn:li:corpuser:ana", "type": "DATA_STEWARD"}]}},
    }
    records = [r for body in (info, owners, newer) for r in conn.decode(json.dumps(body).encode())]
    (item,) = conn.transform(records)
    assert isinstance(item, PivotGlossaryItem)
    assert item.description == "v2" and [o.id for o in item.owners] == ["ana@example.com"]


def test_a_file_changed_between_pages_fails_the_run_naming_it(tmp_path: Path) -> None:
    records = json.loads((EXAMPLES / "glossary.json").read_text())
    (tmp_path / "g.json").write_text(json.dumps(records, indent=2))
    conn = connector({"files": ["g.json"], "page_size": 3}, base_dir=tmp_path)
    snapshot = conn.snapshot()
    first = conn.extract(None, snapshot=snapshot)
    assert first.next_cursor is not None
    (tmp_path / "g.json").write_text(json.dumps(records[:-2], indent=2))
    with pytest.raises(SourceIncomplete, match=r"g\.json: changed during the run: size"):
        conn.extract(first.next_cursor, snapshot=snapshot)
    with pytest.raises(SourceIncomplete, match="cursor's snapshot is not this one"):
        conn.extract(first.next_cursor)  # a fresh snapshot: the cursor belongs to the run's old one


def test_undecodable_records_are_rejected_with_their_locator(tmp_path: Path) -> None:
    records = json.loads((EXAMPLES / "glossary.json").read_text())
    deep = '{"entityUrn": "urn:li:tag:x", "aspect": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "g.jsonl").write_bytes(
        b"".join(json.dumps(r).encode() + b"\n" for r in records)
        + deep.encode()
        + b'\n{"entityUrn": "urn:li:tag:caf\xe9", "aspectName": "tagKey", "aspect": {"json": {}}}\n'
    )
    results, _ = _drain(connector({"files": ["g.jsonl"], "email_domain": "example.com"}, base_dir=tmp_path))
    rejected = [r for r in results if isinstance(r, Rejected)]
    assert len([r for r in results if not isinstance(r, Rejected)]) == 9
    n = len(records)
    assert [(r.where, r.reason) for r in rejected] == [
        (f"g.jsonl:{n + 1} (record {n + 1})", "JSON nested deeper than 64 levels"),
        (f"g.jsonl:{n + 2} (record {n + 2})", f"not valid UTF-8 (line {n + 2})"),
    ]


# --- adversarial review (issue #10 item 2): text that cannot be staged is rejected alone ---------------


def _staged(records: list[Any]) -> None:
    """Staging writes records as UTF-8 JSON (``ensure_ascii=False``): a lone surrogate cannot be written."""
    json.dumps(records, ensure_ascii=False).encode("utf-8")


def _tag(name: str, description: str = "d") -> dict[str, Any]:
    return {
        "entityType": "tag",
        "entityUrn": f"urn:li:tag:{name}",
        "changeType": "UPSERT",
        "aspectName": "tagProperties",
        "aspect": {"json": {"name": name, "description": description}},
    }


def test_an_unpaired_surrogate_escape_in_a_file_is_rejected_alone(tmp_path: Path) -> None:
    text = json.dumps([_tag("a"), _tag("b", "SURROGATE"), _tag("c")], indent=2)
    (tmp_path / "t.json").write_text(text.replace("SURROGATE", "\\udc80"))
    conn = connector({"files": ["t.json"]}, base_dir=tmp_path)
    cursor: str | None = None
    results: list[Any] = []
    while True:
        page = conn.extract(cursor)
        _staged(page.records)
        results.extend(conn.transform(page.records))
        cursor = page.next_cursor
        if cursor is None:
            break
    rejected = [r for r in results if isinstance(r, Rejected)]
    assert [r.where for r in rejected] == ["t.json:14 (record 2)"]
    assert "not valid Unicode" in rejected[0].reason
    assert len(results) == 3


@pytest.mark.parametrize("fault", [b"caf\xff", b"\\ud800"])
def test_a_pushed_message_with_invalid_text_is_rejected_alone_not_mangled(fault: bytes) -> None:
    conn = _push()
    body = json.dumps([_tag("a", "FAULT"), _tag("b")]).encode().replace(b"FAULT", fault)
    records = conn.decode(body)
    _staged(records)
    results = list(conn.transform(records))
    assert [(type(r).__name__, r.where if isinstance(r, Rejected) else None) for r in results] == [
        ("Rejected", "event message 1"),
        ("PivotClassificationItem", None),
    ]


def test_a_broken_record_of_an_entity_rejects_the_entity_not_lands_it_partially(tmp_path: Path) -> None:
    urn = "urn:li:dataset:(urn:li:dataPlatform:hive,db.orders,PROD)"
    props = {
        "entityType": "dataset",
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": "datasetProperties",
        "aspect": {"json": {"name": "orders", "description": "keep me"}},
    }
    field = {
        "fieldPath": "id",
        "nativeDataType": "int",
        "type": {"type": {"com.linkedin.schema.NumberType": {}}},
    }
    schema = {
        "entityType": "dataset",
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": "schemaMetadata",
        "aspect": {
            "json": {"schemaName": "orders", "platform": "urn:li:dataPlatform:hive", "fields": [field]}
        },
    }
    text = json.dumps([props, schema], indent=2)
    cut = text.index('"fieldPath"')
    (tmp_path / "d.json").write_text(text[:cut] + "BROKEN " + text[cut:])
    results, _ = _drain(connector({"files": ["d.json"]}, base_dir=tmp_path))
    assert not [r for r in results if isinstance(r, PivotAssetItem)]  # no partial entity reaches Purview
    assert any(isinstance(r, Rejected) and r.external_id == urn for r in results)
    rejected = [r for r in results if isinstance(r, Rejected)]
    assert [(r.where, r.kind, r.external_id) for r in rejected] == [
        ("d.json:14 (record 2)", "asset", urn),
        ("d.json:14 (record 2)", "asset", f"lineage:{urn}"),  # its lineage process must not look deleted
    ]
    assert rejected[0].reason.startswith("invalid JSON")


def test_a_broken_snapshot_rejects_its_entity_and_the_others_land(tmp_path: Path) -> None:
    mce = {
        "proposedSnapshot": {
            "com.linkedin.pegasus2avro.metadata.snapshot.TagSnapshot": {
                "urn": "urn:li:tag:pii",
                "aspects": [{"com.linkedin.pegasus2avro.tag.TagProperties": {"name": "pii"}}],
            }
        }
    }
    text = json.dumps([mce, _tag("other")], indent=2).replace('"name": "pii"', '"name": BROKEN')
    (tmp_path / "t.json").write_text(text)
    results, _ = _drain(connector({"files": ["t.json"]}, base_dir=tmp_path))
    assert [(type(r).__name__, getattr(r, "external_id", None)) for r in results] == [
        ("Rejected", "urn:li:tag:pii"),
        ("PivotClassificationItem", "urn:li:tag:other"),
    ]


def test_a_broken_record_naming_no_urn_stays_an_unnamed_error_not_its_neighbours(tmp_path: Path) -> None:
    """JSON lines: the broken record's text holds no entityUrn, the next line does; that one is not blamed."""
    broken = '{"entityType": "tag", "aspectName": "tagProperties", "aspect": {"json": BROKEN}}'
    (tmp_path / "t.jsonl").write_text(broken + "\n" + json.dumps(_tag("b")) + "\n")
    results, _ = _drain(connector({"files": ["t.jsonl"]}, base_dir=tmp_path))
    assert [(type(r).__name__, getattr(r, "external_id", None)) for r in results] == [
        ("Rejected", None),
        ("PivotClassificationItem", "urn:li:tag:b"),
    ]


@pytest.mark.parametrize("page_size", [1, 10])
def test_every_broken_record_of_an_entity_is_reported_and_paging_loses_no_entity(
    tmp_path: Path, page_size: int
) -> None:
    records = [_tag("a", "BROKEN"), _tag("a"), _tag("a", "BROKEN"), _tag("b"), _tag("c")]
    text = json.dumps(records, indent=2).replace('"BROKEN"', "BROKEN")
    (tmp_path / "t.json").write_text(text)
    results, _ = _drain(connector({"files": ["t.json"], "page_size": page_size}, base_dir=tmp_path))
    assert [(type(r).__name__, r.external_id, getattr(r, "where", None)) for r in results] == [
        ("Rejected", "urn:li:tag:a", "t.json:2 (record 1)"),
        ("Rejected", "urn:li:tag:a", "t.json:26 (record 3)"),
        ("PivotClassificationItem", "urn:li:tag:b", None),
        ("PivotClassificationItem", "urn:li:tag:c", None),
    ]
