"""The shared file source: whole extracts (snapshot, identity, changed-during-run) and record-level errors,
on real files in a temporary folder."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from config import CatalogConfig
from connectors.base import Connector, Rejected
from connectors.files import (
    BadLine,
    FilePosition,
    Line,
    Snapshot,
    SourceIncomplete,
    TooDeep,
    read_lines,
    scan_container,
    take_snapshot,
    top_level_strings,
)
from connectors.registry import build_connector


def _asset(n: int) -> str:
    return json.dumps(
        {
            "kind": "asset",
            "catalog": "demo",
            "external_id": f"t{n}",
            "name": f"t{n}",
            "type_name": "DataSet",
            "qualified_name": f"x://t{n}",
        }
    )


def _write(path: Path, numbers: range) -> None:
    path.write_text("".join(_asset(n) + "\n" for n in numbers))


def _connector(tmp_path: Path, files: list[str], **source: object) -> Connector:
    catalog = CatalogConfig(
        name="demo", connector="pivotfile", schedule=None, source={"files": files, **source}
    )
    return build_connector(catalog, base_dir=tmp_path)


def _ten_files(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    for f in range(10):
        _write(tmp_path / "data" / f"part{f}.jsonl", range(f * 50, f * 50 + 50))


def _drain(connector: Connector, snapshot: dict[str, Any] | None = None) -> list[Any]:
    snapshot = snapshot if snapshot is not None else connector.snapshot()
    cursor: str | None = None
    results: list[Any] = []
    while True:
        page = connector.extract(cursor, snapshot=snapshot)
        results.extend(connector.transform(page.records))
        cursor = page.next_cursor
        if cursor is None:
            return results


# --- the snapshot: every fault before the run names the file ------------------------------------------


def test_snapshot_lists_every_file_with_its_identity(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    snapshot = take_snapshot(["data/*.jsonl"], tmp_path)
    assert [f.name for f in snapshot.files] == [f"data/part{n}.jsonl" for n in range(10)]
    first = snapshot.files[0]
    info = (tmp_path / "data" / "part0.jsonl").stat()
    assert (first.size, first.mtime_ns, first.ino, first.dev) == (
        info.st_size,
        info.st_mtime_ns,
        info.st_ino,
        info.st_dev,
    )
    assert Snapshot.from_json(json.loads(json.dumps(snapshot.to_json()))) == snapshot


def test_a_pattern_matching_nothing_fails_unless_allow_empty(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    with pytest.raises(SourceIncomplete, match=r"pattern 'other/\*.jsonl' matches no file"):
        take_snapshot(["data/*.jsonl", "other/*.jsonl"], tmp_path)
    assert len(take_snapshot(["data/*.jsonl", "other/*.jsonl"], tmp_path, allow_empty=True).files) == 10
    assert take_snapshot(["other/*.jsonl"], tmp_path, allow_empty=True).files == ()


def test_a_missing_listed_file_fails(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    with pytest.raises(SourceIncomplete, match=r"data/gone.jsonl: file is missing"):
        take_snapshot(["data/*.jsonl", "data/gone.jsonl"], tmp_path)


def test_a_dangling_symlink_fails(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    (tmp_path / "data" / "part3.jsonl").unlink()
    (tmp_path / "data" / "part3.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    with pytest.raises(SourceIncomplete, match=r"data/part3.jsonl: dangling symlink"):
        take_snapshot(["data/*.jsonl"], tmp_path)


def test_a_directory_where_a_file_is_expected_fails(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    (tmp_path / "data" / "part4.jsonl").unlink()
    (tmp_path / "data" / "part4.jsonl").mkdir()
    with pytest.raises(SourceIncomplete, match=r"data/part4.jsonl: is a directory"):
        take_snapshot(["data/*.jsonl"], tmp_path)
    with pytest.raises(SourceIncomplete, match=r"data/part4.jsonl: is a directory"):
        take_snapshot(["data/part4.jsonl"], tmp_path)


def test_a_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    os.mkfifo(tmp_path / "data" / "pipe.jsonl")
    with pytest.raises(SourceIncomplete, match=r"data/pipe.jsonl: is not a regular file"):
        take_snapshot(["data/*.jsonl"], tmp_path)


def test_an_unreadable_file_fails(tmp_path: Path) -> None:
    _ten_files(tmp_path)
    path = tmp_path / "data" / "part5.jsonl"
    if os.geteuid() == 0:  # root reads whatever the mode: a regular file whose read fails (EIO) instead
        path.unlink()
        path.symlink_to("/proc/self/mem")
    else:
        path.chmod(0)
    with pytest.raises(SourceIncomplete, match=r"data/part5.jsonl: cannot be read"):
        take_snapshot(["data/*.jsonl"], tmp_path)


# --- paging: linear byte offsets over the snapshot, equal to a whole read ------------------------------


@pytest.mark.parametrize("page_size", [1, 7, 50, 64, 1000])
def test_byte_offset_paging_equals_reading_the_whole_files(tmp_path: Path, page_size: int) -> None:
    _ten_files(tmp_path)
    (tmp_path / "data" / "part2.jsonl").write_text(
        "\n\n" + _asset(999) + "\r\n\n" + _asset(998)
    )  # no final \n
    connector = _connector(tmp_path, ["data/*.jsonl"], page_size=page_size)
    items = _drain(connector)
    expected = [
        json.loads(line)["external_id"]
        for n in range(10)
        for line in (tmp_path / "data" / f"part{n}.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert [i.external_id for i in items] == expected
    assert len(expected) == 452


def test_read_lines_resumes_at_the_byte_offset_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    _write(path, range(5))
    entry = take_snapshot(["a.jsonl"], tmp_path).files[0]
    first = read_lines(entry, 0, 1, limit=2, max_record_bytes=1 << 20, max_depth=64)
    assert [x.line for x in first.lines] == [1, 2] and not first.eof
    assert first.offset == len((_asset(0) + "\n" + _asset(1) + "\n").encode())
    rest = read_lines(entry, first.offset, first.line, limit=10, max_record_bytes=1 << 20, max_depth=64)
    assert [x.line for x in rest.lines] == [3, 4, 5] and rest.eof
    assert all(
        isinstance(x, Line) and json.loads(x.text)["external_id"] == f"t{x.line - 1}" for x in rest.lines
    )


# --- a file changed during the run fails the run, naming it -------------------------------------------


def _first_page(tmp_path: Path) -> tuple[Connector, dict[str, Any], str]:
    _ten_files(tmp_path)
    connector = _connector(tmp_path, ["data/*.jsonl"], page_size=120)
    snapshot = connector.snapshot()
    assert snapshot is not None
    page = connector.extract(None, snapshot=snapshot)
    assert page.next_cursor is not None and page.next_cursor.startswith("2:")
    return connector, snapshot, page.next_cursor


def test_a_file_removed_between_pages_fails_the_run(tmp_path: Path) -> None:
    connector, snapshot, cursor = _first_page(tmp_path)
    (tmp_path / "data" / "part2.jsonl").unlink()
    with pytest.raises(SourceIncomplete, match=r"data/part2.jsonl: changed during the run: removed"):
        connector.extract(cursor, snapshot=snapshot)


def test_a_file_already_read_and_then_removed_fails_the_last_page(tmp_path: Path) -> None:
    connector, snapshot, cursor = _first_page(tmp_path)
    (tmp_path / "data" / "part0.jsonl").unlink()
    following: str | None = cursor
    with pytest.raises(SourceIncomplete, match=r"data/part0.jsonl: changed during the run: removed"):
        while following is not None:
            following = connector.extract(following, snapshot=snapshot).next_cursor


def test_a_file_truncated_between_pages_fails_with_both_sizes(tmp_path: Path) -> None:
    connector, snapshot, cursor = _first_page(tmp_path)
    path = tmp_path / "data" / "part2.jsonl"
    size = path.stat().st_size
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:40]))  # cut at a line boundary, as a writer mid-rewrite leaves it
    with pytest.raises(
        SourceIncomplete, match=f"changed during the run: size {size} -> {path.stat().st_size}"
    ):
        connector.extract(cursor, snapshot=snapshot)


def test_a_file_replaced_by_another_of_the_same_size_fails(tmp_path: Path) -> None:
    connector, snapshot, cursor = _first_page(tmp_path)
    path = tmp_path / "data" / "part2.jsonl"
    replacement = tmp_path / "data" / "new.tmp"
    replacement.write_bytes(path.read_bytes())
    os.utime(replacement, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns))
    replacement.replace(path)
    with pytest.raises(SourceIncomplete, match=r"data/part2.jsonl: changed during the run: replaced"):
        connector.extract(cursor, snapshot=snapshot)


def test_a_file_grown_during_the_run_fails(tmp_path: Path) -> None:
    connector, snapshot, cursor = _first_page(tmp_path)
    time.sleep(0.01)
    with (tmp_path / "data" / "part2.jsonl").open("a") as handle:
        handle.write(_asset(10_000) + "\n")
    with pytest.raises(SourceIncomplete, match=r"data/part2.jsonl: changed during the run: size"):
        connector.extract(cursor, snapshot=snapshot)


def test_the_cursor_cannot_drift_onto_another_file(tmp_path: Path) -> None:
    """Old bug: the cursor was ``file index:line`` over a re-globbed list, so a vanished file shifted it."""
    connector, snapshot, cursor = _first_page(tmp_path)
    (tmp_path / "data" / "part0.jsonl").unlink()
    fresh = connector.snapshot()  # what a re-glob would see now: part1 is index 0, part3 index 2
    with pytest.raises(SourceIncomplete, match=r"cursor names .*part2.jsonl but file 2 .* is .*part3.jsonl"):
        connector.extract(cursor, snapshot=fresh)
    assert FilePosition.decode(cursor, Snapshot.from_json(snapshot)).index == 2


# --- record-level errors stay record-level ------------------------------------------------------------


def test_bad_lines_are_rejected_alone_with_file_line_and_reason(tmp_path: Path) -> None:
    deep = (
        '{"kind": "asset", "external_id": "deep1", "attributes": {"x": '
        + "[" * 100_000
        + "]" * 100_000
        + "}}"
    )
    huge = '{"kind": "asset", "external_id": "huge1", "description": "' + "x" * (2 << 20) + '"}'
    lines = [_asset(n).encode() for n in range(5)]
    lines.insert(1, b'{"kind": "asset", "external_id": "utf1", "name": "caf\xe9"}')
    lines.insert(3, deep.encode())
    lines.insert(5, huge.encode())
    (tmp_path / "bad.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    connector = _connector(tmp_path, ["bad.jsonl"], page_size=3, max_record_bytes=1 << 20)
    results = _drain(connector)
    rejected = [r for r in results if isinstance(r, Rejected)]
    assert [r.external_id for r in results if not isinstance(r, Rejected)] == [f"t{n}" for n in range(5)]
    assert [(r.where, r.external_id, r.kind) for r in rejected] == [
        ("bad.jsonl:2", "utf1", "asset"),
        ("bad.jsonl:4", "deep1", "asset"),
        ("bad.jsonl:6", "huge1", "asset"),
    ]
    assert rejected[0].reason == "not valid UTF-8 (byte 54 of the line)"  # the é in latin-1
    assert rejected[1].reason == "JSON nested deeper than 64 levels"
    assert rejected[2].reason.startswith(f"line longer than {1 << 20} bytes")


def test_an_overlong_last_line_without_newline_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(_asset(1) + "\n" + "y" * 5000)
    entry = take_snapshot(["a.jsonl"], tmp_path).files[0]
    read = read_lines(entry, 0, 1, limit=10, max_record_bytes=1024, max_depth=64)
    assert read.eof and read.offset == entry.size
    assert isinstance(read.lines[1], BadLine) and read.lines[1].line == 2


def test_the_depth_scan_skips_strings_and_stops_at_the_value_end() -> None:
    text = '{"a": "[[[[{{{{\\"]]", "b": [[1]]} {"next": 1}'
    assert scan_container(text, 0, 3) == text.index(" {")
    with pytest.raises(TooDeep):
        scan_container(text, 0, 2)
    assert scan_container('{"open": "unterminated', 0, 64) is None
    assert scan_container("[[[", 0, 64) is None
    assert scan_container("12", 0, 1) == 0


def test_top_level_strings_ignore_nested_keys() -> None:
    text = '{"inputs": [{"external_id": "other"}], "external_id": "mine", "kind": "asset"}'
    assert top_level_strings(text, frozenset({"external_id", "kind"})) == {
        "external_id": "mine",
        "kind": "asset",
    }


def test_pushed_event_bodies_too_deep_are_rejected_not_recursed(tmp_path: Path) -> None:
    from connectors.datahub.events import decode_event

    body = ("[" * 100_000 + "]" * 100_000).encode()
    assert decode_event(body) == [
        {"error": "event rejected: JSON nested deeper than 64 levels", "where": "event"}
    ]
    connector = _connector(tmp_path, ["*.jsonl"], allow_empty=True)
    (rejected,) = connector.transform(connector.decode(body))
    assert isinstance(rejected, Rejected) and rejected.reason == "JSON nested deeper than 64 levels"


def test_the_module_exports_what_it_declares() -> None:
    import doctest

    from connectors import files

    assert all(getattr(files, name, None) is not None for name in files.__all__)
    assert doctest.testmod(files).failed == 0


# --- adversarial review (issue #10 items 1-2): what slipped through --------------------------------------


def _ids(results: list[Any]) -> list[str]:
    return [r.external_id for r in results if not isinstance(r, Rejected)]


def test_a_byte_order_mark_does_not_cost_the_first_record(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + f"{_asset(1)}\r\n{_asset(2)}\r\n".encode())
    results = _drain(_connector(tmp_path, ["a.jsonl"]))
    assert _ids(results) == ["t1", "t2"] and len(results) == 2


def test_one_file_under_two_names_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    _write(tmp_path / "data" / "2024.jsonl", range(3))
    (tmp_path / "data" / "latest.jsonl").symlink_to(tmp_path / "data" / "2024.jsonl")
    os.link(tmp_path / "data" / "2024.jsonl", tmp_path / "hard.jsonl")
    snapshot = take_snapshot(["data/*.jsonl", "hard.jsonl", "data/../data/2024.jsonl"], tmp_path)
    assert [f.name for f in snapshot.files] == ["data/2024.jsonl"]
    results = _drain(_connector(tmp_path, ["data/*.jsonl"]))
    assert _ids(results) == ["t0", "t1", "t2"]


def test_a_base_folder_named_with_glob_characters_is_taken_literally(tmp_path: Path) -> None:
    base = tmp_path / "catalogs[prod]"
    base.mkdir()
    _write(base / "a.jsonl", range(2))
    assert [f.name for f in take_snapshot(["*.jsonl"], base).files] == ["a.jsonl"]


@pytest.mark.parametrize(("sep", "last"), [(b"\n", b"\n"), (b"\r\n", b"\r\n"), (b"\n", b"")])
def test_a_record_of_exactly_max_record_bytes_lands_whatever_its_line_ending(
    tmp_path: Path, sep: bytes, last: bytes
) -> None:
    limit = 1024
    base = _asset(1)
    record = base[:-1] + ', "description": "' + "x" * (limit - len(base) - 19) + '"}'
    assert len(record) == limit
    longer = _asset(2)[:-1] + ', "description": "' + "x" * (limit - len(base) - 18) + '"}'
    (tmp_path / "a.jsonl").write_bytes(longer.encode() + sep + record.encode() + last)
    results = _drain(_connector(tmp_path, ["a.jsonl"], max_record_bytes=limit))
    assert _ids(results) == ["t1"]
    (rejected,) = [r for r in results if isinstance(r, Rejected)]
    assert rejected.where == "a.jsonl:1" and f"longer than {limit} bytes" in rejected.reason
    assert rejected.external_id == "t2"


def test_an_unpaired_surrogate_escape_is_rejected_with_file_and_line(tmp_path: Path) -> None:
    bad = _asset(2)[:-1] + ', "attributes": {"note": "\\ud800"}}'
    paired = _asset(3)[:-1] + ', "description": "\\ud83d\\ude00"}'
    (tmp_path / "a.jsonl").write_text(f"{_asset(1)}\n{bad}\n{paired}\n")
    results = _drain(_connector(tmp_path, ["a.jsonl"]))
    assert _ids(results) == ["t1", "t3"]
    (rejected,) = [r for r in results if isinstance(r, Rejected)]
    assert (rejected.where, rejected.external_id) == ("a.jsonl:2", "t2")
    assert "not valid Unicode" in rejected.reason


@pytest.mark.timeout(20)
def test_a_fifo_put_in_place_of_a_file_fails_the_read_instead_of_hanging(tmp_path: Path) -> None:
    _write(tmp_path / "a.jsonl", range(3))
    entry = take_snapshot(["a.jsonl"], tmp_path).files[0]
    (tmp_path / "a.jsonl").unlink()
    os.mkfifo(tmp_path / "a.jsonl")
    with pytest.raises(SourceIncomplete, match=r"a\.jsonl: changed during the run: no longer a regular file"):
        read_lines(entry, 0, 1, limit=10, max_record_bytes=1 << 20, max_depth=64)


def test_a_pushed_item_with_invalid_utf8_is_rejected_not_mangled(tmp_path: Path) -> None:
    _write(tmp_path / "a.jsonl", range(1))
    connector = _connector(tmp_path, ["a.jsonl"])
    body = f'[{_asset(1)[:-1]}, "description": "cafX"}}, {_asset(2)}]'.encode().replace(b"cafX", b"caf\xff")
    records = connector.decode(body)
    json.dumps(records, ensure_ascii=False).encode()  # staged as UTF-8: must be encodable
    results = list(connector.transform(records))
    assert _ids(results) == ["t2"]
    (rejected,) = [r for r in results if isinstance(r, Rejected)]
    assert (rejected.where, rejected.external_id) == (
        "event:1",
        "t1",
    ) and "not valid Unicode" in rejected.reason


def test_a_directory_that_cannot_be_listed_fails_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for part in ("open", "locked"):
        (tmp_path / "data" / part).mkdir(parents=True)
        _write(tmp_path / "data" / part / "a.jsonl", range(2))
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # chmod 000 does not stop root: inject the EACCES it would give
        where = os.readlink(f"/proc/self/fd/{path}") if isinstance(path, int) else str(path)
        if where.rstrip("/").endswith("/locked"):
            raise PermissionError(13, "Permission denied", where)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(
        SourceIncomplete, match=r"data/locked: directory cannot be listed \(Permission denied\)"
    ):
        take_snapshot(["data/*/*.jsonl"], tmp_path)
    with pytest.raises(SourceIncomplete, match="data/locked: directory cannot be listed"):
        take_snapshot(["data/**/*.jsonl"], tmp_path)
    assert [f.name for f in take_snapshot(["data/open/*.jsonl", "data/locked/a.jsonl"], tmp_path).files] == [
        "data/locked/a.jsonl",
        "data/open/a.jsonl",
    ]  # a directory that is only passed through, not listed, is fine
