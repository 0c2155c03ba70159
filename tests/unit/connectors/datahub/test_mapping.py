"""One test per aspect mapping, on real DataHub entities from the generated example files."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.base import Deletion, Rejected
from connectors.datahub.common import MappingContext, field_column_name, parse_dataset_urn
from connectors.datahub.datasets import map_dataset, map_lineage
from connectors.datahub.glossary import map_glossary_entity, map_tag
from connectors.datahub.transform import transform_entities
from pivot import ColumnLineage, Contact, ItemRef, PivotAssetItem, QualifiedNameRef

DBT_CUSTOMERS = "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD)"
DUCKDB_CUSTOMERS = "urn:li:dataset:(urn:li:dataPlatform:duckdb,shop.main_marts.customers,PROD)"
MOCK_CHILD = "urn:li:dataset:(urn:li:dataPlatform:fake,hops_3_f_3_h1_t0,PROD)"
MOCK_ROOT = "urn:li:dataset:(urn:li:dataPlatform:fake,hops_3_f_3_h0_t0,PROD)"
Entities = dict[str, dict[str, Any]]


def _dataset(entity: dict[str, Any], ctx: MappingContext) -> PivotAssetItem:
    parsed = parse_dataset_urn(entity["urn"])
    assert parsed is not None
    return map_dataset(entity, parsed, ctx)


def _lineage(entity: dict[str, Any], ctx: MappingContext) -> PivotAssetItem | None:
    parsed = parse_dataset_urn(entity["urn"])
    assert parsed is not None
    return map_lineage(entity, parsed, ctx)


def test_dataset_identity_type_and_qualified_name(example_entities: Entities, ctx: MappingContext) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert item.external_id == DBT_CUSTOMERS
    assert item.type_name == "federation_dataset"
    assert item.qualified_name == "datahub://dbt/PROD/shop.main_marts.customers"
    assert item.attributes == {"platform": "dbt"}
    assert item.name == "customers"


def test_type_mapping_overrides_the_generic_type(example_entities: Entities, ctx: MappingContext) -> None:
    ctx.type_mapping = {"dbt": "dbt_model"}
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert item.type_name == "dbt_model" and item.attributes == {}


def test_dataset_properties_description_and_custom_properties(
    example_entities: Entities, ctx: MappingContext
) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert (
        item.description == "One row per customer with order statistics. The customer master for reporting."
    )
    assert item.properties["dbt_unique_id"] == "model.shop.customers"
    assert item.properties["materialization"] == "table"
    assert item.properties["datahub.subtypes"] == "Model"


def test_editable_descriptions_win_as_datahub_shows_them(
    example_entities: Entities, ctx: MappingContext
) -> None:
    entity = copy.deepcopy(example_entities[DBT_CUSTOMERS])
    entity["aspects"]["editableDatasetProperties"] = {"description": "Edited in the DataHub UI."}
    entity["aspects"]["editableSchemaMetadata"] = {
        "editableSchemaFieldInfo": [
            {
                "fieldPath": "order_count",
                "description": "Orders ever placed (UI).",
                "globalTags": {"tags": [{"tag": "urn:li:tag:kpi"}]},
                "glossaryTerms": {"terms": [{"urn": "urn:li:glossaryTerm:Commerce.Order"}]},
            }
        ]
    }
    item = _dataset(entity, ctx)
    assert item.description == "Edited in the DataHub UI."
    column = {c.name: c for c in item.columns}["order_count"]
    assert column.description == "Orders ever placed (UI)."
    assert column.classification_items == ("DATAHUB.kpi",)
    assert column.glossary_items == (ItemRef(external_id="urn:li:glossaryTerm:Commerce.Order"),)
    # fields without an edit keep the ingested description
    assert {c.name: c for c in item.columns}["customer_id"].description == "Customer key."


def test_schema_fields_become_columns_with_native_types(
    example_entities: Entities, ctx: MappingContext
) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert [(c.name, c.data_type) for c in item.columns] == [
        ("customer_id", "INTEGER"),
        ("first_name", "VARCHAR"),
        ("last_name", "VARCHAR"),
        ("email", "VARCHAR"),
        ("order_count", "BIGINT"),
        ("first_order_date", "DATE"),
    ]


def test_nested_field_paths_are_flattened_with_their_parent(ctx: MappingContext) -> None:
    assert field_column_name("[version=2.0].[type=struct].address.[type=string].city") == "address.city"
    assert field_column_name("address.city") == "address.city"
    entity = {
        "urn": "urn:li:dataset:(urn:li:dataPlatform:kafka,orders,PROD)",
        "entity_type": "dataset",
        "aspects": {
            "schemaMetadata": {
                "fields": [
                    {"fieldPath": "[version=2.0].[type=struct].address", "nativeDataType": "record"},
                    {
                        "fieldPath": "[version=2.0].[type=struct].address.[type=string].city",
                        "nativeDataType": "string",
                    },
                ]
            }
        },
    }
    assert [(c.name, c.data_type) for c in _dataset(entity, ctx).columns] == [
        ("address", "record"),
        ("address.city", "string"),
    ]


def test_ownership_becomes_contacts(example_entities: Entities, ctx: MappingContext) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert item.owners == (Contact(id="ana.silva@example.com", role="owner"),)
    entity = copy.deepcopy(example_entities[DBT_CUSTOMERS])
    entity["aspects"]["ownership"]["owners"] += [
        {"owner": "urn:li:corpuser:carl", "type": "DATA_STEWARD"},
        {"owner": "urn:li:corpGroup:analysts", "type": "TECHNICAL_OWNER"},
    ]
    owners = set(_dataset(entity, ctx).owners)
    assert Contact(id="carl@example.com", role="expert") in owners and len(owners) == 2
    assert ctx.ignored["group owner"] == 1  # type: ignore[attr-defined]


def test_owner_without_a_known_email_is_counted(example_entities: Entities) -> None:
    ignored: list[str] = []
    ctx = MappingContext(catalog="demo-datahub", ignore=ignored.append)
    term = map_glossary_entity(example_entities["urn:li:glossaryTerm:Commerce.Order"], ctx)
    assert term.owners == () and ignored == ["owner without a known email"]


def test_tags_become_classifications_on_assets_and_columns(
    example_entities: Entities, ctx: MappingContext
) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert item.classification_items == ("DATAHUB.dbt_tier_gold",)
    assert {c.name: c for c in item.columns}["email"].classification_items == ("DATAHUB.dbt_pii",)
    tag = map_tag(example_entities["urn:li:tag:dbt:pii"], ctx)
    assert (tag.kind, tag.name, tag.classification_name) == ("classification", "dbt:pii", "DATAHUB.dbt_pii")


def test_term_assignments_on_datasets_and_fields(example_entities: Entities, ctx: MappingContext) -> None:
    item = _dataset(example_entities[DBT_CUSTOMERS], ctx)
    assert item.glossary_items == (ItemRef(external_id="urn:li:glossaryTerm:Commerce.Customer"),)
    email = {c.name: c for c in item.columns}["email"]
    assert email.glossary_items == (ItemRef(external_id="urn:li:glossaryTerm:Privacy.EmailAddress"),)


def test_glossary_nodes_become_parent_terms(example_entities: Entities, ctx: MappingContext) -> None:
    revenue = map_glossary_entity(example_entities["urn:li:glossaryTerm:Commerce.Finance.Revenue"], ctx)
    assert revenue.name == "Revenue" and revenue.description == "Income from sales, net of returns."
    assert revenue.parent == ItemRef(external_id="urn:li:glossaryNode:Commerce.Finance")
    assert revenue.related == (ItemRef(external_id="urn:li:glossaryTerm:Commerce.Order"),)
    assert revenue.owners == (Contact(id="ben.okafor@example.com", role="expert"),)
    finance = map_glossary_entity(example_entities["urn:li:glossaryNode:Commerce.Finance"], ctx)
    assert finance.kind == "glossary_term" and finance.parent == ItemRef(
        external_id="urn:li:glossaryNode:Commerce"
    )
    root = map_glossary_entity(example_entities["urn:li:glossaryNode:Commerce"], ctx)
    assert root.parent is None


def test_upstream_lineage_becomes_a_process(example_entities: Entities, ctx: MappingContext) -> None:
    process = _lineage(example_entities[MOCK_CHILD], ctx)
    assert process is not None
    assert process.external_id == f"lineage:{MOCK_CHILD}"
    assert process.type_name == "federation_process"
    assert process.qualified_name == "datahub-lineage://fake/PROD/hops_3_f_3_h1_t0"
    assert process.inputs == (
        QualifiedNameRef(
            type_name="federation_dataset", qualified_name="datahub://fake/PROD/hops_3_f_3_h0_t0"
        ),
    )
    assert process.outputs == (
        QualifiedNameRef(
            type_name="federation_dataset", qualified_name="datahub://fake/PROD/hops_3_f_3_h1_t0"
        ),
    )
    assert _lineage(example_entities[MOCK_ROOT], ctx) is None


def test_fine_grained_lineage_becomes_column_lineage(example_entities: Entities, ctx: MappingContext) -> None:
    process = _lineage(example_entities[DUCKDB_CUSTOMERS], ctx)
    assert process is not None
    dbt = QualifiedNameRef(
        type_name="federation_dataset", qualified_name="datahub://dbt/PROD/shop.main_marts.customers"
    )
    duck = QualifiedNameRef(
        type_name="federation_dataset", qualified_name="datahub://duckdb/PROD/shop.main_marts.customers"
    )
    assert process.inputs == (dbt,) and process.outputs == (duck,)
    assert (
        ColumnLineage(source=dbt, source_columns=("email",), target=duck, target_column="email")
        in process.column_lineage
    )
    assert len(process.column_lineage) == 6


def test_containers_and_domains_route_to_collections(example_entities: Entities, ctx: MappingContext) -> None:
    entity = copy.deepcopy(example_entities[DBT_CUSTOMERS])
    entity["aspects"]["container"] = {"container": "urn:li:container:shop"}
    entity["aspects"]["domains"] = {"domains": ["urn:li:domain:sales"]}
    ctx.collections = {"urn:li:container:shop": "shop-collection"}
    assert _dataset(entity, ctx).target_collection == "shop-collection"
    ctx.collections = {"urn:li:container:shop": "shop-collection", "urn:li:domain:sales": "sales"}
    assert _dataset(entity, ctx).target_collection == "sales"
    ctx.collections = {}
    assert _dataset(entity, ctx).target_collection is None


def test_unmapped_aspects_and_entities_are_counted(example_entities: Entities, ctx: MappingContext) -> None:
    _dataset(example_entities[MOCK_ROOT], ctx)
    assert ctx.ignored == {  # type: ignore[attr-defined]
        "aspect dataset.datasetProfile": 1,
        "aspect dataset.datasetUsageStatistics": 1,
    }
    assertion = next(e for u, e in example_entities.items() if u.startswith("urn:li:assertion:"))
    assert list(transform_entities([assertion], ctx)) == []
    assert ctx.ignored["entity assertion"] == 1  # type: ignore[attr-defined]


def test_removed_entities_become_deletions(example_entities: Entities, ctx: MappingContext) -> None:
    entity = copy.deepcopy(example_entities[MOCK_CHILD])
    entity["removed"] = True
    assert list(transform_entities([entity], ctx)) == [
        Deletion(kind="asset", external_id=MOCK_CHILD),
        Deletion(kind="asset", external_id=f"lineage:{MOCK_CHILD}"),
    ]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"error": "invalid JSON: x", "where": "a.json:3 (record 2)"}, "invalid JSON"),
        (
            {"urn": "urn:li:dataset:nope", "entity_type": "dataset", "where": "a.json:9", "aspects": {}},
            "invalid dataset urn",
        ),
        (
            {
                "urn": "urn:li:glossaryTerm:x",
                "entity_type": "glossaryTerm",
                "where": "a.json:9",
                "aspects": {"glossaryTermInfo": {"name": "x", "parentNode": "urn:li:glossaryTerm:x"}},
            },
            "parent",
        ),
    ],
)
def test_bad_entities_are_rejected_with_where(
    record: dict[str, Any], reason: str, ctx: MappingContext
) -> None:
    (result,) = transform_entities([record], ctx)
    assert isinstance(result, Rejected) and reason in result.reason and result.where.startswith("a.json:")


def test_data_jobs_become_processes(ctx: MappingContext) -> None:
    """An Airflow task as DataHub's Airflow plugin emits it: dataJobInfo + dataJobInputOutput."""
    urn = "urn:li:dataJob:(urn:li:dataFlow:(airflow,shop_daily,prod),load_orders)"
    job: dict[str, Any] = {
        "urn": urn,
        "entity_type": "dataJob",
        "where": "jobs.json:1 (record 1)",
        "aspects": {
            "dataJobInfo": {
                "name": "load_orders",
                "type": {"string": "COMMAND"},
                "customProperties": {"operator": "PythonOperator"},
                "externalUrl": "https://airflow.example.com/dags/shop_daily/grid?task_id=load_orders",
            },
            "dataJobInputOutput": {
                "inputDatasets": [MOCK_ROOT],
                "outputDatasetEdges": [{"destinationUrn": MOCK_CHILD}],
                "fineGrainedLineages": [
                    {
                        "upstreamType": "FIELD_SET",
                        "upstreams": [f"urn:li:schemaField:({MOCK_ROOT},id)"],
                        "downstreamType": "FIELD",
                        "downstreams": [f"urn:li:schemaField:({MOCK_CHILD},order_id)"],
                    }
                ],
            },
            "dataPlatformInstance": {"platform": "urn:li:dataPlatform:airflow"},
            "browsePathsV2": {"path": []},
        },
    }
    (item,) = transform_entities([job], ctx)
    assert isinstance(item, PivotAssetItem)
    root = QualifiedNameRef(
        type_name="federation_dataset", qualified_name="datahub://fake/PROD/hops_3_f_3_h0_t0"
    )
    child = QualifiedNameRef(
        type_name="federation_dataset", qualified_name="datahub://fake/PROD/hops_3_f_3_h1_t0"
    )
    assert (item.external_id, item.type_name) == (urn, "federation_process")
    assert item.qualified_name == "datahub-job://airflow/prod/shop_daily/load_orders"
    assert item.attributes == {"platform": "airflow"}
    assert (item.inputs, item.outputs) == ((root,), (child,))
    assert item.column_lineage == (
        ColumnLineage(source=root, source_columns=("id",), target=child, target_column="order_id"),
    )
    assert item.properties["operator"] == "PythonOperator" and item.source_url is not None
    assert ctx.ignored == {"aspect dataJob.browsePathsV2": 1}  # type: ignore[attr-defined]
    job["removed"] = True
    assert list(transform_entities([job], ctx)) == [Deletion(kind="asset", external_id=urn)]
