"""The streaming reader yields each record with byte offset, line and ordinal, and survives broken records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connectors.datahub import reader
from connectors.datahub.reader import BrokenValue, FileValue, iter_values
from connectors.files import SourceIncomplete

from .conftest import EXAMPLES


def read_value_at(path: Path, offset: int) -> Any:
    """The record a reader started at ``offset`` finds first: offsets must point at record starts."""
    found = next(iter_values(path, offset=offset))
    assert isinstance(found, FileValue), found
    return found.value


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


def _array(records: list[str]) -> str:
    return "[\n" + ",\n".join(records) + "\n]\n"


def test_undecodable_records_are_broken_alone_and_the_rest_is_read(tmp_path: Path) -> None:
    """Old bug: a 100,000-deep record raised RecursionError and failed the whole DataHub run."""
    good = [json.dumps(r, indent=4) for r in _records(4)]
    deep = '{\n    "entityUrn": "urn:li:tag:deep",\n    "aspect": ' + "[" * 100_000 + "]" * 100_000 + "\n}"
    latin1 = '{\n    "entityUrn": "urn:li:tag:caf\xe9"\n}'
    huge = '{\n    "entityUrn": "urn:li:tag:huge",\n    "note": "' + "x" * 5000 + '"\n}'
    path = tmp_path / "a.json"
    text = _array([good[0], deep, good[1], latin1, good[2], huge, good[3]])
    path.write_bytes(text.encode("utf-8").replace("caf\xe9".encode(), b"caf\xe9"))
    found = list(iter_values(path, max_record=4096))
    assert [f.value for f in found if isinstance(f, FileValue)] == _records(4)
    broken = [(f.number, f.line, f.reason) for f in found if isinstance(f, BrokenValue)]
    assert broken == [
        (2, 6, "JSON nested deeper than 64 levels"),
        (4, 14, "not valid UTF-8 (line 15)"),
        (6, 21, "record larger than 4096 bytes; skipped"),
    ]
    assert all(read_value_at(path, f.offset) == f.value for f in found if isinstance(f, FileValue))


def test_a_huge_record_is_skipped_without_holding_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "CHUNK", 1024)
    lines = [json.dumps(r) for r in _records(2)]
    path = tmp_path / "a.jsonl"
    path.write_text(lines[0] + "\n" + '{"note": "' + "x" * 200_000 + '"}\n' + lines[1] + "\n")
    biggest = 0
    original = reader._Buffer.fill

    def watched(self: reader._Buffer) -> bool:
        nonlocal biggest
        biggest = max(biggest, len(self.text))
        return original(self)

    monkeypatch.setattr(reader._Buffer, "fill", watched)
    found = list(iter_values(path, max_record=8192))
    assert [type(f).__name__ for f in found] == ["FileValue", "BrokenValue", "FileValue"]
    assert biggest < 8192 + 3 * 1024, biggest


def test_an_array_cut_short_fails_the_read_naming_the_file(tmp_path: Path) -> None:
    text = _array([json.dumps(r, indent=4) for r in _records(5)])
    path = tmp_path / "cut.json"
    for cut in (len(text) // 2, text.rindex("}") + 1, text.rindex("]")):
        path.write_text(text[:cut])
        with pytest.raises(SourceIncomplete, match=r"cut\.json: the JSON array is cut short"):
            list(iter_values(path))


def test_json_lines_cut_inside_the_last_record_fail_but_a_broken_line_does_not(tmp_path: Path) -> None:
    lines = "".join(json.dumps(r) + "\n" for r in _records(3))
    path = tmp_path / "cut.jsonl"
    path.write_text(lines[:-10])
    with pytest.raises(SourceIncomplete, match=r"cut\.jsonl: cut short inside record 3"):
        list(iter_values(path))
    path.write_text(lines + '{"broken": tru\n')
    assert [type(f).__name__ for f in iter_values(path)] == ["FileValue"] * 3 + ["BrokenValue"]


def test_records_indented_in_the_array_resynchronise_after_a_broken_one(tmp_path: Path) -> None:
    records = [json.dumps(r) for r in _records(3)]
    text = json.dumps(_records(3), indent=4)  # records at column 4, as json.dump(list, indent=4) writes
    broken = text.replace('"urn:li:tag:t1",', '"urn:li:tag:t1" oops', 1)
    path = tmp_path / "a.json"
    path.write_text(broken)
    found = list(iter_values(path))
    assert [type(f).__name__ for f in found] == ["FileValue", "BrokenValue", "FileValue"]
    assert [f.value for f in found if isinstance(f, FileValue)] == [
        json.loads(records[0]),
        json.loads(records[2]),
    ]


def test_a_deep_record_in_a_one_line_array_is_skipped_exactly(tmp_path: Path) -> None:
    deep = '{"entityUrn": "urn:li:tag:deep", "v": ' + "[" * 5000 + "]" * 5000 + "}"
    records = [json.dumps(r) for r in _records(3)]
    path = tmp_path / "a.json"
    path.write_text("[" + ", ".join([records[0], deep, records[1], records[2]]) + "]")
    found = list(iter_values(path))
    assert [type(f).__name__ for f in found] == ["FileValue", "BrokenValue", "FileValue", "FileValue"]


def test_invalid_json_in_a_one_line_array_fails_rather_than_lose_the_rest(tmp_path: Path) -> None:
    records = [json.dumps(r) for r in _records(3)]
    path = tmp_path / "one-line.json"
    path.write_text("[" + ", ".join([records[0], '{"entityUrn": tru}', records[1], records[2]]) + "]\n")
    with pytest.raises(SourceIncomplete, match=r"one-line\.json: cannot find where record 2 \(line 1\) ends"):
        list(iter_values(path))
