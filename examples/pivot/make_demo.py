"""Write examples/pivot/demo.jsonl: a small, realistic pivot catalog.

Run: python examples/pivot/make_demo.py

A sales domain with a three-level glossary, two classifications, six tables with columns (terms and
classifications on columns) and two lineage processes. Every line is validated by the pivot model first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pivot import dump_jsonl, parse_item

CATALOG = "demo-pivot"
SERVER = "mssql://sales-sql.database.windows.net/salesdb"


def term(
    external_id: str, name: str, description: str, parent: str | None = None, **extra: Any
) -> dict[str, Any]:
    item = {
        "kind": "glossary_term",
        "catalog": CATALOG,
        "external_id": external_id,
        "name": name,
        "description": description,
        "status": "Approved",
        "owners": [{"id": "finance-stewards@contoso.com", "role": "steward"}],
        **extra,
    }
    if parent:
        item["parent"] = parent
    return item


def classification(external_id: str, name: str, description: str) -> dict[str, Any]:
    return {
        "kind": "classification",
        "catalog": CATALOG,
        "external_id": external_id,
        "name": name,
        "classification_name": name,
        "description": description,
    }


def table(
    schema: str,
    name: str,
    description: str,
    columns: list[tuple[str, str, str, list[str], list[str]]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "kind": "asset",
        "catalog": CATALOG,
        "external_id": f"{schema}.{name}",
        "name": name,
        "description": description,
        "type_name": "azure_sql_table",
        "qualified_name": f"{SERVER}/{schema}/{name}",
        "owners": [{"id": "sales-data@contoso.com", "role": "owner"}],
        "properties": {"layer": "gold" if schema == "mart" else "raw"},
        "columns": [
            {"name": c, "data_type": t, "description": d, "glossary_items": g, "classification_items": k}
            for c, t, d, g, k in columns
        ],
        **extra,
    }


def process(name: str, inputs: list[str], outputs: list[str], description: str) -> dict[str, Any]:
    return {
        "kind": "asset",
        "catalog": CATALOG,
        "external_id": f"process.{name}",
        "name": name,
        "description": description,
        "type_name": "Process",
        "qualified_name": f"{SERVER}/processes/{name}",
        "inputs": inputs,
        "outputs": outputs,
    }


ITEMS: list[dict[str, Any]] = [
    classification("pii", "CONTOSO.PII", "Personally identifiable information."),
    classification("confidential", "CONTOSO.CONFIDENTIAL", "Commercially sensitive figures."),
    term("finance", "Finance", "Money coming in and going out."),
    term("revenue", "Revenue", "Income from sales before costs.", parent="finance", abbreviation="REV"),
    term(
        "net-revenue",
        "Net Revenue",
        "Revenue after returns and discounts.",
        parent="revenue",
        related=["revenue"],
    ),
    term("customer", "Customer", "A person or company that buys from us."),
    term("order", "Order", "A confirmed request to buy products.", related=["customer"]),
    table(
        "raw",
        "customers",
        "Customers as exported from the CRM.",
        [
            ("customer_id", "int", "CRM customer key", ["customer"], []),
            ("email", "nvarchar(320)", "Primary e-mail address", [], ["CONTOSO.PII"]),
            ("country", "char(2)", "ISO country code", [], []),
        ],
    ),
    table(
        "raw",
        "orders",
        "Orders as received from the web shop.",
        [
            ("order_id", "bigint", "Shop order key", ["order"], []),
            ("customer_id", "int", "Who ordered", ["customer"], []),
            ("amount", "decimal(18,2)", "Order total incl. tax", ["revenue"], ["CONTOSO.CONFIDENTIAL"]),
            ("ordered_at", "datetime2", "When the order was placed", [], []),
        ],
    ),
    table(
        "raw",
        "returns",
        "Returned orders.",
        [
            ("order_id", "bigint", "Returned order", ["order"], []),
            ("refund", "decimal(18,2)", "Refunded amount", [], ["CONTOSO.CONFIDENTIAL"]),
        ],
    ),
    table(
        "mart",
        "fct_orders",
        "One row per order, net of returns.",
        [
            ("order_id", "bigint", "Order key", ["order"], []),
            ("customer_id", "int", "Customer key", ["customer"], []),
            (
                "net_amount",
                "decimal(18,2)",
                "Amount after returns",
                ["net-revenue"],
                ["CONTOSO.CONFIDENTIAL"],
            ),
        ],
        glossary_items=["order"],
    ),
    table(
        "mart",
        "dim_customers",
        "Customer dimension.",
        [
            ("customer_id", "int", "Customer key", ["customer"], []),
            ("email", "nvarchar(320)", "E-mail", [], ["CONTOSO.PII"]),
            ("country", "char(2)", "Country", [], []),
        ],
        glossary_items=["customer"],
        classification_items=["CONTOSO.PII"],
    ),
    table(
        "mart",
        "revenue_by_country",
        "Monthly net revenue per country.",
        [
            ("country", "char(2)", "Country", [], []),
            ("month", "date", "First day of the month", [], []),
            ("net_revenue", "decimal(18,2)", "Sum of net amounts", ["net-revenue"], ["CONTOSO.CONFIDENTIAL"]),
        ],
        glossary_items=["net-revenue"],
    ),
    process(
        "build_fct_orders", ["raw.orders", "raw.returns"], ["mart.fct_orders"], "Joins orders with returns."
    ),
    process(
        "build_revenue_by_country",
        ["mart.fct_orders", "mart.dim_customers"],
        ["mart.revenue_by_country"],
        "Aggregates net revenue per country and month.",
    ),
]


def main() -> None:
    target = Path(__file__).with_name("demo.jsonl")
    items = [parse_item(item) for item in ITEMS]
    target.write_text("".join(dump_jsonl(items)), encoding="utf-8")
    print(f"wrote {len(items)} items to {target}")


if __name__ == "__main__":
    main()
