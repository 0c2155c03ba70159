"""A realistic pivot catalog for end-to-end tests: a 3-level glossary, classifications, tables with columns
(terms and classifications on some), and lineage processes between the tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CLASSIFICATIONS = ["E2E.PII", "E2E.CONFIDENTIAL", "E2E.PUBLIC", "E2E.FINANCE", "E2E.HR"]


def terms(catalog: str) -> list[dict[str, Any]]:
    """3 root terms, 2 children each, 2 grandchildren each: 21 terms, 3 levels."""
    items: list[dict[str, Any]] = []
    for r in range(3):
        root = f"t{r}"
        items.append(_term(catalog, root, f"Root {r}"))
        for c in range(2):
            child = f"{root}.{c}"
            items.append(_term(catalog, child, f"Child {r}.{c}", parent=root))
            for g in range(2):
                items.append(_term(catalog, f"{child}.{g}", f"Leaf {r}.{c}.{g}", parent=child))
    return items


def _term(catalog: str, external_id: str, name: str, parent: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": "glossary_term",
        "catalog": catalog,
        "external_id": external_id,
        "name": name,
        "description": f"About {name}.",
    }
    if parent:
        item["parent"] = parent
    return item


def table(catalog: str, n: int, *, columns: int = 5, description: str | None = None) -> dict[str, Any]:
    cols = [
        {
            "name": f"c{j}",
            "data_type": "int" if j % 2 else "nvarchar(100)",
            "description": f"column {j} of table {n}",
            "glossary_items": [f"t{n % 3}.{j % 2}.0"] if j == 0 else [],
            "classification_items": [CLASSIFICATIONS[n % len(CLASSIFICATIONS)]] if j == 1 else [],
        }
        for j in range(columns)
    ]
    return {
        "kind": "asset",
        "catalog": catalog,
        "external_id": f"tbl{n}",
        "name": f"table_{n}",
        "description": description or f"Table number {n}.",
        "type_name": "azure_sql_table",
        "qualified_name": f"mssql://e2e.database.windows.net/db/dbo/table_{n}",
        "columns": cols,
        "glossary_items": [f"t{n % 3}"],
    }


def process(catalog: str, n: int) -> dict[str, Any]:
    return {
        "kind": "asset",
        "catalog": catalog,
        "external_id": f"proc{n}",
        "name": f"load_{n}",
        "type_name": "Process",
        "qualified_name": f"e2e://processes/load_{n}",
        "inputs": [f"tbl{n}"],
        "outputs": [f"tbl{n + 1}"],
    }


def catalog_items(
    catalog: str, assets: int, *, columns: int = 5, processes: int | None = None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {
            "kind": "classification",
            "catalog": catalog,
            "external_id": name.lower(),
            "name": name,
            "classification_name": name,
        }
        for name in CLASSIFICATIONS
    ]
    items += terms(catalog)
    items += [table(catalog, n, columns=columns) for n in range(assets)]
    items += [process(catalog, n) for n in range(processes if processes is not None else assets // 20)]
    return items


def write(directory: Path, items: list[dict[str, Any]], *, files: int = 2) -> None:
    """Write items as pivot JSON lines, spread over ``files`` files (replacing what was there)."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.jsonl"):
        old.unlink()
    size = -(-len(items) // files)
    for f in range(files):
        part = items[f * size : (f + 1) * size]
        (directory / f"part{f}.jsonl").write_text("".join(json.dumps(i) + "\n" for i in part))
