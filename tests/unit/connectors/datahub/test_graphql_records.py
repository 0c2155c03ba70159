"""GraphQL search results → entity records: raw aspect payloads, owner emails, parent containers."""

from __future__ import annotations

import json

from connectors.datahub.graphql import ENTITIES_QUERY, SCROLL_QUERY, entity_record


def test_raw_aspects_become_the_entity_record() -> None:
    entity = {
        "urn": "urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)",
        "type": "DATASET",
        "aspects": [
            {"aspectName": "datasetProperties", "payload": json.dumps({"description": {"string": "x"}})},
            {"aspectName": "status", "payload": json.dumps({"removed": True})},
            {"aspectName": "broken", "payload": "{nope"},
        ],
        "ownership": {
            "owners": [
                {"owner": {"urn": "urn:li:corpuser:a", "properties": {"email": "a@x.example"}}},
                {
                    "owner": {
                        "urn": "urn:li:corpuser:b",
                        "editableProperties": {"email": "b@y.example"},
                        "properties": None,
                    }
                },
                {"owner": {"urn": "urn:li:corpGroup:g"}},
            ]
        },
        "parentContainers": {
            "containers": [{"urn": "urn:li:container:schema"}, {"urn": "urn:li:container:db"}]
        },
    }
    record = entity_record(entity, position=3)
    assert record["entity_type"] == "dataset"
    assert record["aspects"]["datasetProperties"] == {"description": "x"}  # Avro unions unwrapped
    assert record["removed"] is True
    assert record["problems"] == [
        {"where": "graphql result 3", "reason": f"{entity['urn']}: aspect broken payload is not JSON"}
    ]
    assert record["emails"] == {"urn:li:corpuser:a": "a@x.example", "urn:li:corpuser:b": "b@y.example"}
    assert record["containers"] == ["urn:li:container:schema", "urn:li:container:db"]


def test_a_result_without_urn_is_an_error_record() -> None:
    assert entity_record(None, position=1) == {
        "error": "search result without an entity urn",
        "where": "graphql result 1",
    }


def test_queries_ask_raw_aspects_for_every_pulled_type() -> None:
    for query in (SCROLL_QUERY, ENTITIES_QUERY):
        for type_name in ("Dataset", "Container", "GlossaryTerm", "GlossaryNode", "Tag", "Domain"):
            assert f"... on {type_name} {{ aspects(input: {{autoRenderOnly: false}})" in query
    assert query.count("{") == query.count("}")


def test_a_deep_or_non_unicode_payload_is_this_entitys_problem_not_the_runs() -> None:
    """A 100,000-deep aspect payload raised RecursionError and a "\\ud800" escape made the page unstageable:
    either failed the whole pull run."""
    deep = {"aspectName": "tagProperties", "payload": '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"}
    record = entity_record({"urn": "urn:li:tag:x", "aspects": [deep]}, position=1)
    assert record["problems"] == [
        {
            "where": "graphql result 1",
            "reason": "urn:li:tag:x: aspect tagProperties payload: JSON nested deeper than 64 levels",
        }
    ]
    lone = {"aspectName": "tagProperties", "payload": '{"name": "\\ud800"}'}
    record = entity_record({"urn": "urn:li:tag:y", "aspects": [lone]}, position=2)
    assert record["where"] == "graphql result 2" and "not valid Unicode" in record["error"]
    json.dumps(record, ensure_ascii=False).encode("utf-8")  # stageable
