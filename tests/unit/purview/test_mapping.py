from __future__ import annotations

import json
from typing import Any

import pytest

from pivot import ItemRef, PivotAssetItem, PivotClassificationItem, PivotGlossaryItem, QualifiedNameRef
from pivot.refs import Ref
from purview.errors import ItemError
from purview.mapping import (
    DEFAULT_COLUMN_SCHEMAS,
    EntityRef,
    assignment_key,
    column_qualified_name,
    map_asset,
    map_classification,
    map_term,
    split_assignment_key,
)
from purview.typedefs import GENERIC_COLUMN, GENERIC_DATASET
from tests.unit.pivot.builders import asset_json, full_asset_json, term_json

KNOWN = {
    "schema.dbo": EntityRef("azure_sql_schema", "mssql://srv/db/dbo"),
    "raw": EntityRef("azure_sql_table", "mssql://srv/db/dbo/raw"),
    "out": EntityRef("azure_sql_table", "mssql://srv/db/dbo/out"),
    "in1": EntityRef("azure_sql_table", "mssql://srv/db/dbo/in1"),
    "out1": EntityRef("azure_sql_table", "mssql://srv/db/dbo/out1"),
    "r1": EntityRef("azure_sql_table", "mssql://srv/db/dbo/r1"),
    "r2": EntityRef("azure_sql_table", "mssql://srv/db/dbo/r2"),
}
TERMS = {"t1": "guid-t1", "t2": "guid-t2"}


def resolve_ref(ref: Ref) -> EntityRef:
    if isinstance(ref, QualifiedNameRef):
        return EntityRef(ref.type_name, ref.qualified_name)
    if ref.external_id not in KNOWN:
        raise ItemError(f"unknown {ref.external_id}")
    return KNOWN[ref.external_id]


def resolve_term(ref: Ref) -> str:
    if isinstance(ref, ItemRef):
        return TERMS[ref.external_id]
    return f"guid-of-{ref.qualified_name}"


def asset(**overrides: Any) -> PivotAssetItem:
    return PivotAssetItem.model_validate(asset_json(**overrides))


def mapped(item: PivotAssetItem) -> Any:
    return map_asset(item, resolve_ref=resolve_ref, resolve_term=resolve_term)


def test_core_attributes_and_technical_description_only() -> None:
    result = mapped(asset(description="All orders", attributes={"objectType": "U"}))
    attrs = result.entity["attributes"]
    assert result.entity["typeName"] == "azure_sql_table"
    assert attrs == {
        "qualifiedName": "mssql://srv/db/dbo/orders",
        "name": "orders",
        "description": "All orders",
        "objectType": "U",
    }
    assert "userDescription" not in json.dumps(result.entity)
    assert "guid" not in result.entity


def test_missing_description_is_sent_as_null_to_clear_it() -> None:
    assert mapped(asset()).entity["attributes"]["description"] is None


def test_properties_and_source_url_become_custom_attributes() -> None:
    result = mapped(asset(properties={"layer": "gold"}, source_url="https://dbt/x"))
    assert result.entity["customAttributes"] == {
        "layer": "gold",
        "source_url": "https://dbt/x",
        "federation_catalog": "dbt-shop",  # provenance: people and the sync can tell where it came from
    }
    assert result.entity["labels"] == ["federation_dbt-shop"]
    assert mapped(asset()).entity["customAttributes"] == {"federation_catalog": "dbt-shop"}


def test_owners_become_contacts_grouped_sorted_deduplicated() -> None:
    owners = [
        {"id": "bo@contoso.com", "role": "owner"},
        {"id": "ana@contoso.com", "role": "owner"},
        {"id": "ana@contoso.com", "role": "owner"},
        {"id": "CE4C2D7B-0000-4000-8000-000000000001", "role": "expert"},
    ]
    assert mapped(asset(owners=owners)).entity["contacts"] == {
        "Expert": [{"id": "ce4c2d7b-0000-4000-8000-000000000001"}],
        "Owner": [{"id": "ana@contoso.com"}, {"id": "bo@contoso.com"}],
    }
    assert "contacts" not in mapped(asset()).entity


def test_relationships_by_unique_attributes_single_and_list() -> None:
    result = mapped(asset(relationships={"dbSchema": "schema.dbo", "readers": ["r2", "r1", "r1"]}))
    rels = result.entity["relationshipAttributes"]
    assert rels["dbSchema"] == {
        "typeName": "azure_sql_schema",
        "uniqueAttributes": {"qualifiedName": "mssql://srv/db/dbo"},
    }
    assert [r["uniqueAttributes"]["qualifiedName"] for r in rels["readers"]] == [
        "mssql://srv/db/dbo/r1",
        "mssql://srv/db/dbo/r2",
    ]


def test_unresolvable_reference_fails_the_item() -> None:
    with pytest.raises(ItemError, match="unknown nowhere"):
        mapped(asset(relationships={"dbSchema": "nowhere"}))


def test_columns_are_owned_entities_of_the_column_type() -> None:
    result = mapped(
        asset(columns=[{"name": "id", "data_type": "int", "description": "key"}, {"name": "email"}])
    )
    first, second = result.columns
    assert first == {
        "typeName": "azure_sql_column",
        "attributes": {
            "qualifiedName": "mssql://srv/db/dbo/orders#id",
            "name": "id",
            "description": "key",
            "data_type": "int",
        },
        "relationshipAttributes": {
            "table": {
                "typeName": "azure_sql_table",
                "uniqueAttributes": {"qualifiedName": "mssql://srv/db/dbo/orders"},
            }
        },
    }
    assert second["attributes"]["data_type"] == "unknown"  # mandatory in azure_sql_column
    assert second["attributes"]["description"] is None


def test_column_schema_per_type() -> None:
    hive = mapped(asset(type_name="hive_table", columns=[{"name": "a", "data_type": "string"}]))
    assert hive.columns[0]["typeName"] == "hive_column"
    assert hive.columns[0]["attributes"]["type"] == "string"
    assert "table" in hive.columns[0]["relationshipAttributes"]
    generic = mapped(asset(type_name=GENERIC_DATASET, columns=[{"name": "a"}]))
    assert generic.columns[0]["typeName"] == GENERIC_COLUMN
    assert "dataset" in generic.columns[0]["relationshipAttributes"]
    view = mapped(asset(type_name="azure_sql_view", columns=[{"name": "a"}]))
    assert "view" in view.columns[0]["relationshipAttributes"]


def test_columns_on_a_type_without_column_schema_fail_clearly() -> None:
    with pytest.raises(ItemError, match="no known column type"):
        mapped(asset(type_name="azure_blob_path", columns=[{"name": "a"}]))
    assert mapped(asset(type_name="azure_blob_path")).columns == []


def test_process_inputs_outputs_and_column_mapping() -> None:
    item = asset(
        type_name="Process",
        qualified_name="dbt://build",
        inputs=["raw", "in1"],
        outputs=["out"],
        column_lineage=[
            {"source": "raw", "source_columns": ["b", "a"], "target": "out", "target_column": "x"},
            {"source": "raw", "source_columns": ["c"], "target": "out", "target_column": "y"},
            {"source": "in1", "source_columns": ["k"], "target": "out", "target_column": "x"},
        ],
    )
    result = mapped(item)
    rels = result.entity["relationshipAttributes"]
    assert [r["uniqueAttributes"]["qualifiedName"] for r in rels["inputs"]] == [
        "mssql://srv/db/dbo/in1",
        "mssql://srv/db/dbo/raw",
    ]
    assert [r["uniqueAttributes"]["qualifiedName"] for r in rels["outputs"]] == ["mssql://srv/db/dbo/out"]
    mapping = json.loads(result.entity["attributes"]["columnMapping"])
    assert mapping == [
        {
            "ColumnMapping": [{"Sink": "x", "Source": "k"}],
            "DatasetMapping": {"Sink": "mssql://srv/db/dbo/out", "Source": "mssql://srv/db/dbo/in1"},
        },
        {
            "ColumnMapping": [
                {"Sink": "x", "Source": "a"},
                {"Sink": "x", "Source": "b"},
                {"Sink": "y", "Source": "c"},
            ],
            "DatasetMapping": {"Sink": "mssql://srv/db/dbo/out", "Source": "mssql://srv/db/dbo/raw"},
        },
    ]


def test_process_without_column_lineage_has_no_column_mapping() -> None:
    result = mapped(asset(type_name="Process", inputs=["raw"], outputs=["out"]))
    assert "columnMapping" not in result.entity["attributes"]


def test_terms_and_classifications_per_target_not_in_payload() -> None:
    result = mapped(
        PivotAssetItem.model_validate(
            {**full_asset_json(), "relationships": {}, "inputs": [], "outputs": [], "column_lineage": []}
        )
    )
    assert result.terms == {
        "": frozenset({"guid-t1", "guid-of-Sales@Glossary"}),
        "id": frozenset({"guid-t1", "guid-t2"}),
    }
    assert result.classifications == {
        "": frozenset({"PII", "MICROSOFT.PERSONAL.EMAIL"}),
        "id": frozenset({"A", "B"}),
    }
    text = json.dumps([result.entity, *result.columns])
    assert "meanings" not in text and "classifications" not in text


def test_assignment_keys_round_trip() -> None:
    assert assignment_key("PII") == "PII"
    assert assignment_key("PII", "email") == "PII@email"
    assert split_assignment_key("PII@email") == ("PII", "email")
    assert split_assignment_key("guid-1") == ("guid-1", "")
    assert split_assignment_key("PII@col@weird") == ("PII", "col@weird")
    assert column_qualified_name("q", "c") == "q#c"


def test_term_payload() -> None:
    item = PivotGlossaryItem.model_validate(
        term_json(
            description="Money in",
            abbreviation="REV",
            status="Approved",
            resources=[{"display_name": "Wiki", "url": "https://wiki/rev"}],
            owners=[{"id": "ana@contoso.com", "role": "steward"}, {"id": "bo@contoso.com", "role": "expert"}],
        )
    )
    payload = map_term(
        item, glossary_guid="g", parent_guid="p", synonym_guids=["s2", "s1", "s1"], related_guids=["r"]
    )
    assert payload == {
        "name": "Revenue",
        "anchor": {"glossaryGuid": "g"},
        "longDescription": "Money in",
        "abbreviation": "REV",
        "status": "Approved",
        "parentTerm": {"termGuid": "p"},
        "synonyms": [{"termGuid": "s1"}, {"termGuid": "s2"}],
        "seeAlso": [{"termGuid": "r"}],
        "resources": [{"displayName": "Wiki", "url": "https://wiki/rev"}],
        "contacts": {"Expert": [{"id": "bo@contoso.com"}], "Steward": [{"id": "ana@contoso.com"}]},
    }


def test_term_payload_leaves_status_and_parent_out_when_unset() -> None:
    payload = map_term(
        PivotGlossaryItem.model_validate(term_json()),
        glossary_guid="g",
        parent_guid=None,
        synonym_guids=[],
        related_guids=[],
    )
    assert "status" not in payload and "parentTerm" not in payload and "contacts" not in payload


def test_classification_def() -> None:
    item = PivotClassificationItem(
        catalog="glue",
        external_id="pii",
        name="PII",
        classification_name="CONTOSO.PII",
        applies_to=["DataSet", "azure_sql_column", "DataSet"],
        description="Personal data",
    )
    assert map_classification(item) == {
        "category": "CLASSIFICATION",
        "name": "CONTOSO.PII",
        "description": "Personal data",
        "typeVersion": "1.0",
        "superTypes": [],
        "entityTypes": ["DataSet", "azure_sql_column"],
        "attributeDefs": [],
    }
    bare = PivotClassificationItem(catalog="glue", external_id="x", name="Label", classification_name="X")
    assert map_classification(bare)["description"] == "Label"


def test_default_column_schemas_cover_sql_families() -> None:
    for prefix in ("azure_sql", "mssql", "azure_synapse_dedicated_sql", "snowflake"):
        assert DEFAULT_COLUMN_SCHEMAS[f"{prefix}_table"].column_type == f"{prefix}_column"
