"""Whole extracts and record-level errors end to end (issue #10, items 1 and 2), on the local host + emulator.

A file source that cannot be read whole fails the run naming the file, so after more failed runs than
``min_complete_runs`` a cleanup still deletes nothing; a record that cannot be decoded is rejected alone with
``file:line`` and every other record lands.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from localdev.session import LocalApp
from tests.e2e.conftest import source_dir, sync

FILES = "e2e-files"
MIN_COMPLETE_RUNS = 2  # as declared for e2e-files in conftest


def _asset(catalog: str, n: int) -> dict[str, Any]:
    return {
        "kind": "asset",
        "catalog": catalog,
        "external_id": f"tbl{n}",
        "name": f"table_{n}",
        "type_name": "azure_sql_table",
        "qualified_name": f"mssql://files.database.windows.net/db/dbo/{catalog}_{n}",
    }


def _lines(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(i) + "\n" for i in items)


def _write_ten_files(root: Path) -> None:
    """10 files x 50 assets: part0..part8 listed by name, part9 found by the pattern ``more/*.jsonl``."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "more").mkdir(parents=True)
    for f in range(10):
        path = root / ("more" if f == 9 else "") / f"part{f}.jsonl"
        path.write_text(_lines([_asset(FILES, n) for n in range(f * 50, f * 50 + 50)]))


def _tables(app: LocalApp) -> int:
    assert app.emulator is not None
    return int(app.emulator.stats()["entities"].get("azure_sql_table", 0))


def _missing(root: Path) -> str:
    (root / "part3.jsonl").unlink()
    return "part3.jsonl: file is missing"


def _dangling(root: Path) -> str:
    (root / "part4.jsonl").unlink()
    (root / "part4.jsonl").symlink_to(root / "moved-away.jsonl")
    return "part4.jsonl: dangling symlink"


def _directory(root: Path) -> str:
    (root / "part5.jsonl").unlink()
    (root / "part5.jsonl").mkdir()
    return "part5.jsonl: is a directory"


def _no_match(root: Path) -> str:
    (root / "more" / "part9.jsonl").unlink()
    return "pattern 'e2e-files/more/*.jsonl' matches no file"


@pytest.mark.parametrize("fault", [_missing, _dangling, _directory, _no_match], ids=lambda f: f.__name__[1:])
def test_a_source_fault_fails_the_run_and_cleanup_keeps_every_object(
    app: LocalApp, fault: Callable[[Path], str]
) -> None:
    """Old bug: each of these runs ended ``completed`` and cleanup then deleted 50 live objects."""
    root = source_dir(FILES)
    _write_ten_files(root)
    first = sync(app, FILES)
    assert first["status"] == "completed" and first["counts"]["asset"]["created"] == 500, first
    expected = fault(root)
    for _ in range(MIN_COMPLETE_RUNS + 1):
        failed = sync(app, FILES)
        assert failed["status"] == "failed", failed
        assert any(expected in error for error in failed["errors"]), failed["errors"]
    runs = app.get(f"catalogs/{FILES}").json()["runs"]
    assert [r["status"] for r in runs][: MIN_COMPLETE_RUNS + 2] == ["failed"] * (MIN_COMPLETE_RUNS + 1) + [
        "completed"
    ]
    report = app.start_and_wait("cleanup", params={"catalog": FILES})["output"][0]
    assert report["deleted"] == 0, report
    assert _tables(app) == 500  # every object still in the source, and the faulty file's too


def test_bad_lines_are_rejected_alone_and_the_good_ones_land(app: LocalApp) -> None:
    """Old bug: one invalid-UTF-8 or 100,000-deep line failed the run with 0 of 200 good records landed."""
    catalog = "e2e-badlines"
    root = source_dir(catalog)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    good = [_asset(catalog, n) for n in range(200)]
    bad_utf8 = json.dumps(_asset(catalog, 900)).replace("table_900", "caf\\u00e9").encode()
    bad_utf8 = bad_utf8.replace(b"caf\\u00e9", b"caf\xe9")
    deep = dict(_asset(catalog, 901), attributes={"x": "PLACEHOLDER"})
    deep_line = json.dumps(deep).replace('"PLACEHOLDER"', "[" * 100_000 + "]" * 100_000).encode()
    huge = json.dumps(dict(_asset(catalog, 902), description="x" * (10 << 20))).encode()
    lines = [json.dumps(item).encode() for item in good]
    lines[50:50] = [bad_utf8]  # line 51
    lines[101:101] = [deep_line]  # line 102
    lines[152:152] = [huge]  # line 153
    (root / "part0.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = sync(app, catalog)
    assert result["status"] == "completed", result
    assert result["rejected"] == 3, result
    assert result["counts"]["asset"]["created"] == 200, result
    errors = result["errors"]
    assert any(e.startswith("e2e-badlines/part0.jsonl:51: not valid UTF-8") for e in errors), errors
    assert any(
        e.startswith("e2e-badlines/part0.jsonl:102: JSON nested deeper than 64 levels") for e in errors
    ), errors
    assert any(
        e.startswith("e2e-badlines/part0.jsonl:153: line longer than 8388608 bytes") for e in errors
    ), errors
    assert _tables(app) == 200
    for external_id, reason in (("tbl900", "UTF-8"), ("tbl901", "deeper"), ("tbl902", "longer")):
        state = app.get(f"catalogs/{catalog}/objects/asset/{external_id}").json()  # named at its top level
        assert state["status"] == "Failed" and reason in state["last_error"], state


def test_undecodable_datahub_records_are_rejected_and_the_good_ones_land(app: LocalApp) -> None:
    """Old bug: a 100,000-deep record failed a DataHub run with none of the good records landed."""
    catalog = "e2e-datahub-bad"
    root = source_dir(catalog)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    examples = Path(__file__).resolve().parents[2] / "examples" / "datahub"
    records = [json.dumps(r, indent=4).encode() for r in json.loads((examples / "glossary.json").read_text())]
    tag = {"entityType": "tag", "entityUrn": "urn:li:tag:bad", "aspectName": "tagKey", "aspect": {"json": {}}}
    deep = json.dumps(tag).replace("{}", "[" * 100_000 + "]" * 100_000).encode()
    latin1 = json.dumps(tag).replace("urn:li:tag:bad", "urn:li:tag:caf\\u00e9").encode()
    latin1 = latin1.replace(b"caf\\u00e9", b"caf\xe9")
    huge = json.dumps(dict(tag, aspect={"json": {"name": "x" * (10 << 20)}})).encode()
    records[3:3] = [deep]
    records[7:7] = [latin1]
    records[11:11] = [huge]
    (root / "glossary.json").write_bytes(b"[\n" + b",\n".join(records) + b"\n]\n")
    result = sync(app, catalog)
    assert result["status"] == "completed", result
    assert result["rejected"] == 3, result
    assert result["counts"]["glossary_term"]["created"] == 9, result
    reasons = [e for e in result["errors"] if e.startswith("e2e-datahub-bad/glossary.json:")]
    assert len(reasons) == 3, result["errors"]
    assert any("(record 4)" in e and "nested deeper than 64" in e for e in reasons), reasons
    assert any("(record 8)" in e and "not valid UTF-8" in e for e in reasons), reasons
    assert any("(record 12)" in e and "larger than 8388608 bytes" in e for e in reasons), reasons


@pytest.mark.parametrize(
    ("target", "change", "expected"),
    [
        ("part2.jsonl", "remove", "part2.jsonl: changed during the run: removed"),
        ("part2.jsonl", "truncate", "part2.jsonl: changed during the run: size "),
        ("part0.jsonl", "remove", "part0.jsonl: changed during the run: removed"),  # after it was read
    ],
)
def test_a_file_changed_mid_run_fails_the_run_and_cleanup_keeps_every_object(
    app: LocalApp, monkeypatch: pytest.MonkeyPatch, target: str, change: str, expected: str
) -> None:
    """Old bug: a file removed while the run was extracting shifted the cursor onto another file, the run
    completed, and cleanup deleted live objects. The change is injected right after the run's first page was
    read (the real reader runs; the host runs activities in this process), so it always lands mid-run."""
    from connectors.files import read_lines as real_read_lines

    root = source_dir(FILES)
    _write_ten_files(root)
    assert sync(app, FILES)["status"] == "completed"
    original = (root / target).read_text()
    armed: list[bool] = []

    def read_then_change(entry: Any, offset: int, *args: Any, **kwargs: Any) -> Any:
        read = real_read_lines(entry, offset, *args, **kwargs)
        if armed and entry.name.endswith("part0.jsonl") and offset == 0:
            armed.clear()
            if change == "remove":
                (root / target).unlink()
            else:
                lines = original.splitlines(keepends=True)
                (root / target).write_text("".join(lines[: len(lines) // 2]))
        return read

    monkeypatch.setattr("connectors.pivotfile.connector.read_lines", read_then_change)
    for _ in range(MIN_COMPLETE_RUNS + 1):
        (root / target).write_text(original)  # whole again when the run starts
        armed.append(True)
        failed = sync(app, FILES)
        assert not armed, "the change was injected"
        assert failed["status"] == "failed", failed
        assert any(expected in error for error in failed["errors"]), failed["errors"]
    report = app.start_and_wait("cleanup", params={"catalog": FILES})["output"][0]
    assert report["deleted"] == 0, report
    assert _tables(app) == 500
