"""The ``extract_page`` activity on real files and local staging: one snapshot per run, staged by the first
page and read by the others; a file changed between pages answers ``source_error`` naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities import extract, resources


def _lines(file: int) -> str:
    return "".join(
        json.dumps({"kind": "asset", "catalog": "files", "external_id": f"f{file}-{n}", "name": "x"}) + "\n"
        for n in range(10)
    )


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    data.mkdir()
    for f in range(3):
        (data / f"part{f}.jsonl").write_text(_lines(f))
    catalogs = tmp_path / "catalogs.yaml"
    catalogs.write_text(
        "catalogs:\n"
        "  - name: files\n"
        "    connector: pivotfile\n"
        "    schedule: null\n"
        "    source: {files: ['data/*.jsonl'], page_size: 10}\n"
    )
    monkeypatch.setenv("CATALOGS_FILE", str(catalogs))
    monkeypatch.setenv("STAGING_BACKEND", "local")
    monkeypatch.setenv("STAGING_DIR", str(tmp_path / "staging"))
    monkeypatch.setenv("PURVIEW_ENDPOINT", "http://127.0.0.1:9")
    resources.reset()
    yield data
    resources.reset()


def _page(cursor: str | None, page: int) -> dict[str, Any]:
    function = extract.extract_page.build().get_user_function()
    return function({"catalog": "files", "run_id": "run-1", "cursor": cursor, "page": page})  # type: ignore[no-any-return]


def _drain() -> tuple[list[dict[str, Any]], list[str]]:
    cursor: str | None = None
    page = 0
    records: list[dict[str, Any]] = []
    while True:
        answer = _page(cursor, page)
        if answer.get("source_error"):
            return records, [answer["source_error"]]
        records += list(resources.staging().iter_jsonl(answer["ref"]))
        cursor, page = answer["next_cursor"], page + 1
        if cursor is None:
            return records, []


def test_the_first_page_stages_the_snapshot_and_later_pages_read_it(source: Path) -> None:
    first = _page(None, 0)
    assert first["count"] == 10 and first["next_cursor"].startswith("1:0:1:")
    snapshot = resources.staging().get_json("run-1/" + extract.SNAPSHOT_NAME)
    assert [f["name"] for f in snapshot["files"]] == [f"data/part{n}.jsonl" for n in range(3)]
    (source / "a-new.jsonl").write_text(_lines(9))  # sorts first: a re-glob would shift every later page
    cursor, page, ids = first["next_cursor"], 1, []
    while cursor is not None:
        answer = _page(cursor, page)
        ids += [json.loads(r["text"])["external_id"] for r in resources.staging().iter_jsonl(answer["ref"])]
        cursor, page = answer["next_cursor"], page + 1
    assert ids == [f"f{f}-{n}" for f in (1, 2) for n in range(10)]


def test_a_file_truncated_between_pages_answers_a_source_error(source: Path) -> None:
    first = _page(None, 0)
    size = (source / "part1.jsonl").stat().st_size
    (source / "part1.jsonl").write_text(_lines(1)[: size // 2].rsplit("\n", 1)[0] + "\n")
    answer = _page(first["next_cursor"], 1)
    assert answer["ref"] is None and answer["next_cursor"] is None
    assert answer["source_error"].startswith(f"data/part1.jsonl: changed during the run: size {size} -> ")


def test_a_file_removed_after_it_was_read_fails_the_last_page(source: Path) -> None:
    first = _page(None, 0)
    (source / "part0.jsonl").unlink()
    answer = _page(first["next_cursor"], 1)
    assert answer["source_error"] is None  # part1 still reads from its own identity, no drift
    _, errors = _drain_from(answer["next_cursor"], 2)
    assert errors == ["data/part0.jsonl: changed during the run: removed"]


def _drain_from(cursor: str | None, page: int) -> tuple[int, list[str]]:
    count = 0
    while cursor is not None:
        answer = _page(cursor, page)
        if answer.get("source_error"):
            return count, [answer["source_error"]]
        count += answer["count"]
        cursor, page = answer["next_cursor"], page + 1
    return count, []


def test_a_whole_source_reads_every_line_once(source: Path) -> None:
    records, errors = _drain()
    assert errors == []
    assert [json.loads(r["text"])["external_id"] for r in records] == [
        f"f{f}-{n}" for f in range(3) for n in range(10)
    ]


def test_a_rerun_first_page_reuses_the_runs_snapshot_so_no_cursor_outlives_it(source: Path) -> None:
    """Activities run at least once: the first page may run again after its answer (and cursor) was kept.
    Re-taking the snapshot then would let the kept cursor's offsets read a file replaced since as if it were
    the one the cursor was made on (a mixed read: half a line, then the new file's lines)."""
    first = _page(None, 0)
    replacement = source / "new.tmp"
    replacement.write_text(_lines(7).replace('"name": "x"', '"name": "a longer name"'))
    replacement.replace(source / "part1.jsonl")  # atomic rename: another file under the same name
    again = _page(None, 0)  # the re-run: its answer is discarded, the first one's cursor goes on
    assert again["next_cursor"] == first["next_cursor"]
    count, errors = _drain_from(first["next_cursor"], 1)
    assert errors == ["data/part1.jsonl: changed during the run: replaced by another file"]
    assert count == 0
