"""Response shapes (status codes, fields, error codes) of the routes not covered through the clients."""

from __future__ import annotations

from typing import Any

import pytest

from purview_emulator.conftest import A, D, Http, table_with_columns


@pytest.fixture
def table(atlas_client: Any) -> dict[str, str]:
    atlas_client.upload_typedefs(classificationDefs=[{"name": "PII", "category": "CLASSIFICATION"}])
    result: dict[str, str] = atlas_client.upload_entities(table_with_columns())["guidAssignments"]
    return result


QN = {"attr:qualifiedName": "mssql://s/db/dbo/t", "api-version": "2023-09-01"}
UNIQUE = "/entity/uniqueAttribute/type/azure_sql_table"


@pytest.mark.parametrize("prefix", [A, D])
def test_reads_under_both_prefixes(prefix: str, table: dict[str, str], http: Http) -> None:
    guid = table["-1"]
    full = http.get(f"{prefix}/entity/guid/{guid}", params={"api-version": "2023-09-01"})
    assert full.status_code == 200 and set(full.json()) == {"entity", "referredEntities"}
    light = http.get(
        f"{prefix}/entity/guid/{guid}", params={"ignoreRelationships": "True", "minExtInfo": "True"}
    )
    assert "relationshipAttributes" not in light.json()["entity"] and light.json()["referredEntities"] == {}
    minimal = http.get(f"{prefix}/entity/guid/{guid}", params={"minExtInfo": "true"}).json()
    assert (
        minimal["referredEntities"] == {} and len(minimal["entity"]["relationshipAttributes"]["columns"]) == 2
    )
    repeated = http.get(
        f"{prefix}/entity/bulk", params=[("guid", guid), ("guid", table["-2"]), ("guid", guid)]
    )
    assert [e["guid"] for e in repeated.json()["entities"]] == [guid, table["-2"]]
    missing = http.get(f"{prefix}/entity/bulk", params=[("guid", guid), ("guid", "nope")])
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "ATLAS-404-00-005")
    unknown = http.get(f"{prefix}/entity/guid/nope")
    assert unknown.status_code == 404
    assert set(unknown.json()) == {"requestId", "errorCode", "errorMessage"}
    assert unknown.json()["errorMessage"] == "Given instance guid nope is invalid/not found"
    no_attr = http.get(f"{prefix}{UNIQUE}")
    assert (no_attr.status_code, no_attr.json()["errorCode"]) == (400, "ATLAS-400-00-01A")
    bad_type = http.get(f"{prefix}/entity/uniqueAttribute/type/nope", params=QN)
    assert (bad_type.status_code, bad_type.json()["errorCode"]) == (400, "ATLAS-400-00-014")


def test_unique_attribute_classifications_and_labels(table: dict[str, str], http: Http) -> None:
    assert http.post(f"{A}{UNIQUE}/classifications", params=QN, json=[{"typeName": "PII"}]).status_code == 204
    assert http.put(f"{A}{UNIQUE}/classifications", params=QN, json=[{"typeName": "PII"}]).status_code == 204
    got = http.get(f"{A}/entity/guid/{table['-1']}/classification/PII")
    assert got.status_code == 200 and got.json()["typeName"] == "PII"
    assert http.delete(f"{A}{UNIQUE}/classification/PII", params=QN).status_code == 204
    gone = http.get(f"{A}/entity/guid/{table['-1']}/classification/PII")
    assert (gone.status_code, gone.json()["errorCode"]) == (404, "ATLAS-404-00-008")
    not_assoc = http.put(f"{A}/entity/guid/{table['-1']}/classifications", json=[{"typeName": "PII"}])
    assert (not_assoc.status_code, not_assoc.json()["errorCode"]) == (400, "ATLAS-400-00-06D")
    assert http.post(f"{A}{UNIQUE}/labels", params=QN, json=["x", "y"]).status_code == 204
    assert http.put(f"{A}{UNIQUE}/labels", params=QN, json=["z"]).status_code == 204
    assert http.delete(f"{A}{UNIQUE}/labels", params=QN, json=["x"]).status_code == 204
    assert http.get(f"{A}/entity/guid/{table['-1']}/header").json()["labels"] == ["y", "z"]
    bulk = http.post(f"{A}/entity/bulk/classification", json={"classification": {"typeName": "PII"}})
    assert (bulk.status_code, bulk.json()["errorCode"]) == (400, "ATLAS-400-00-01A")


def test_entity_write_errors(table: dict[str, str], http: Http) -> None:
    bad_json = http.post(f"{A}/entity/bulk", data=b"{nope", headers={"Content-Type": "application/json"})
    assert (bad_json.status_code, bad_json.json()["errorCode"]) == (400, "ATLAS-400-00-029")
    no_entities = http.post(f"{A}/entity/bulk", json={})
    assert no_entities.status_code == 400
    partial = http.put(f"{A}/entity/guid/{table['-1']}", params={"name": "nope"}, json="x")
    assert (partial.status_code, partial.json()["errorCode"]) == (400, "ATLAS-400-00-029")
    by_unique = http.put(
        f"{A}{UNIQUE}", params=QN, json={"entity": {"attributes": {"description": "via unique"}}}
    )
    assert (
        by_unique.status_code == 200
        and by_unique.json()["mutatedEntities"]["UPDATE"][0]["guid"] == table["-1"]
    )
    collection_single = http.post(
        "/catalog/api/collections/emulator/entity",
        params={"api-version": "2022-03-01-preview"},
        json={"entity": {"typeName": "DataSet", "attributes": {"name": "d", "qualifiedName": "d"}}},
    )
    assert collection_single.status_code == 200 and "CREATE" in collection_single.json()["mutatedEntities"]
    assert http.get("/nope/route").status_code == 404


def test_type_and_relationship_routes(table: dict[str, str], http: Http) -> None:
    by_name = http.get(f"{D}/types/typedef/name/azure_sql_column").json()
    assert by_name["category"] == "ENTITY"
    assert any(a["name"] == "data_type" and not a["isOptional"] for a in by_name["attributeDefs"])
    by_guid = http.get(f"{D}/types/entitydef/guid/{by_name['guid']}")
    assert by_guid.status_code == 200 and by_guid.json()["name"] == "azure_sql_column"
    wrong_kind = http.get(f"{D}/types/classificationdef/guid/{by_name['guid']}")
    assert (wrong_kind.status_code, wrong_kind.json()["errorCode"]) == (404, "ATLAS-404-00-002")
    rel = http.get(f"{D}/types/relationshipdef/name/azure_sql_table_columns").json()
    assert rel["relationshipCategory"] == "COMPOSITION" and rel["endDef1"]["isContainer"] is True
    column = http.get(f"{A}/entity/guid/{table['-2']}").json()["entity"]
    rel_guid = column["relationshipAttributes"]["table"]["relationshipGuid"]
    updated = http.put(f"{A}/relationship", json={"guid": rel_guid, "attributes": {}})
    assert updated.status_code == 200 and updated.json()["version"] == 1
    missing = http.get(f"{A}/relationship/guid/nope")
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "ATLAS-404-00-00C")
    unknown_type = http.post(
        f"{A}/relationship",
        json={"typeName": "nope", "end1": {"guid": table["-1"]}, "end2": {"guid": table["-2"]}},
    )
    assert (unknown_type.status_code, unknown_type.json()["errorCode"]) == (400, "ATLAS-400-00-014")
    lineage = http.get(f"{D}/lineage/{table['-1']}").json()
    assert lineage["baseEntityGuid"] == table["-1"] and lineage["relations"] == []


def test_glossary_listing_routes(http: Http) -> None:
    glossary = http.post(f"{A}/glossary", json={"name": "G"}).json()
    for name in ("b", "a", "c"):
        http.post(f"{A}/glossary/term", json={"name": name, "anchor": {"glossaryGuid": glossary["guid"]}})
    headers = http.get(
        f"{A}/glossary/{glossary['guid']}/terms/headers", params={"limit": 2, "offset": 1}
    ).json()
    assert [h["displayText"] for h in headers] == ["b", "c"]
    desc = http.get(f"{A}/glossary/{glossary['guid']}/terms", params={"sort": "DESC", "limit": -1}).json()
    assert [t["name"] for t in desc] == ["c", "b", "a"]
    assert http.get(f"{A}/glossary/{glossary['guid']}/categories").json() == []
    partial = http.put(f"{A}/glossary/{glossary['guid']}/partial", json={"longDescription": "L"}).json()
    assert partial["longDescription"] == "L" and len(partial["terms"]) == 3
    unknown = http.get(f"{A}/glossary/nope")
    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "ATLAS-404-00-005")
    no_name = http.post(f"{A}/glossary", json={})
    assert (no_name.status_code, no_name.json()["errorCode"]) == (400, "ATLAS-400-00-079")
    at_sign = http.post(
        f"{A}/glossary/term", json={"name": "a@b", "anchor": {"glossaryGuid": glossary["guid"]}}
    )
    assert (at_sign.status_code, at_sign.json()["errorCode"]) == (400, "ATLAS-400-00-083")
    assign_unknown = http.post(
        f"{A}/glossary/terms/{headers[0]['termGuid']}/assignedEntities", json=[{"guid": "nope"}]
    )
    assert (assign_unknown.status_code, assign_unknown.json()["errorCode"]) == (404, "ATLAS-404-00-005")


def test_label_set_by_guid_and_atlas_style_disassociation(table: dict[str, str], http: Http) -> None:
    guid = table["-1"]
    assert http.post(f"{A}/entity/guid/{guid}/labels", json=["one", "two"]).status_code == 204
    assert http.post(f"{A}/entity/guid/{guid}/labels", json=["three"]).status_code == 204  # POST replaces
    assert http.get(f"{A}/entity/guid/{guid}/header").json()["labels"] == ["three"]
    glossary = http.post(f"{A}/glossary", json={"name": "G"}).json()
    term = http.post(
        f"{A}/glossary/term", json={"name": "T", "anchor": {"glossaryGuid": glossary["guid"]}}
    ).json()
    assert (
        http.post(f"{A}/glossary/terms/{term['guid']}/assignedEntities", json=[{"guid": guid}]).status_code
        == 204
    )
    assigned = http.get(f"{A}/glossary/terms/{term['guid']}/assignedEntities").json()
    body = [{"guid": guid, "relationshipGuid": assigned[0]["relationshipGuid"]}]
    assert http.put(f"{A}/glossary/terms/{term['guid']}/assignedEntities", json=body).status_code == 204
    assert http.get(f"{A}/glossary/terms/{term['guid']}/assignedEntities").json() == []
    wrong = http.delete(
        f"{A}/glossary/terms/{term['guid']}/assignedEntities",
        json=[{"guid": guid, "relationshipGuid": "nope"}],
    )
    assert (wrong.status_code, wrong.json()["errorCode"]) == (400, "ATLAS-400-00-080")
