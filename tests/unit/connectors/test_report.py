"""A transformed page carries its own counters (``ReportCounts``): plain JSON for durable outputs, and their
sum over a run's pages is the connector's whole report — nothing counted is lost between pages."""

from __future__ import annotations

import json
from pathlib import Path

from config import CatalogConfig
from connectors.base import Connector, ReportCounts
from connectors.registry import build_connector

from .datahub.conftest import EXAMPLES
from .test_files import _asset


def _pages(connector: Connector) -> list[ReportCounts]:
    """Extract and transform page by page, as the sync does; the counters of each page."""
    reports: list[ReportCounts] = []
    cursor: str | None = None
    while True:
        page = connector.extract(cursor)
        reports.append(connector.transform_page(page.records).report)
        cursor = page.next_cursor
        if cursor is None:
            return reports


def test_counts_add_up_key_by_key() -> None:
    a = ReportCounts(records_read=3, items_produced={"asset": 2}, rejected=1, ignored={"x": 1})
    b = ReportCounts(records_read=2, items_produced={"asset": 1, "classification": 1}, ignored={"y": 4})
    assert sum([a, b], ReportCounts()) == ReportCounts(
        records_read=5,
        items_produced={"asset": 3, "classification": 1},
        rejected=1,
        ignored={"x": 1, "y": 4},
    )


def test_counts_travel_as_plain_json() -> None:
    counts = ReportCounts(records_read=4, items_produced={"asset": 3}, rejected=1, ignored={"é x": 2})
    wire = json.loads(json.dumps(counts.model_dump(mode="json")))
    assert wire == {"records_read": 4, "items_produced": {"asset": 3}, "rejected": 1, "ignored": {"é x": 2}}
    assert ReportCounts.model_validate(wire) == counts


def test_pivotfile_page_reports_count_that_page_only(tmp_path: Path) -> None:
    lines = [_asset(1), "{broken", _asset(2), "", '{"kind": "asset"}', _asset(3), _asset(4)]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n")
    catalog = CatalogConfig(
        name="demo", connector="pivotfile", schedule=None, source={"files": ["a.jsonl"], "page_size": 3}
    )
    connector = build_connector(catalog, base_dir=tmp_path)
    reports = _pages(connector)
    assert [(r.records_read, r.items_produced, r.rejected) for r in reports] == [
        (3, {"asset": 2}, 1),  # the blank line is no record
        (3, {"asset": 2}, 1),
    ]
    assert sum(reports, ReportCounts()) == connector.report.counts()


def test_datahub_page_reports_sum_to_the_run_report() -> None:
    catalog = CatalogConfig(
        name="demo-datahub",
        connector="datahub",
        schedule=None,
        source={"files": ["*.json"], "email_domain": "example.com", "page_size": 25},
    )
    connector = build_connector(catalog, base_dir=EXAMPLES)
    reports = _pages(connector)
    total = sum(reports, ReportCounts())
    assert len(reports) > 2 and total == connector.report.counts()
    assert total.items_produced == {"asset": 108, "glossary_term": 9, "classification": 3}
    assert total.ignored["aspect dataset.datasetProfile"] == 40 and total.ignored["entity assertion"] == 8
    assert sum(1 for r in reports if r.ignored) >= 2  # each page counts its own: none holds the total
    assert all(r.records_read <= 25 for r in reports) and total.rejected == 0
