"""Minimal valid pivot items as JSON dicts; tests override one field at a time."""

from __future__ import annotations

from typing import Any


def asset_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "asset",
        "catalog": "dbt-shop",
        "external_id": "model.shop.orders",
        "name": "orders",
        "type_name": "azure_sql_table",
        "qualified_name": "mssql://srv/db/dbo/orders",
    }
    data.update(overrides)
    return data


def process_json(**overrides: Any) -> dict[str, Any]:
    data = asset_json(
        external_id="model.shop.orders_build",
        name="build orders",
        type_name="Process",
        qualified_name="dbt://shop/orders_build",
        inputs=["model.shop.raw_orders"],
        outputs=["model.shop.orders"],
    )
    data.update(overrides)
    return data


def term_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "glossary_term",
        "catalog": "datahub",
        "external_id": "urn:li:glossaryTerm:revenue",
        "name": "Revenue",
    }
    data.update(overrides)
    return data


def classification_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "classification",
        "catalog": "glue",
        "external_id": "pii",
        "name": "PII",
        "classification_name": "CONTOSO.PII",
    }
    data.update(overrides)
    return data


def full_asset_json() -> dict[str, Any]:
    """An asset with every field set to a non-default value."""
    return asset_json(
        description="All orders",
        target_collection="sales",
        owners=[{"id": "ana@contoso.com", "role": "owner"}, {"id": "bo@contoso.com", "role": "expert"}],
        properties={"layer": "gold"},
        source_url="https://dbt.contoso.com/orders",
        attributes={"rowCount": 10, "tags": ["a", "b"]},
        columns=[
            {
                "name": "id",
                "data_type": "int",
                "description": "key",
                "classification_items": ["A", "B"],
                "glossary_items": ["t1", "t2"],
            },
            {"name": "email", "data_type": "varchar"},
        ],
        relationships={"dbSchema": "schema.dbo", "readers": ["r1", "r2"]},
        inputs=["in1", {"type_name": "azure_blob_path", "qualified_name": "https://b/x"}],
        outputs=["out1"],
        column_lineage=[
            {"source": "in1", "source_columns": ["a", "b"], "target": "out1", "target_column": "c"}
        ],
        glossary_items=["t1", {"type_name": "AtlasGlossaryTerm", "qualified_name": "Sales@Glossary"}],
        classification_items=["PII", "MICROSOFT.PERSONAL.EMAIL"],
    )
