"""``python -m localdev demo`` (what ``make demo`` runs): a real sync into the emulator, then the unchanged
re-sync, from the bundled catalogs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _demo(data_dir: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "localdev",
            "demo",
            "--data-dir",
            str(data_dir),
            "--catalogs",
            "catalogs.yaml",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**{k: v for k, v in os.environ.items() if k != "CATALOGS_FILE"}, "CI": "true", "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _row(output: str, kind: str) -> list[str]:
    line = next(line for line in output.splitlines() if line.startswith(f"│ {kind} "))
    return [cell.strip() for cell in line.split("│") if cell.strip()][1:]


def test_demo_syncs_then_resyncs_unchanged(tmp_path: Path) -> None:
    first = _demo(tmp_path)
    assert _row(first, "asset") == ["8", "0", "0", "0", "0", "0", "0"]
    assert _row(first, "glossary_term") == ["5", "0", "0", "0", "0", "0", "0"]
    assert _row(first, "classification") == ["2", "0", "0", "0", "0", "0", "0"]
    assert "'azure_sql_table': 6" in first and "'azure_sql_column': 18" in first
    second = _demo(tmp_path)
    assert _row(second, "asset") == ["0", "0", "8", "0", "0", "0", "0"]
    assert re.search(r"Purview calls: 0 read, 0 write", second)
