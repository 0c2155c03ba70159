"""The ``python -m localdev sync`` / ``cleanup`` command lines and their JSON: a public interface."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
COUNTERS = {"created", "updated", "unchanged", "skipped", "failed", "deleted", "repaired"}


def _cli(*args: str) -> tuple[int, Any]:
    result = run_cli(*args, "--catalogs", "catalogs.yaml", "--json")
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else result.stderr


def test_sync_dry_run_and_cleanup_json(tmp_path: Path) -> None:
    data = str(tmp_path)
    code, report = _cli("sync", "demo-pivot", "--data-dir", data)
    assert code == 0, report
    assert {"catalog", "run_id", "status", "counts", "purview_calls", "duration_s", "errors"} <= set(report)
    assert report["status"] == "completed" and report["catalog"] == "demo-pivot"
    assert set(report["counts"]) == {"asset", "glossary_term", "classification"}
    assert all(set(c) == COUNTERS for c in report["counts"].values())
    assert report["counts"]["asset"]["created"] == 8 and report["purview_calls"]["write"] > 0

    code, plan = _cli("sync", "demo-pivot", "--data-dir", data, "--dry-run")
    assert code == 0 and plan["status"] == "dry_run"
    assert plan["counts"]["asset"]["unchanged"] == 8 and plan["purview_calls"]["write"] == 0

    code, cleanup = _cli("cleanup", "demo-pivot", "--data-dir", data)
    assert code == 0
    assert {"catalog", "status", "stale", "deleted", "errors"} <= set(cleanup)
    assert cleanup["status"] == "completed" and cleanup["deleted"] == 0

    code, error = _cli("sync", "no-such-catalog", "--data-dir", data)
    assert code == 1 and "CatalogNotFound" in error
