"""The side-by-side benchmark runs end to end at a tiny size (the full run is ``python -m bench.compare``)."""

from __future__ import annotations

import importlib

import pytest


@pytest.mark.slow
def test_compare_measures_both_sides_on_fresh_emulators() -> None:
    bench = importlib.import_module("bench.compare")
    result = bench.compare(20, 2)
    first, again = result["first_sync"], result["unchanged_resync"]
    assert first["status"] == again["status"] == "completed" and first["errors"] == 0
    assert first["sync_calls_per_object"] > 0 and again["sync_calls_per_object"] == 0  # no re-sync write
    assert first["script_calls_per_table"] == again["script_calls_per_table"] > 0  # the script re-uploads
    assert first["entity_operations_per_object"] > again["entity_operations_per_object"] >= 0
    assert result["app_peak_rss_mb"] > 0 and result["emulator_peak_rss_mb"]["sync"] > 0
