"""Golden output of the demo catalog: a few items in full, and the fingerprint of every item.

After an intended mapping change (or regenerating examples/datahub), refresh with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/connectors/datahub/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from connectors.base import Deletion, Rejected

from .conftest import connector

GOLDEN = Path(__file__).parent / "golden" / "demo_items.json"
IN_FULL = {
    "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD)",
    "lineage:urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.orders,PROD)",
    "urn:li:glossaryTerm:Commerce.Finance.Revenue",
    "urn:li:glossaryNode:Commerce",
    "urn:li:tag:dbt:pii",
}


def _demo() -> dict[str, Any]:
    conn = connector({"files": ["*.json"], "email_domain": "example.com", "page_size": 10})
    items: list[Any] = []
    cursor: str | None = None
    while True:
        page = conn.extract(cursor)
        items.extend(r for r in conn.transform(page.records) if not isinstance(r, Rejected | Deletion))
        cursor = page.next_cursor
        if cursor is None:
            break
    return {
        "items": sorted(
            (i.model_dump(mode="json", exclude_defaults=True) for i in items if i.external_id in IN_FULL),
            key=lambda i: i["external_id"],
        ),
        "fingerprints": {i.sync_key: i.fingerprint() for i in sorted(items, key=lambda i: i.sync_key)},
        "ignored": dict(sorted(conn.report.ignored.items())),
    }


def test_demo_catalog_matches_golden() -> None:
    actual = _demo()
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(actual, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    assert actual == json.loads(GOLDEN.read_text(encoding="utf-8"))
