"""The streaming reader yields each record with byte offset, line and ordinal, and survives broken records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.datahub import reader
from connectors.datahub.reader import BrokenValue, FileValue, iter_values, read_value_at

from .conftest import EXAMPLES


def _records(n: int) -> list[dict[str, object]]:
    return [{"entityUrn": f"urn:li:tag:t{i}", "note": "é" * i} for i in range(n)]


def test_pretty_printed_array_as_the_file_sink_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(
        "[\n" + ",\n".join(json.dumps(r, indent=4) for r in _records(3)) + "\n]\n", encoding="utf-8"
    )
    found = list(iter_values(path))
    assert [f.value for f in found if isinstance(f, FileValue)] == _records(3)
    assert [(f.line, f.number) for f in found] == [(2, 1), (6, 2), (10, 3)]
    for f in found:
        assert isinstance(f, FileValue) and read_value_at(path, f.offset) == f.value


def test_json_lines_and_a_single_object(tmp_path: Path) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in _records(4)), encoding="utf-8")
    assert [f.line for f in iter_values(lines)] == [1, 2, 3, 4]
    single = tmp_path / "one.json"
    single.write_text(json.dumps(_records(1)[0]))
    assert [f.value for f in iter_values(single) if isinstance(f, FileValue)] == _records(1)


def test_records_larger_than_a_chunk_and_split_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "CHUNK", 7)
    path = tmp_path / "a.json"
    records = _records(12)
    path.write_text("[\n" + ",\n".join(json.dumps(r, indent=2) for r in records) + "\n]", encoding="utf-8")
    found = list(iter_values(path))
    assert [f.value for f in found if isinstance(f, FileValue)] == records
    assert all(isinstance(f, FileValue) and read_value_at(path, f.offset) == f.value for f in found)


def test_a_broken_record_is_reported_with_its_line_and_the_rest_is_read(tmp_path: Path) -> None:
    good = [json.dumps(r, indent=4) for r in _records(3)]
    broken = '{\n    "entityUrn": "urn:li:tag:x",\n    "oops": tru\n}'
    path = tmp_path / "a.json"
    path.write_text("[\n" + ",\n".join([good[0], broken, good[1], good[2]]) + "\n]\n", encoding="utf-8")
    found = list(iter_values(path))
    assert [type(f).__name__ for f in found] == ["FileValue", "BrokenValue", "FileValue", "FileValue"]
    bad = found[1]
    assert isinstance(bad, BrokenValue) and bad.line == 6 and bad.number == 2
    assert "invalid JSON" in bad.reason and "line 8" in bad.reason
    assert [f.number for f in found] == [1, 2, 3, 4]


def test_a_broken_json_line(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n', encoding="utf-8")
    found = list(iter_values(path))
    assert [(type(f).__name__, f.line) for f in found] == [
        ("FileValue", 1),
        ("BrokenValue", 2),
        ("FileValue", 3),
    ]


def test_the_generated_example_files_stream_completely() -> None:
    for path in sorted(EXAMPLES.glob("*.json")):
        streamed = [f.value for f in iter_values(path) if isinstance(f, FileValue)]
        assert streamed == json.loads(path.read_text(encoding="utf-8")), path.name
