"""Classification rules: typedef required, add/update/remove; bulk upserts classify new entities only."""

from __future__ import annotations

from typing import Any

import pytest
from pyapacheatlas.core import AtlasClassification
from pyapacheatlas.core.util import AtlasException

from localdev.purview import EmulatorServer
from purview_emulator.conftest import A, Http, table_with_columns


@pytest.fixture
def classified(atlas_client: Any) -> dict[str, str]:
    atlas_client.upload_typedefs(
        classificationDefs=[
            {"name": "PII", "category": "CLASSIFICATION"},
            {
                "name": "Secret",
                "category": "CLASSIFICATION",
                "attributeDefs": [{"name": "level", "typeName": "int"}],
            },
        ]
    )
    result: dict[str, str] = atlas_client.upload_entities(table_with_columns())["guidAssignments"]
    return result


def test_classify_and_declassify(atlas_client: Any, classified: dict[str, str]) -> None:
    guid = classified["-1"]
    atlas_client.classify_entity(guid, [AtlasClassification("PII")])
    listing = atlas_client.get_entity_classifications(guid)
    assert [c["typeName"] for c in listing["list"]] == ["PII"]
    assert listing["totalCount"] == 1 and listing["list"][0]["entityGuid"] == guid
    with pytest.raises(AtlasException) as info:
        atlas_client.classify_entity(guid, [AtlasClassification("PII")])
    assert "ATLAS-400-00-01B" in str(info.value)
    result = atlas_client.classify_entity(
        guid,
        [AtlasClassification("PII"), AtlasClassification("Secret", attributes={"level": 2})],
        force_update=True,
    )
    assert result["updates"] is not None
    secret = atlas_client.get_entity_classification(guid, "Secret")
    assert secret["attributes"] == {"level": 2}
    atlas_client.declassify_entity(guid, "PII")
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert [c["typeName"] for c in entity["classifications"]] == ["Secret"]


def test_classification_errors(atlas_client: Any, classified: dict[str, str], http: Http) -> None:
    guid = classified["-1"]
    unknown = http.post(f"{A}/entity/guid/{guid}/classifications", json=[{"typeName": "Nope"}])
    assert (unknown.status_code, unknown.json()["errorCode"]) == (404, "ATLAS-404-00-008")
    not_there = http.delete(f"{A}/entity/guid/{guid}/classification/PII")
    assert (not_there.status_code, not_there.json()["errorCode"]) == (400, "ATLAS-400-00-06D")
    no_entity = http.post(
        f"{A}/entity/guid/00000000-0000-0000-0000-000000000000/classifications", json=[{"typeName": "PII"}]
    )
    assert (no_entity.status_code, no_entity.json()["errorCode"]) == (404, "ATLAS-404-00-005")
    upsert = http.post(
        f"{A}/entity/bulk",
        json={
            "entities": [
                {
                    "typeName": "DataSet",
                    "attributes": {"name": "n", "qualifiedName": "n"},
                    "classifications": [{"typeName": "Nope"}],
                }
            ]
        },
    )
    assert (upsert.status_code, upsert.json()["errorCode"]) == (404, "ATLAS-404-00-008")


def test_bulk_classification(atlas_client: Any, classified: dict[str, str]) -> None:
    guids = [classified["-2"], classified["-3"]]
    atlas_client.classify_bulk_entities(guids, AtlasClassification("PII"))
    for guid in guids:
        assert [c["typeName"] for c in atlas_client.get_entity_classifications(guid)["list"]] == ["PII"]


def test_bulk_upsert_classifies_only_new_entities(
    emulator: EmulatorServer, atlas_client: Any, classified: dict[str, str]
) -> None:
    table = table_with_columns()[0]
    table["classifications"] = [{"typeName": "PII"}]
    atlas_client.upload_entities([table])
    assert atlas_client.get_entity_classifications(classified["-1"])["list"] == []  # existing: ignored
    fresh = {**table, "attributes": {"name": "n", "qualifiedName": "mssql://s/db/dbo/new"}}
    guid = atlas_client.upload_entities([fresh])["guidAssignments"]["-1"]
    assert [c["typeName"] for c in atlas_client.get_entity_classifications(guid)["list"]] == ["PII"]
    emulator.backend.options.bulk_classifications_new_only = False
    atlas_client.upload_entities([table])
    assert [c["typeName"] for c in atlas_client.get_entity_classifications(classified["-1"])["list"]] == [
        "PII"
    ]


def test_set_classifications(classified: dict[str, str], http: Http) -> None:
    guid = classified["-1"]
    response = http.post(
        f"{A}/entity/bulk/setClassifications",
        json={
            "guidHeaderMap": {
                guid: {"typeName": "azure_sql_table", "classifications": [{"typeName": "Secret"}]}
            }
        },
    )
    assert response.status_code == 200 and response.json() == [guid]
    listing = http.get(f"{A}/entity/guid/{guid}/classifications").json()
    assert [c["typeName"] for c in listing["list"]] == ["Secret"]


def test_classification_restrictions_and_attributes(
    atlas_client: Any, classified: dict[str, str], http: Http
) -> None:
    atlas_client.upload_typedefs(
        classificationDefs=[
            {
                "name": "TableOnly",
                "category": "CLASSIFICATION",
                "entityTypes": ["azure_sql_table"],
                "attributeDefs": [{"name": "score", "typeName": "int", "isOptional": False}],
            }
        ]
    )
    column = classified["-2"]
    refused = http.post(
        f"{A}/entity/guid/{column}/classifications",
        json=[{"typeName": "TableOnly", "attributes": {"score": 1}}],
    )
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "ATLAS-400-00-055")
    assert "cannot be classified by Classification \u2018TableOnly\u2018" in refused.json()["errorMessage"]
    table = classified["-1"]
    missing = http.post(f"{A}/entity/guid/{table}/classifications", json=[{"typeName": "TableOnly"}])
    assert (missing.status_code, missing.json()["errorCode"]) == (404, "ATLAS-404-00-007")
    bad = http.post(
        f"{A}/entity/guid/{table}/classifications",
        json=[{"typeName": "Secret", "attributes": {"level": "x"}}],
    )
    assert "Secret.level: invalid value for type int" in bad.json()["errorMessage"]
    ok = http.post(
        f"{A}/entity/guid/{table}/classifications",
        json=[{"typeName": "TableOnly", "attributes": {"score": "7"}}],
    )
    assert ok.status_code == 204
    assert atlas_client.get_entity_classification(table, "TableOnly")["attributes"] == {"score": 7}
