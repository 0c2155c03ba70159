"""``python -m localdev demo`` runs on the bundled catalogs and reports what they yield; no fake sync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_demo_reports_items_and_does_not_claim_a_sync() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "localdev", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CI": "true", "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "demo-pivot" in result.stdout
    assert "nothing was written" in result.stdout
    row = next(line for line in result.stdout.splitlines() if "demo-pivot" in line and "pivotfile" in line)
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[2:] == ["15", "2", "5", "8", "0"]
