from __future__ import annotations

from typing import Any

from purview.mapping import EntityRef
from purview.plan import current_classifications, current_meanings, entity_diffs, related_guids, set_diff

GUIDS = {EntityRef("t", "a"): "g-a", EntityRef("t", "b"): "g-b"}


def related(guid: str, **extra: Any) -> dict[str, Any]:
    return {
        "guid": guid,
        "typeName": "t",
        "relationshipGuid": f"r-{guid}",
        "entityStatus": "ACTIVE",
        "relationshipStatus": "ACTIVE",
        **extra,
    }


def wanted(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "typeName": "t",
        "attributes": {"qualifiedName": "q", "name": "n", "description": None, "size": 3},
        "relationshipAttributes": {
            "inputs": [{"typeName": "t", "uniqueAttributes": {"qualifiedName": "a"}}],
            "dbSchema": {"typeName": "t", "uniqueAttributes": {"qualifiedName": "b"}},
        },
    }
    body.update(overrides)
    return body


def current(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "guid": "g",
        "typeName": "t",
        "attributes": {
            "qualifiedName": "q",
            "name": "n",
            "description": "",
            "size": 3.0,
            "userDescription": "x",
        },
        "relationshipAttributes": {"inputs": [related("g-a")], "dbSchema": related("g-b"), "meanings": []},
    }
    body.update(overrides)
    return body


def test_identical_entity_has_no_diffs() -> None:
    # null and "" are equal, 3 == 3.0, attributes only Purview has (userDescription) are ignored
    assert entity_diffs(wanted(), current(), GUIDS.get) == []


def test_attribute_change_is_reported_with_before_and_after() -> None:
    diffs = entity_diffs(
        wanted(attributes={"qualifiedName": "q", "name": "m"}), current(), GUIDS.get, prefix="x."
    )
    assert [(d.path, d.before, d.after) for d in diffs] == [("x.attributes.name", "n", "m")]


def test_relationship_compared_by_guid() -> None:
    changed = current(relationshipAttributes={"inputs": [related("g-b")], "dbSchema": related("g-b")})
    (diff,) = entity_diffs(wanted(), changed, GUIDS.get)
    assert diff.path == "relationshipAttributes.inputs"
    assert diff.after == ["a"]


def test_unknown_target_guid_counts_as_a_difference() -> None:
    assert entity_diffs(wanted(), current(), lambda ref: None) != []


def test_deleted_relationships_do_not_count() -> None:
    stale = current(
        relationshipAttributes={
            "inputs": [related("g-a"), related("g-z", relationshipStatus="DELETED")],
            "dbSchema": related("g-b"),
        }
    )
    assert entity_diffs(wanted(), stale, GUIDS.get) == []
    assert related_guids([related("x", entityStatus="DELETED")]) == set()


def test_contacts_and_custom_attributes_only_when_sent() -> None:
    body = wanted(contacts={"Owner": [{"id": "b"}, {"id": "a"}]}, customAttributes={"k": "v"})
    have = current(contacts={"Owner": [{"id": "a", "info": ""}, {"id": "b"}]}, customAttributes={"k": "v"})
    assert entity_diffs(body, have, GUIDS.get) == []
    assert [d.path for d in entity_diffs(body, current(), GUIDS.get)] == ["contacts", "customAttributes"]
    assert entity_diffs(wanted(), have, GUIDS.get) == []


def test_current_meanings_and_classifications() -> None:
    entity = current(
        relationshipAttributes={"meanings": [related("t1"), related("t2", relationshipStatus="DELETED")]},
        classifications=[
            {"typeName": "PII", "entityGuid": "g"},
            {"typeName": "PROP", "entityGuid": "other"},
            {"typeName": "X"},
        ],
    )
    assert current_meanings(entity) == {"t1": "r-t1"}
    assert current_classifications(entity) == {"PII", "X"}


def test_set_diff() -> None:
    assert set_diff("terms", ["a"], ["a"]) == []
    (diff,) = set_diff("terms", ["b", "a"], ["c"])
    assert (diff.before, diff.after) == (["a", "b"], ["c"])
