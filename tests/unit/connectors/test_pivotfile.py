"""The pivotfile connector pages through JSON-lines files and rejects bad lines with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import CatalogConfig
from connectors.base import Connector, Rejected
from connectors.files import SourceIncomplete
from connectors.pivotfile import PivotFileConnector
from connectors.registry import ConnectorError, build_connector, connector_class, known_connectors


def _asset(n: int, catalog: str = "demo") -> str:
    return json.dumps(
        {
            "kind": "asset",
            "catalog": catalog,
            "external_id": f"t{n}",
            "name": f"t{n}",
            "type_name": "DataSet",
            "qualified_name": f"x://t{n}",
        }
    )


def _catalog(files: list[str], **source: object) -> CatalogConfig:
    return CatalogConfig(name="demo", connector="pivotfile", schedule=None, source={"files": files, **source})


def _drain(connector: Connector) -> tuple[list[object], int]:
    cursor: str | None = None
    results: list[object] = []
    pages = 0
    while True:
        page = connector.extract(cursor)
        pages += 1
        results.extend(connector.transform(page.records))
        cursor = page.next_cursor
        if cursor is None:
            return results, pages


def test_pages_across_files_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b.jsonl").write_text("".join(_asset(n) + "\n" for n in range(5, 8)))
    (tmp_path / "a.jsonl").write_text("".join(_asset(n) + "\n" for n in range(5)))
    connector = build_connector(_catalog(["*.jsonl"], page_size=2), base_dir=tmp_path)
    assert isinstance(connector, PivotFileConnector)
    results, pages = _drain(connector)
    assert [r.external_id for r in results] == [f"t{n}" for n in range(8)]  # type: ignore[attr-defined]
    assert pages == 4
    assert connector.report.records_read == 8
    assert connector.report.items_produced == {"asset": 8}


def test_cursor_resumes_where_the_page_ended(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("".join(_asset(n) + "\n" for n in range(5)))
    connector = build_connector(_catalog(["a.jsonl"], page_size=3), base_dir=tmp_path)
    first = connector.extract(None)
    assert [r["line"] for r in first.records] == [1, 2, 3]
    second = connector.extract(first.next_cursor)
    assert [r["line"] for r in second.records] == [4, 5]
    assert second.next_cursor is None


def test_bad_lines_are_rejected_with_file_and_line(tmp_path: Path) -> None:
    lines = [_asset(1), "{broken json", "", _asset(2, catalog="other"), '{"kind": "asset"}', _asset(3)]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    connector = build_connector(_catalog(["mixed.jsonl"]), base_dir=tmp_path)
    results, _ = _drain(connector)
    rejected = [r for r in results if isinstance(r, Rejected)]
    items = [r for r in results if not isinstance(r, Rejected)]
    assert [i.external_id for i in items] == ["t1", "t3"]  # type: ignore[attr-defined]
    assert [r.where for r in rejected] == ["mixed.jsonl:2", "mixed.jsonl:4", "mixed.jsonl:5"]
    assert "catalog 'other'" in rejected[1].reason
    assert connector.report.rejected == 3


def test_no_matching_files_fails_unless_allow_empty(tmp_path: Path) -> None:
    with pytest.raises(SourceIncomplete, match=r"pattern 'nothing/\*.jsonl' matches no file"):
        build_connector(_catalog(["nothing/*.jsonl"]), base_dir=tmp_path).extract(None)
    connector = build_connector(_catalog(["nothing/*.jsonl"], allow_empty=True), base_dir=tmp_path)
    page = connector.extract(None)
    assert page.records == [] and page.next_cursor is None


def test_invalid_source_settings_name_the_catalog() -> None:
    catalog = CatalogConfig(name="demo", connector="pivotfile", schedule=None, source={"file": "s3cr3t"})
    with pytest.raises(ConnectorError) as caught:
        build_connector(catalog)
    message = str(caught.value)
    assert message == ("catalogs.yaml: catalog 'demo': source.files: required; source.file: unknown setting")
    assert "s3cr3t" not in message


def test_unknown_connector_lists_the_known_ones() -> None:
    with pytest.raises(
        ConnectorError, match="unknown connector 'nope'; known connectors: datahub, pivotfile"
    ):
        connector_class("nope")
    assert "pivotfile" in known_connectors()


def test_bundled_demo_file_is_valid() -> None:
    root = Path(__file__).resolve().parents[3]
    catalog = CatalogConfig(
        name="demo-pivot", connector="pivotfile", schedule=None, source={"files": ["examples/pivot/*.jsonl"]}
    )
    connector = build_connector(catalog, base_dir=root)
    assert isinstance(connector, PivotFileConnector)
    results, _ = _drain(connector)
    assert results and not [r for r in results if isinstance(r, Rejected)]
