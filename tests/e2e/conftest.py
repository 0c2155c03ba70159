"""End-to-end fixtures: the whole app on the local Durable host against the Purview emulator.

The catalogs file is shared by the test session and set before the app is first loaded, because the app
registers its timer and Event Hub functions from it when it loads (as in Azure).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localdev.session import LocalApp

EVENT_SENT = 14
"""DTFx ``EventType`` of a message an orchestration sends: an entity call or signal."""
CATALOG_DIR = Path(tempfile.mkdtemp(prefix="e2e-catalogs-"))
CATALOGS_FILE = CATALOG_DIR / "catalogs.yaml"
REPO = Path(__file__).resolve().parents[2]
LISTED_FILES = ", ".join(f'"e2e-files/part{n}.jsonl"' for n in range(9))
"""e2e-files lists nine files by name and finds the tenth through a pattern (to fault both ways)."""
CATALOGS_FILE.write_text(
    f"""
catalogs:
  - name: e2e-main
    connector: pivotfile
    mode: both
    schedule: null
    source: {{files: ["e2e-main/*.jsonl"], page_size: 400}}
    deletion: {{retention_days: 0, min_complete_runs: 2, max_delete_fraction: 0.5}}
  - name: e2e-trunc
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-trunc/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 0.2}}
  - name: e2e-manifest
    connector: pivotfile
    mode: both
    schedule: null
    source: {{files: ["e2e-manifest/*.jsonl"], page_size: 50}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-push
    connector: pivotfile
    mode: push
    source: {{files: ["e2e-push/*.jsonl"]}}
  - name: e2e-datahub
    connector: datahub
    schedule: null
    glossary: DataHub demo
    source: {{files: ["{REPO}/examples/datahub/*.json"], email_domain: example.com}}
  # --- guards: shrink guard, delete-marker guard, disabled catalogs ---
  - name: e2e-shrink
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-shrink/*.jsonl"], page_size: 500}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 0.25, max_shrink_fraction: 0.1}}
  - name: e2e-markers
    connector: pivotfile
    mode: both
    schedule: null
    source: {{files: ["e2e-markers/*.jsonl"], page_size: 500}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 0.2}}
  - name: e2e-disabled
    connector: pivotfile
    mode: both
    enabled: false
    schedule: "0 * * * * *"
    source: {{files: ["e2e-disabled/*.jsonl"]}}
  # --- ownership, adoption, verify ---
  - name: e2e-own-a
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-own-a/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-own-b
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-own-b/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-adopt
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-adopt/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-skip
    connector: pivotfile
    schedule: null
    existing_assets: skip
    source: {{files: ["e2e-skip/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  # --- throttling and type bootstrap ---
  - name: e2e-types
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-types/*.jsonl"]}}
  - name: e2e-throttle
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-throttle/*.jsonl"]}}
  # --- whole extracts and record-level errors (file sources) ---
  - name: e2e-files
    connector: pivotfile
    schedule: null
    source:
      files: [{LISTED_FILES}, "e2e-files/more/*.jsonl"]
      page_size: 100
    deletion: {{retention_days: 0, min_complete_runs: 2, max_delete_fraction: 0.5}}
  - name: e2e-badlines
    connector: pivotfile
    schedule: null
    source: {{files: ["e2e-badlines/*.jsonl"], page_size: 100}}
  - name: e2e-datahub-bad
    connector: datahub
    schedule: null
    glossary: DataHub bad records
    source: {{files: ["e2e-datahub-bad/*.json"], email_domain: example.com}}
  # --- review: ownership under hostile conditions ---
  - name: e2e-rev-a
    connector: pivotfile
    mode: both
    schedule: null
    source: {{files: ["e2e-rev-a/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-rev-b
    connector: pivotfile
    schedule: null
    adopt_from: [e2e-rev-a]
    source: {{files: ["e2e-rev-b/*.jsonl"]}}
    deletion: {{retention_days: 0, min_complete_runs: 1, max_delete_fraction: 1.0}}
  - name: e2e-rev-c
    connector: pivotfile
    mode: both
    schedule: null
    source: {{files: ["e2e-rev-c/*.jsonl"]}}
"""
)
os.environ["CATALOGS_FILE"] = str(CATALOGS_FILE)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[LocalApp]:
    with LocalApp(data_dir=tmp_path / "state", catalogs_file=CATALOGS_FILE) as local:
        yield local


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m localdev ARGS`` in a child process from the repository root, as an operator runs it (the
    session's CATALOGS_FILE removed, so only ``--catalogs`` chooses the catalogs)."""
    return subprocess.run(
        [sys.executable, "-m", "localdev", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "CATALOGS_FILE"},
        check=False,
    )


def source_dir(catalog: str) -> Path:
    return CATALOG_DIR / catalog


def writes(stats: dict[str, Any]) -> int:
    """Write requests the emulator received (searches and reads excluded)."""
    return sum(
        n
        for route, n in stats["requests"].items()
        if not route.startswith("GET ") and "search" not in route and "/_emulator" not in route
    )


def entity_messages(app: LocalApp) -> int:
    """Entity calls and signals sent so far (``EventSent`` history events in the local host's store)."""
    with sqlite3.connect(app.data_dir / "durable" / "durable.sqlite3") as db:
        query = "SELECT COUNT(*) FROM history WHERE json_extract(event, '$.EventType') = ?"
        return int(db.execute(query, (EVENT_SENT,)).fetchone()[0])


def sync(app: LocalApp, catalog: str, **params: str) -> dict[str, Any]:
    status = app.start_and_wait(f"catalogs/{catalog}/sync", params=params, timeout=600)
    assert status["runtimeStatus"] == "Completed", status
    output: dict[str, Any] = status["output"]
    return output
