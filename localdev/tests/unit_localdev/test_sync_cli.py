"""The sync command line: the guard flags reach the HTTP API, the report carries the deletion verdict."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from localdev import cli, sync_cli


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    sync_cli.add_sync_arguments(parser)
    return parser.parse_args(["cat", *argv])


def test_guard_flags_default_off() -> None:
    assert sync_cli.sync_params(_parse()) == {}


def test_guard_flags_become_query_parameters() -> None:
    params = sync_cli.sync_params(_parse("--accept-shrink", "--force-deletes"))
    assert params == {"accept_shrink": "true", "force_deletes": "true"}
    assert sync_cli.sync_params(_parse("--dry-run")) == {"dry_run": "true"}


def test_report_says_whether_the_run_counts_for_deletion() -> None:
    held = ["shrink: saw 400 objects, last complete run saw 500 (-20.0%, limit 10.0%)"]
    output = {
        "catalog": "c",
        "status": "completed",
        "complete_for_deletion": False,
        "held": held,
        "deletion_note": "does not count as complete for deletion: …",
        "seen": 400,
        "deletes_held": {"count": 3, "message": "deletes held", "sample": ["a"]},
    }
    report = sync_cli.sync_report(output)
    assert report["complete_for_deletion"] is False and report["held"] == held and report["seen"] == 400
    assert report["deletes_held"]["count"] == 3


def test_invalid_setting_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PURVIEW_CAPACITY_UNITS", "abc")
    code = cli.main(["sync", "demo", "--json", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "PURVIEW_CAPACITY_UNITS: must be a number (got 'abc')" in err
    assert "Traceback" not in err
