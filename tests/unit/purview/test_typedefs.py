from __future__ import annotations

from typing import Any

from purview.collections import collection_name_for
from purview.typedefs import (
    GENERIC_COLUMN,
    GENERIC_DATASET,
    GENERIC_PROCESS,
    GENERIC_RELATIONSHIP,
    _merged_for_update,
    defs_differ,
    project_typedefs,
)


def by_name() -> dict[str, dict[str, Any]]:
    return {d["name"]: d for d in project_typedefs()}


def test_custom_types_render_schema_and_lineage() -> None:
    defs = by_name()
    assert defs[GENERIC_DATASET]["superTypes"] == ["DataSet"]
    assert defs[GENERIC_DATASET]["options"] == {"schemaElementsAttribute": "columns"}
    assert defs[GENERIC_PROCESS]["superTypes"] == ["Process"]
    relationship = defs[GENERIC_RELATIONSHIP]
    assert relationship["relationshipCategory"] == "COMPOSITION"
    assert (relationship["endDef1"]["type"], relationship["endDef1"]["name"]) == (GENERIC_DATASET, "columns")
    assert relationship["endDef1"]["isContainer"] is True
    assert (relationship["endDef2"]["type"], relationship["endDef2"]["name"]) == (GENERIC_COLUMN, "dataset")
    # entity defs come before the relationship def that needs them
    assert [d["category"] for d in project_typedefs()][-1] == "RELATIONSHIP"


def test_defs_differ_ignores_server_additions() -> None:
    wanted = by_name()[GENERIC_DATASET]
    current = {
        **wanted,
        "guid": "x",
        "createdBy": "admin",
        "attributeDefs": [*wanted["attributeDefs"], {"name": "extra", "typeName": "string"}],
        "options": {"schemaElementsAttribute": "columns", "purviewEntityExtDef": "{}"},
    }
    assert not defs_differ(wanted, current)


def test_defs_differ_on_managed_fields() -> None:
    wanted = by_name()[GENERIC_DATASET]
    assert defs_differ(wanted, {**wanted, "description": "other"})
    assert defs_differ(wanted, {**wanted, "attributeDefs": []})
    classification = {
        "category": "CLASSIFICATION",
        "name": "C",
        "description": "d",
        "entityTypes": ["DataSet"],
    }
    assert defs_differ(classification, {**classification, "entityTypes": []})
    assert not defs_differ(classification, {**classification, "entityTypes": ["DataSet"], "guid": "g"})


def test_update_keeps_attributes_only_purview_has() -> None:
    wanted = by_name()[GENERIC_COLUMN]
    current = {**wanted, "guid": "g", "attributeDefs": [{"name": "legacy", "typeName": "string"}]}
    merged = _merged_for_update(wanted, current)
    assert [a["name"] for a in merged["attributeDefs"]] == ["data_type", "legacy"]
    assert merged["guid"] == "g"


def test_collection_names() -> None:
    assert collection_name_for("Sales & Marketing") == "sales-marketing"
    assert collection_name_for("ab") == "ab-col"
    assert len(collection_name_for("x" * 80)) == 36


def test_typedef_diffs() -> None:
    from purview.typedefs import typedef_diffs

    wanted = {"category": "CLASSIFICATION", "name": "C", "description": "new", "entityTypes": ["DataSet"]}
    assert [d.path for d in typedef_diffs(wanted, None)] == ["classification"]
    assert typedef_diffs(wanted, {**wanted, "guid": "g"}) == []
    (diff,) = typedef_diffs(wanted, {**wanted, "description": "old"})
    assert (diff.path, diff.before, diff.after) == ("description", "old", "new")


def test_collection_directory_pages_and_matches_friendly_names() -> None:
    import pytest

    from purview.client import PurviewHttp
    from purview.collections import CollectionDirectory
    from purview.errors import ItemError
    from tests.unit.purview.fakes import ScriptedSession, response

    session = ScriptedSession(
        [
            response(200, {"value": [{"name": "acct", "friendlyName": "acct"}], "nextLink": "http://p/next"}),
            response(200, {"value": [{"name": "x1y2z3", "friendlyName": "Sales", "parentCollection": {}}]}),
            response(200, {"name": "new-one"}),
        ]
    )
    http = PurviewHttp("http://p", session=session)
    strict = CollectionDirectory(http)
    assert strict.resolve("sales") == "x1y2z3" and strict.resolve("X1Y2Z3") == "x1y2z3"
    with pytest.raises(ItemError, match="does not exist"):
        strict.resolve("New One")
    assert session.calls[1].url == "http://p/next"
    creating = CollectionDirectory(http, create_missing=True)
    creating._by_key, creating._root = {"sales": "x1y2z3"}, "acct"
    assert creating.resolve("New One") == "new-one"
    put = session.calls[2]
    assert put.method == "PUT" and put.url == "http://p/account/collections/new-one"
    assert put.json == {
        "friendlyName": "New One",
        "parentCollection": {"referenceName": "acct", "type": "CollectionReference"},
    }
