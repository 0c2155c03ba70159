"""A realistic, deterministic pivot set for the gateway's integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pivot import PivotAssetItem, PivotClassificationItem, PivotGlossaryItem

CATALOG = "shop"
GLOSSARIES = ("Finance", "Sales", "Operations")
COLLECTIONS = ("Sales Data", "Finance Data")


@dataclass
class Dataset:
    classifications: list[PivotClassificationItem]
    terms: list[PivotGlossaryItem]
    tables: list[PivotAssetItem]
    processes: list[PivotAssetItem]


def classifications(count: int = 20) -> list[PivotClassificationItem]:
    return [
        PivotClassificationItem(
            catalog=CATALOG,
            external_id=f"cls{i}",
            name=f"Class {i}",
            classification_name=f"SHOP.CLASS_{i}",
            description=f"Classification number {i}",
        )
        for i in range(count)
    ]


def terms() -> list[PivotGlossaryItem]:
    """Three glossaries, three levels deep: 2 roots x 3 children x 2 grandchildren each (20 per glossary)."""
    out: list[PivotGlossaryItem] = []
    for g in GLOSSARIES:
        for r in range(2):
            root = f"{g}.r{r}"
            out.append(
                PivotGlossaryItem(
                    catalog=CATALOG,
                    external_id=root,
                    name=f"{g} Root {r}",
                    glossary=g,
                    status="Approved",
                    description=f"root {r} of {g}",
                )
            )
            for c in range(3):
                child = f"{root}.c{c}"
                out.append(
                    PivotGlossaryItem(
                        catalog=CATALOG,
                        external_id=child,
                        name=f"Child {c}",
                        glossary=g,
                        parent=root,
                        abbreviation=f"C{c}",
                    )
                )
                for k in range(2):
                    out.append(
                        PivotGlossaryItem(
                            catalog=CATALOG,
                            external_id=f"{child}.g{k}",
                            name=f"Leaf {k}",
                            glossary=g,
                            parent=child,
                            synonyms=[f"{child}.g{1 - k}"],
                            resources=[{"display_name": "Wiki", "url": f"https://wiki/{child}/{k}"}],
                        )
                    )
    return out


def leaf_terms() -> list[str]:
    return [t.external_id for t in terms() if t.external_id.count(".") == 3]


def table(i: int, columns: int = 20, **overrides: Any) -> PivotAssetItem:
    leaves = leaf_terms()
    data: dict[str, Any] = {
        "catalog": CATALOG,
        "external_id": f"table{i}",
        "name": f"orders_{i}",
        "description": f"Orders table {i}",
        "type_name": "azure_sql_table",
        "qualified_name": f"mssql://srv.database.windows.net/shop/dbo/orders_{i}",
        "target_collection": COLLECTIONS[i % 2],
        "owners": [{"id": "ana@contoso.com", "role": "owner"}],
        "properties": {"layer": "gold" if i % 3 else "silver"},
        "glossary_items": [leaves[i % len(leaves)]],
        "classification_items": [f"SHOP.CLASS_{i % 20}"],
        "columns": [
            {
                "name": f"col_{j}",
                "data_type": "int" if j % 2 else "varchar(100)",
                "description": f"column {j} of table {i}",
                "glossary_items": [leaves[(i + j) % len(leaves)]] if j % 5 == 0 else [],
                "classification_items": [f"SHOP.CLASS_{(i + j) % 20}"] if j % 4 == 0 else [],
            }
            for j in range(columns)
        ],
    }
    data.update(overrides)
    return PivotAssetItem.model_validate(data)


def process(i: int, tables: int) -> PivotAssetItem:
    a, b, out = f"table{(2 * i) % tables}", f"table{(2 * i + 1) % tables}", f"table{(2 * i + 7) % tables}"
    return PivotAssetItem(
        catalog=CATALOG,
        external_id=f"job{i}",
        name=f"build_{i}",
        type_name="federation_process",
        qualified_name=f"shop://jobs/build_{i}",
        target_collection=COLLECTIONS[0],
        inputs=[a, b],
        outputs=[out],
        column_lineage=[
            {"source": a, "source_columns": ["col_1", "col_2"], "target": out, "target_column": "col_1"},
            {"source": b, "source_columns": ["col_3"], "target": out, "target_column": "col_3"},
        ],
    )


def dataset(tables: int = 500, columns: int = 20, processes: int = 50) -> Dataset:
    return Dataset(
        classifications(),
        terms(),
        [table(i, columns) for i in range(tables)],
        [process(i, tables) for i in range(processes)],
    )
