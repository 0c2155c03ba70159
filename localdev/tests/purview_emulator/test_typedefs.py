"""Typedef create/update/delete and the seeded types, through pyapacheatlas and raw HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from pyapacheatlas.core import EntityTypeDef
from pyapacheatlas.core.typedef import (
    AtlasAttributeDef,
    AtlasRelationshipEndDef,
    Cardinality,
    RelationshipTypeDef,
)
from pyapacheatlas.core.util import AtlasException

from purview_emulator.conftest import A, D, Http


def _custom_types() -> tuple[EntityTypeDef, EntityTypeDef, RelationshipTypeDef]:
    table = EntityTypeDef(
        name="pf_table",
        superTypes=["DataSet"],
        attributeDefs=[AtlasAttributeDef(name="rows", typeName="long")],
        options={"schemaElementsAttribute": "columns"},
    )
    column = EntityTypeDef(
        name="pf_column",
        superTypes=["DataSet"],
        attributeDefs=[AtlasAttributeDef(name="dataType", isOptional=False)],
    )
    rel = RelationshipTypeDef(
        name="pf_table_columns",
        relationshipCategory="COMPOSITION",
        endDef1=AtlasRelationshipEndDef(
            name="columns", typeName="pf_table", cardinality=Cardinality.SET, isContainer=True
        ),
        endDef2=AtlasRelationshipEndDef(name="table", typeName="pf_column", cardinality=Cardinality.SINGLE),
    )
    return table, column, rel


def test_seeded_types_are_there(atlas_client: Any, http: Http) -> None:
    table = atlas_client.get_typedef(name="azure_sql_table")
    assert table["superTypes"] == ["DataSet"]
    assert table["options"]["schemaElementsAttribute"] == "columns"
    rel_attrs = {a["name"]: a["relationshipTypeName"] for a in table["relationshipAttributeDefs"]}
    assert rel_attrs["columns"] == "azure_sql_table_columns"
    assert rel_attrs["meanings"] == "AtlasGlossarySemanticAssignment"
    headers = {h["name"]: h["category"] for h in http.get(f"{D}/types/typedefs/headers").json()}
    for name in (
        "Referenceable",
        "Asset",
        "DataSet",
        "Process",
        "column",
        "tabular_schema",
        "AtlasGlossary",
        "AtlasGlossaryTerm",
        "hive_table",
        "aws_s3_v2_object",
        "azure_blob_path",
        "azure_datalake_gen2_path",
        "snowflake_table",
        "powerbi_dataset",
        "mssql_column",
    ):
        assert headers[name] == "ENTITY", name
    assert headers["AtlasGlossarySemanticAssignment"] == "RELATIONSHIP"
    unknown = http.get(f"{A}/types/entitydef/name/nope")
    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "ATLAS-404-00-001")


def test_upload_custom_types_then_entities(atlas_client: Any) -> None:
    table, column, rel = _custom_types()
    created = atlas_client.upload_typedefs(entityDefs=[table, column], relationshipDefs=[rel])
    assert sorted(d["name"] for d in created["entityDefs"]) == ["pf_column", "pf_table"]
    assert created["relationshipDefs"][0]["guid"]
    result = atlas_client.upload_entities(
        [
            {
                "typeName": "pf_table",
                "guid": "-1",
                "attributes": {"name": "t", "qualifiedName": "pf://t", "rows": 3},
            },
            {
                "typeName": "pf_column",
                "guid": "-2",
                "attributes": {"name": "c", "qualifiedName": "pf://t#c", "dataType": "int"},
                "relationshipAttributes": {"table": {"guid": "-1"}},
            },
        ]
    )
    entity = atlas_client.get_entity(guid=result["guidAssignments"]["-1"])["entities"][0]
    assert entity["attributes"]["rows"] == 3
    assert [c["displayText"] for c in entity["relationshipAttributes"]["columns"]] == ["c"]


def test_existing_type_is_409_and_force_update_updates(atlas_client: Any) -> None:
    table, column, rel = _custom_types()
    atlas_client.upload_typedefs(entityDefs=[table, column], relationshipDefs=[rel])
    with pytest.raises(AtlasException) as info:
        atlas_client.upload_typedefs(entityDefs=[table])
    assert "ATLAS-409-00-001" in str(info.value)
    table.attributeDefs.append(AtlasAttributeDef(name="owner_team").to_json())
    new_type = EntityTypeDef(name="pf_view", superTypes=["DataSet"])
    result = atlas_client.upload_typedefs(entityDefs=[table, new_type], force_update=True)
    assert sorted(d["name"] for d in result["entityDefs"]) == ["pf_table", "pf_view"]
    stored = atlas_client.get_typedef(name="pf_table")
    assert stored["version"] == 2
    assert "owner_team" in {a["name"] for a in stored["attributeDefs"]}


def test_update_rules(http: Http) -> None:
    http.post(f"{A}/types/typedefs", json={"entityDefs": [{"name": "pf_x", "superTypes": ["DataSet"]}]})
    mandatory = http.put(
        f"{A}/types/typedefs",
        json={
            "entityDefs": [
                {
                    "name": "pf_x",
                    "superTypes": ["DataSet"],
                    "attributeDefs": [{"name": "m", "typeName": "string", "isOptional": False}],
                }
            ]
        },
    )
    assert (mandatory.status_code, mandatory.json()["errorCode"]) == (400, "ATLAS-400-00-00C")
    missing = http.put(f"{A}/types/typedefs", json={"entityDefs": [{"name": "pf_none"}]})
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "ATLAS-404-00-001")
    bad_super = http.post(
        f"{A}/types/typedefs", json={"entityDefs": [{"name": "pf_y", "superTypes": ["nope"]}]}
    )
    assert (bad_super.status_code, bad_super.json()["errorCode"]) == (404, "ATLAS-404-00-001")


def test_delete_typedefs(atlas_client: Any, http: Http) -> None:
    atlas_client.upload_typedefs(classificationDefs=[{"name": "pf_pii", "category": "CLASSIFICATION"}])
    http.post(f"{A}/types/typedefs", json={"entityDefs": [{"name": "pf_z", "superTypes": ["DataSet"]}]})
    http.post(
        f"{A}/entity",
        json={"entity": {"typeName": "pf_z", "attributes": {"name": "z", "qualifiedName": "z"}}},
    )
    in_use = http.delete(f"{A}/types/typedef/name/pf_z")
    assert (in_use.status_code, in_use.json()["errorCode"]) == (409, "ATLAS-409-00-002")
    assert (
        http.delete(f"{A}/types/typedefs", json={"classificationDefs": [{"name": "pf_pii"}]}).status_code
        == 204
    )
    assert http.get(f"{A}/types/classificationdef/name/pf_pii").status_code == 404
    listing = http.get(f"{A}/types/typedefs", params={"type": "classification"}).json()
    assert listing["entityDefs"] == [] and listing["classificationDefs"] == []
