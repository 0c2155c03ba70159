"""Entity upsert/get/delete semantics, driven through pyapacheatlas (and raw HTTP for shapes)."""

from __future__ import annotations

from typing import Any

import pytest
from pyapacheatlas.core.util import AtlasException

from localdev.purview import EmulatorServer
from purview_emulator.conftest import A, D, Http, table_with_columns


def _error(exc: BaseException) -> str:
    return str(exc)


def test_upload_table_with_columns_creates_both_ends(atlas_client: Any) -> None:
    result = atlas_client.upload_entities(table_with_columns())
    assert sorted(result["guidAssignments"]) == ["-1", "-2", "-3"]
    assert len(result["mutatedEntities"]["CREATE"]) == 3
    table_guid = result["guidAssignments"]["-1"]
    got = atlas_client.get_entity(guid=table_guid)
    table = got["entities"][0]
    assert table["status"] == "ACTIVE"
    assert table["collectionId"] == "emulator"
    columns = table["relationshipAttributes"]["columns"]
    assert sorted(c["displayText"] for c in columns) == ["a", "b"]
    assert all(c["relationshipType"] == "azure_sql_table_columns" for c in columns)
    assert set(got["referredEntities"]) == {c["guid"] for c in columns}
    column = next(iter(got["referredEntities"].values()))
    assert column["relationshipAttributes"]["table"]["guid"] == table_guid


def test_reupload_is_update_and_merges_attributes(atlas_client: Any) -> None:
    first = atlas_client.upload_entities(table_with_columns(columns=("a",)))
    guid = first["guidAssignments"]["-1"]
    table: dict[str, Any] = {
        "typeName": "azure_sql_table",
        "guid": "-100",
        "attributes": {"name": "t", "qualifiedName": "mssql://s/db/dbo/t", "description": "hello"},
    }
    second = atlas_client.upload_entities([table])
    assert second["guidAssignments"] == {"-100": guid}
    assert [h["guid"] for h in second["mutatedEntities"]["UPDATE"]] == [guid]
    third = atlas_client.upload_entities(
        [{**table, "attributes": {"name": "t2", "qualifiedName": "mssql://s/db/dbo/t"}}]
    )
    assert "CREATE" not in third["mutatedEntities"]
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert entity["attributes"]["description"] == "hello"  # omitted attribute kept
    assert entity["attributes"]["name"] == "t2"
    assert len(entity["relationshipAttributes"]["columns"]) == 1  # columns untouched when omitted
    atlas_client.upload_entities([{**table, "attributes": {**table["attributes"], "description": None}}])
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert entity["attributes"]["description"] is None  # explicit null clears


def test_integer_placeholders_and_guid_null(http: Http) -> None:
    body = {
        "entities": [
            {"typeName": "azure_sql_table", "guid": -5, "attributes": {"name": "x", "qualifiedName": "q/x"}},
            {
                "typeName": "azure_sql_table",
                "guid": None,
                "attributes": {"name": "y", "qualifiedName": "q/y"},
            },
        ]
    }
    response = http.post(f"{A}/entity/bulk", json=body)
    assert response.status_code == 200
    data = response.json()
    assert list(data["guidAssignments"]) == ["-5"]
    assert len(data["mutatedEntities"]["CREATE"]) == 2


def test_replacing_owned_columns_deletes_dropped_children(atlas_client: Any, http: Http) -> None:
    result = atlas_client.upload_entities(table_with_columns(columns=("a", "b", "c")))
    table_guid = result["guidAssignments"]["-1"]
    kept = result["guidAssignments"]["-2"]
    dropped = {result["guidAssignments"]["-3"], result["guidAssignments"]["-4"]}
    update = {
        "typeName": "azure_sql_table",
        "guid": table_guid,
        "attributes": {"name": "t", "qualifiedName": "mssql://s/db/dbo/t"},
        "relationshipAttributes": {"columns": [{"guid": kept}]},
    }
    data = http.post(f"{A}/entity/bulk", json={"entities": [update]}).json()
    assert {h["guid"] for h in data["mutatedEntities"]["DELETE"]} == dropped
    for guid in dropped:
        assert atlas_client.get_entity(guid=guid)["entities"][0]["status"] == "DELETED"
    table = atlas_client.get_entity(guid=table_guid)["entities"][0]
    assert [c["guid"] for c in table["relationshipAttributes"]["columns"]] == [kept]


def test_get_by_qualified_name_and_bulk_unique_attributes(atlas_client: Any, http: Http) -> None:
    atlas_client.upload_entities(table_with_columns(name="t1"))
    atlas_client.upload_entities(table_with_columns(name="t2"))
    got = atlas_client.get_entity(typeName="azure_sql_table", qualifiedName=["mssql://s/db/dbo/t1", "nope"])
    assert [e["attributes"]["name"] for e in got["entities"]] == ["t1"]
    single = http.get(
        f"{A}/entity/uniqueAttribute/type/azure_sql_table",
        params={"attr:qualifiedName": "mssql://s/db/dbo/t2"},
    )
    assert single.status_code == 200
    assert single.json()["entity"]["attributes"]["name"] == "t2"
    missing = http.get(
        f"{A}/entity/uniqueAttribute/type/azure_sql_table", params={"attr:qualifiedName": "nope"}
    )
    assert missing.status_code == 404
    assert missing.json()["errorCode"] == "ATLAS-404-00-009"
    none = http.get(
        f"{D}/entity/bulk/uniqueAttribute/type/azure_sql_table", params={"attr_0:qualifiedName": "x"}
    )
    assert none.status_code == 200
    assert "entities" not in none.json()


def test_missing_mandatory_attribute_is_404_00_007(atlas_client: Any) -> None:
    column = {
        "typeName": "azure_sql_column",
        "guid": "-1",
        "attributes": {"name": "c", "qualifiedName": "mssql://s/db/dbo/t#c"},
    }
    with pytest.raises(AtlasException) as info:
        atlas_client.upload_entities([column])
    assert "ATLAS-404-00-007" in _error(info.value)
    assert "azure_sql_column.data_type: mandatory attribute value missing in type azure_sql_column" in _error(
        info.value
    )


def test_unknown_type_unresolved_reference_and_bad_value(http: Http) -> None:
    unknown = http.post(
        f"{A}/entity/bulk", json={"entities": [{"typeName": "nope", "attributes": {"qualifiedName": "x"}}]}
    )
    assert (unknown.status_code, unknown.json()["errorCode"]) == (400, "ATLAS-400-00-014")
    dangling = table_with_columns()[1]
    dangling["relationshipAttributes"]["table"] = {"guid": "-77"}
    missing = http.post(f"{A}/entity/bulk", json={"entities": [dangling]})
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "ATLAS-404-00-00A")
    assert "Referenced entity" in missing.json()["errorMessage"]
    bad = http.post(
        f"{A}/entity/bulk",
        json={
            "entities": [
                {
                    "typeName": "hive_table",
                    "attributes": {"name": "t", "qualifiedName": "h", "retention": "soon"},
                }
            ]
        },
    )
    assert (bad.status_code, bad.json()["errorCode"]) == (404, "ATLAS-404-00-007")
    assert "hive_table.retention: invalid value for type int" in bad.json()["errorMessage"]
    # nothing of a failed request is kept
    assert http.get("/_emulator/stats").json()["entities"] == {}


def test_reference_by_unique_attributes_and_unknown_attributes_dropped(atlas_client: Any) -> None:
    atlas_client.upload_entities(table_with_columns(columns=()))
    column = {
        "typeName": "azure_sql_column",
        "guid": "-9",
        "attributes": {"name": "z", "qualifiedName": "mssql://s/db/dbo/t#z", "data_type": "int", "bogus": 1},
        "relationshipAttributes": {
            "table": {
                "typeName": "azure_sql_table",
                "uniqueAttributes": {"qualifiedName": "mssql://s/db/dbo/t"},
            }
        },
    }
    guid = atlas_client.upload_entities([column])["guidAssignments"]["-9"]
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert "bogus" not in entity["attributes"]
    assert entity["relationshipAttributes"]["table"]["displayText"] == "t"


def test_process_lineage_both_ends(atlas_client: Any, http: Http) -> None:
    datasets = [
        {"typeName": "DataSet", "guid": "-1", "attributes": {"name": "in", "qualifiedName": "ds://in"}},
        {"typeName": "DataSet", "guid": "-2", "attributes": {"name": "out", "qualifiedName": "ds://out"}},
        {
            "typeName": "Process",
            "guid": "-3",
            "attributes": {
                "name": "p",
                "qualifiedName": "proc://p",
                "inputs": [{"guid": "-1", "typeName": "DataSet", "qualifiedName": "ds://in"}],
                "outputs": [{"typeName": "DataSet", "uniqueAttributes": {"qualifiedName": "ds://out"}}],
                "columnMapping": '[{"Source":"a","Sink":"b"}]',
            },
        },
    ]
    result = atlas_client.upload_entities(datasets)
    g = result["guidAssignments"]
    process = atlas_client.get_entity(guid=g["-3"])["entities"][0]
    assert [x["guid"] for x in process["attributes"]["inputs"]] == [g["-1"]]
    assert [x["guid"] for x in process["relationshipAttributes"]["outputs"]] == [g["-2"]]
    source = atlas_client.get_entity(guid=g["-1"])["entities"][0]
    assert [x["guid"] for x in source["relationshipAttributes"]["inputToProcesses"]] == [g["-3"]]
    lineage = http.get(f"{A}/lineage/{g['-1']}", params={"direction": "OUTPUT"}).json()
    assert {(r["fromEntityId"], r["toEntityId"]) for r in lineage["relations"]} == {
        (g["-1"], g["-3"]),
        (g["-3"], g["-2"]),
    }


def test_soft_delete_hides_from_unique_lookups(atlas_client: Any, http: Http) -> None:
    guid = atlas_client.upload_entities(table_with_columns())["guidAssignments"]["-1"]
    result = atlas_client.delete_entity(guid=guid)
    deleted = result["mutatedEntities"]["DELETE"]
    assert len(deleted) == 3  # the table and its two owned columns
    assert all(h["status"] == "DELETED" for h in deleted)
    assert atlas_client.get_entity(guid=guid)["entities"][0]["status"] == "DELETED"
    lookup = http.get(
        f"{A}/entity/uniqueAttribute/type/azure_sql_table",
        params={"attr:qualifiedName": "mssql://s/db/dbo/t"},
    )
    assert lookup.status_code == 404
    again = http.delete(f"{A}/entity/guid/{guid}")
    assert again.status_code == 200 and again.json() == {}
    recreated = atlas_client.upload_entities(table_with_columns())
    assert recreated["guidAssignments"]["-1"] != guid
    assert len(recreated["mutatedEntities"]["CREATE"]) == 3


def test_hard_delete_switch(emulator: EmulatorServer, atlas_client: Any, http: Http) -> None:
    emulator.backend.options.hard_delete = True
    guid = atlas_client.upload_entities(table_with_columns())["guidAssignments"]["-1"]
    atlas_client.delete_entity(typeName="azure_sql_table", qualifiedName="mssql://s/db/dbo/t")
    gone = http.get(f"{A}/entity/guid/{guid}")
    assert (gone.status_code, gone.json()["errorCode"]) == (404, "ATLAS-404-00-005")
    assert emulator.stats()["entities"] == {}


def test_bulk_delete_and_unknown_guid(atlas_client: Any, http: Http) -> None:
    first = atlas_client.upload_entities(table_with_columns(columns=()))["guidAssignments"]["-1"]
    second = atlas_client.upload_entities(table_with_columns(name="u", columns=()))["guidAssignments"]["-1"]
    result = atlas_client.delete_entity(guid=[first, second])
    assert {h["guid"] for h in result["mutatedEntities"]["DELETE"]} == {first, second}
    unknown = http.delete(f"{A}/entity/bulk", params=[("guid", "11111111-1111-1111-1111-111111111111")])
    assert unknown.status_code == 200 and unknown.json() == {}
    by_unique = http.delete(
        f"{A}/entity/uniqueAttribute/type/azure_sql_table", params={"attr:qualifiedName": "nope"}
    )
    assert (by_unique.status_code, by_unique.json()["errorCode"]) == (404, "ATLAS-404-00-009")


def test_partial_update_and_single_entity_upsert(atlas_client: Any, http: Http) -> None:
    single = http.post(
        f"{D}/entity",
        json={"entity": {"typeName": "DataSet", "attributes": {"name": "d", "qualifiedName": "ds://d"}}},
    ).json()
    guid = single["mutatedEntities"]["CREATE"][0]["guid"]
    response = http.put(f"{A}/entity/guid/{guid}", params={"name": "description"}, json="x")
    assert response.status_code == 200
    assert response.json()["mutatedEntities"]["PARTIAL_UPDATE"][0]["guid"] == guid
    assert atlas_client.get_entity(guid=guid)["entities"][0]["attributes"]["description"] == "x"
    atlas_client.partial_update_entity(typeName="DataSet", qualifiedName="ds://d", attributes={"owner": "me"})
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert (entity["attributes"]["owner"], entity["attributes"]["description"]) == ("me", "x")


def test_column_moves_to_new_table(atlas_client: Any) -> None:
    first = atlas_client.upload_entities(table_with_columns(name="t1", columns=("a",)))
    second = atlas_client.upload_entities(table_with_columns(name="t2", columns=()))
    column = table_with_columns(name="t1", columns=("a",))[1]
    column["relationshipAttributes"]["table"] = {"guid": second["guidAssignments"]["-1"]}
    atlas_client.upload_entities([column])
    t1 = atlas_client.get_entity(guid=first["guidAssignments"]["-1"])["entities"][0]
    t2 = atlas_client.get_entity(guid=second["guidAssignments"]["-1"])["entities"][0]
    assert t1["relationshipAttributes"]["columns"] == []
    assert [c["displayText"] for c in t2["relationshipAttributes"]["columns"]] == ["a"]


def test_relationship_api(atlas_client: Any, http: Http) -> None:
    table = atlas_client.upload_entities(table_with_columns(name="r", columns=()))["guidAssignments"]["-1"]
    column = atlas_client.upload_entities(
        [
            {
                "typeName": "azure_sql_column",
                "guid": "-1",
                "attributes": {"name": "k", "qualifiedName": "r#k", "data_type": "x"},
            }
        ]
    )["guidAssignments"]["-1"]
    created = atlas_client.upload_relationship(
        {"typeName": "azure_sql_table_columns", "end1": {"guid": table}, "end2": {"guid": column}}
    )
    assert created["status"] == "ACTIVE" and created["end1"]["typeName"] == "azure_sql_table"
    entity = atlas_client.get_entity(guid=column)["entities"][0]
    assert entity["relationshipAttributes"]["table"]["relationshipGuid"] == created["guid"]
    fetched = http.get(f"{A}/relationship/guid/{created['guid']}").json()
    assert fetched["relationship"]["end2"]["guid"] == column
    duplicate = http.post(
        f"{A}/relationship",
        json={"typeName": "azure_sql_table_columns", "end1": {"guid": table}, "end2": {"guid": column}},
    )
    assert (duplicate.status_code, duplicate.json()["errorCode"]) == (409, "ATLAS-409-00-004")
    assert http.delete(f"{A}/relationship/guid/{created['guid']}").status_code == 204
    entity = atlas_client.get_entity(guid=column)["entities"][0]
    assert entity["relationshipAttributes"]["table"] is None


def test_labels_and_header(atlas_client: Any, http: Http) -> None:
    guid = atlas_client.upload_entities(table_with_columns(columns=()))["guidAssignments"]["-1"]
    assert http.put(f"{A}/entity/guid/{guid}/labels", json=["a", "b"]).status_code == 204
    assert http.delete(f"{A}/entity/guid/{guid}/labels", json=["a"]).status_code == 204
    header = http.get(f"{A}/entity/guid/{guid}/header").json()
    assert header["labels"] == ["b"] and header["guid"] == guid
    entity: dict[str, Any] = atlas_client.get_entity(guid=guid)["entities"][0]
    assert entity["labels"] == ["b"]


def test_lineage_through_both_clients(atlas_client: Any, http: Http) -> None:
    from localdev.purview import datamap_client

    chain = [
        {"typeName": "DataSet", "guid": "-1", "attributes": {"name": "a", "qualifiedName": "ds://a"}},
        {"typeName": "DataSet", "guid": "-2", "attributes": {"name": "b", "qualifiedName": "ds://b"}},
        {"typeName": "DataSet", "guid": "-3", "attributes": {"name": "c", "qualifiedName": "ds://c"}},
        {
            "typeName": "Process",
            "guid": "-4",
            "attributes": {
                "name": "p1",
                "qualifiedName": "p://1",
                "inputs": [{"guid": "-1"}],
                "outputs": [{"guid": "-2"}],
            },
        },
        {
            "typeName": "Process",
            "guid": "-5",
            "attributes": {
                "name": "p2",
                "qualifiedName": "p://2",
                "inputs": [{"guid": "-2"}],
                "outputs": [{"guid": "-3"}],
            },
        },
    ]
    g = atlas_client.upload_entities(chain)["guidAssignments"]
    full = atlas_client.get_entity_lineage(g["-1"], depth=3, direction="OUTPUT")
    assert set(full["guidEntityMap"]) == {g["-1"], g["-2"], g["-3"], g["-4"], g["-5"]}
    shallow = atlas_client.get_entity_lineage(g["-3"], depth=1, direction="INPUT")
    assert set(shallow["guidEntityMap"]) == {g["-3"], g["-5"], g["-2"]}
    both = http.get(
        f"{D}/lineage/uniqueAttribute/type/DataSet", params={"attr:qualifiedName": "ds://b"}
    ).json()
    assert len(both["relations"]) == 4
    official = datamap_client(http.url)
    following = official.lineage.get_next_page(g["-1"], direction="OUTPUT")
    assert [r["toEntityId"] for r in following["relations"]] == [g["-4"]]
    assert (
        atlas_client.get_entity_next_lineage(g["-2"], direction="INPUT")["relations"][0]["fromEntityId"]
        == g["-4"]
    )


def test_strict_attributes_switch(emulator: EmulatorServer, http: Http) -> None:
    emulator.backend.options.strict_attributes = True
    entity = {"typeName": "DataSet", "attributes": {"name": "d", "qualifiedName": "d", "bogus": 1}}
    refused = http.post(f"{A}/entity/bulk", json={"entities": [entity]})
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "ATLAS-400-00-023")
    assert refused.json()["errorMessage"] == "Attribute bogus not found for type DataSet"
