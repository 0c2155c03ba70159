"""The official azure-purview-datamap DataMapClient against the emulator (/datamap/api routes)."""

from __future__ import annotations

from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from localdev.purview import EmulatorServer
from purview_emulator.conftest import table_with_columns


def test_entity_operations(datamap: Any) -> None:
    result = datamap.entity.batch_create_or_update({"entities": table_with_columns()})
    table_guid = result["guidAssignments"]["-1"]
    assert len(result["mutatedEntities"]["CREATE"]) == 3
    got = datamap.entity.get(table_guid)
    assert got["entity"]["attributes"]["qualifiedName"] == "mssql://s/db/dbo/t"
    assert len(got["entity"]["relationshipAttributes"]["columns"]) == 2
    by_name = datamap.entity.get_by_unique_attribute("azure_sql_table", attribute="mssql://s/db/dbo/t")
    assert by_name["entity"]["guid"] == table_guid
    many = datamap.entity.get_by_ids(guid=[table_guid])
    assert [e["guid"] for e in many["entities"]] == [table_guid]
    header = datamap.entity.get_header(table_guid)
    assert header["typeName"] == "azure_sql_table"
    deleted = datamap.entity.delete(table_guid)
    assert {h["status"] for h in deleted["mutatedEntities"]["DELETE"]} == {"DELETED"}
    with pytest.raises(ResourceNotFoundError) as info:
        datamap.entity.get_by_unique_attribute("azure_sql_table", attribute="mssql://s/db/dbo/t")
    assert "ATLAS-404-00-009" in str(info.value)


def test_type_definition_operations(datamap: Any) -> None:
    created = datamap.type_definition.batch_create(
        {"classificationDefs": [{"name": "PII", "category": "CLASSIFICATION"}]}
    )
    assert created["classificationDefs"][0]["name"] == "PII"
    with pytest.raises(HttpResponseError) as info:
        datamap.type_definition.batch_create({"classificationDefs": [{"name": "PII"}]})
    assert info.value.status_code == 409
    table = datamap.type_definition.get_entity_by_name("azure_sql_table")
    assert table["superTypes"] == ["DataSet"]
    headers = datamap.type_definition.get_headers()
    assert any(h["name"] == "PII" for h in headers)
    everything = datamap.type_definition.get()
    assert any(d["name"] == "Process" for d in everything["entityDefs"])


def test_classification_operations(datamap: Any) -> None:
    datamap.type_definition.batch_create(
        {"classificationDefs": [{"name": "PII", "category": "CLASSIFICATION"}]}
    )
    guid = datamap.entity.batch_create_or_update({"entities": table_with_columns()})["guidAssignments"]["-1"]
    datamap.entity.add_classifications(guid, [{"typeName": "PII"}])
    listed = datamap.entity.get_classifications(guid)
    assert [c["typeName"] for c in listed["list"]] == ["PII"]
    datamap.entity.remove_classification(guid, "PII")
    assert datamap.entity.get_classifications(guid)["list"] == []


def test_glossary_operations(datamap: Any) -> None:
    glossary = datamap.glossary.create({"name": "Business"})
    assert glossary["qualifiedName"] == "Business"
    term = datamap.glossary.create_term({"name": "Revenue", "anchor": {"glossaryGuid": glossary["guid"]}})
    assert term["qualifiedName"] == "Revenue@Business"
    guid = datamap.entity.batch_create_or_update({"entities": table_with_columns()})["guidAssignments"]["-1"]
    datamap.glossary.assign_term_to_entities(term["guid"], [{"guid": guid}])
    assigned = datamap.glossary.get_entities_assigned_with_term(term["guid"])
    assert [a["guid"] for a in assigned] == [guid]
    terms = datamap.glossary.get_terms(glossary["guid"])
    assert [t["name"] for t in terms] == ["Revenue"]
    detailed = datamap.glossary.get_detailed(glossary["guid"])
    assert term["guid"] in detailed["termInfo"]


def test_discovery_and_collection_move(emulator: EmulatorServer, datamap: Any) -> None:
    emulator.backend.collections.create_or_update(
        "sales", {"parentCollection": {"referenceName": "emulator"}}, 0
    )
    datamap.entity.batch_create_or_update({"entities": table_with_columns()}, collection_id="sales")
    found = datamap.discovery.query(
        {"keywords": "t", "filter": {"entityType": "azure_sql_table"}, "limit": 10}
    )
    assert found["@search.count"] == 1
    guid = found["value"][0]["id"]
    assert found["value"][0]["collectionId"] == "sales"
    moved = datamap.entity.move_entities_to_collection({"entityGuids": [guid]}, collection_id="emulator")
    assert moved["mutatedEntities"]["UPDATE"][0]["guid"] == guid


def test_retry_policy_honours_throttling(emulator: EmulatorServer, datamap: Any) -> None:
    emulator.set_faults(capacity_units=0.2)  # 5 ops/s: the SDK's retry policy must absorb the 429s
    for _ in range(8):
        datamap.type_definition.get_headers()
    assert emulator.stats()["throttled"] > 0
