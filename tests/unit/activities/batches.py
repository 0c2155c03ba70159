"""One catalog, local staging, an emulator and a staged chunk: the world an ``upsert_batch`` test runs in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from activities import resources
from localdev.purview import EmulatorServer

__all__ = ["batch_world", "local_catalog", "table"]


def table(catalog: str, n: int, terms: list[str] | None = None) -> dict[str, Any]:
    """A minimal table item ``t{n}`` of ``catalog`` (optionally referring to same-catalog terms)."""
    item: dict[str, Any] = {
        "kind": "asset",
        "catalog": catalog,
        "external_id": f"t{n}",
        "name": f"t{n}",
        "type_name": "azure_sql_table",
        "qualified_name": f"mssql://srv/db/dbo/t{n}",
    }
    if terms is not None:
        item["glossary_items"] = terms
    return item


@contextmanager
def local_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: str) -> Iterator[Any]:
    """The app's resources on one pivotfile catalog and local staging; yields the staging."""
    catalogs = tmp_path / "catalogs.yaml"
    catalogs.write_text(
        f"catalogs:\n  - name: {catalog}\n    connector: pivotfile\n    schedule: null\n"
        "    source: {files: ['data/*.jsonl']}\n"
    )
    monkeypatch.setenv("CATALOGS_FILE", str(catalogs))
    monkeypatch.setenv("STAGING_BACKEND", "local")
    monkeypatch.setenv("STAGING_DIR", str(tmp_path / "staging"))
    resources.reset()
    try:
        yield resources.staging()
    finally:
        resources.reset()


@contextmanager
def batch_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: str, **emulator: Any
) -> Iterator[tuple[EmulatorServer, str]]:
    """The app's resources point at a fresh emulator (``emulator``: its fault options) and local staging;
    yields the server and the ref of a staged chunk of three tables ``t0``..``t2``."""
    with EmulatorServer(port=0, **emulator) as server:
        monkeypatch.setenv("PURVIEW_ENDPOINT", server.url)
        with local_catalog(tmp_path, monkeypatch, catalog) as staging:
            records = [table(catalog, n) for n in range(3)]
            yield server, staging.put_jsonl("run-1", "items/000.jsonl", records)
