"""Stream the JSON values of a DataHub metadata file without loading it whole.

A file is a JSON array of records (what DataHub's ``file`` sink writes, usually pretty-printed across many
lines), JSON lines (one record per line), or a single record. ``iter_values`` yields each top-level record
with its byte offset, its line and its ordinal, or a ``BrokenValue`` when a record is not valid JSON; after
a broken record the reader resynchronises at the next line that starts a record at the same indentation, so
the rest of the file still lands.

The file is read in chunks; a record larger than a chunk grows the buffer until it parses (a record is
only declared broken once the whole line holding the error is buffered, because JSON strings cannot hold
raw newlines, or at the end of the file).

Record-level faults are ``BrokenValue``s and the rest of the file still lands: invalid JSON, invalid UTF-8
inside the record, a record larger than ``max_record`` bytes (skipped in bounded memory), nesting deeper than
``max_depth`` (found by a bracket scan before the parser could recurse). A file cut short — an array without
its closing ``]``, or a last JSON line cut before its newline — is not a record fault but a partial read:
``SourceIncomplete`` naming the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from connectors.files import (
    MAX_DEPTH,
    MAX_RECORD_BYTES,
    SnapshotFile,
    SourceIncomplete,
    TooDeep,
    open_checked,
)
from connectors.files import scan_container as _scan

__all__ = ["BrokenValue", "FileValue", "iter_values", "read_value_at"]

CHUNK = 1 << 20
"""Bytes read at a time."""
MAX_RECORD = MAX_RECORD_BYTES
"""A single record larger than this is reported as broken instead of growing the buffer further."""

_WS = re.compile(r"[\s,\ufeff]*")
_DECODER = json.JSONDecoder()
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")
"""Undecodable bytes, as ``surrogateescape`` keeps them (so byte offsets stay exact)."""


@dataclass(frozen=True)
class FileValue:
    """One top-level record: its value, where it starts (byte offset, 1-based line), its 1-based ordinal."""

    value: Any
    offset: int
    line: int
    number: int


@dataclass(frozen=True)
class BrokenValue:
    """A record that is not valid JSON: where it starts and the parser's complaint."""

    reason: str
    offset: int
    line: int
    number: int


class _Buffer:
    """Text decoded from a binary stream, with the byte offset and line number of its first character."""

    def __init__(self, handle: BinaryIO, offset: int, line: int, size: int | None = None) -> None:
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.base_offset = offset
        self.base_line = line
        self.eof = False
        self._pending = b""
        self._left = None if size is None else max(0, size - offset)
        self.last_byte = b""
        self.last_visible = b""
        """The file's last byte and last non-blank byte read (to tell a file cut short)."""

    def fill(self) -> bool:
        """Read one more chunk (never past the snapshot's size); False at end of file."""
        if self.eof:
            return False
        want = CHUNK if self._left is None else min(CHUNK, self._left)
        data = self.handle.read(want) if want else b""
        if self._left is not None:
            self._left -= len(data)
        if data:
            self.last_byte = data[-1:]
            visible = data.rstrip()
            if visible:
                self.last_visible = visible[-1:]
        if not data:
            self.eof = True
            if self._pending:
                self.text += self._pending.decode("utf-8", errors="surrogateescape")
                self._pending = b""
            return False
        data = self._pending + data
        cut = len(data)
        while cut > 0 and cut > len(data) - 4 and (data[cut - 1] & 0xC0) == 0x80:
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:
            cut -= 1
        self._pending = data[cut:]
        self.text += data[:cut].decode("utf-8", errors="surrogateescape")
        return True

    def advance(self, to: int) -> None:
        """Consume text up to position ``to`` (dropping it from memory, keeping offsets exact)."""
        consumed = self.text[:to]
        self.base_offset += len(consumed.encode("utf-8", errors="surrogateescape"))
        self.base_line += consumed.count("\n")
        self.text = self.text[to:]
        self.pos = 0

    def skip_separators(self) -> None:
        while True:
            end = _WS.match(self.text, self.pos)
            self.pos = end.end() if end else self.pos
            if self.pos < len(self.text) or not self.fill():
                return


def iter_values(
    source: Path | SnapshotFile,
    *,
    offset: int = 0,
    line: int = 1,
    number: int = 0,
    max_record: int | None = None,
    max_depth: int = MAX_DEPTH,
) -> Iterator[FileValue | BrokenValue]:
    """Yield the records of ``source`` from byte ``offset`` (at ``line``; ``number`` records already read).

    A ``SnapshotFile`` is opened checked against its snapshot and read up to its snapshot size only.
    """
    limit = MAX_RECORD if max_record is None else max_record
    if isinstance(source, SnapshotFile):
        handle, size, name = open_checked(source), source.size, source.name
    else:
        handle, size, name = source.open("rb"), None, source.name
    with handle:
        handle.seek(offset)
        buffer = _Buffer(handle, offset, line, size)
        buffer.fill()
        array = False
        if offset == 0:
            buffer.skip_separators()
            if buffer.text[buffer.pos : buffer.pos + 1] == "[":
                buffer.pos += 1
                array = True
        indent: int | None = None
        while True:
            buffer.skip_separators()
            if buffer.pos >= len(buffer.text) or buffer.text[buffer.pos] == "]":
                break
            buffer.advance(buffer.pos)
            number += 1
            here_offset, here_line = buffer.base_offset, buffer.base_line
            if indent is None:
                indent = _indent_of(buffer)
            result = _decode_one(buffer, limit, max_depth)
            if isinstance(result, str):
                yield BrokenValue(result, here_offset, here_line, number)
                _resync(buffer, indent)
                if offset == 0 and buffer.eof and buffer.pos >= len(buffer.text) and not array:
                    _check_not_cut(buffer, name, array=False, record=number, line=here_line)
            else:
                yield FileValue(result[0], here_offset, here_line, number)
                buffer.pos = result[1]
        if offset == 0 and array:
            _check_not_cut(buffer, name, array=True, record=number, line=buffer.base_line)


def _check_not_cut(buffer: _Buffer, name: str, *, array: bool, record: int, line: int) -> None:
    """At a file's end: an array must end with ``]``, JSON lines whose last record is broken with a newline;
    otherwise the file was cut short (a partial read, not a bad record)."""
    while buffer.fill():
        pass
    if array and buffer.last_visible != b"]":
        raise SourceIncomplete(f"{name}: the JSON array is cut short (no closing ']' after record {record})")
    if not array and buffer.last_byte != b"\n":
        raise SourceIncomplete(f"{name}: cut short inside record {record} (line {line}): no final newline")


def read_value_at(path: Path, offset: int) -> Any:
    """The record starting at byte ``offset`` (an offset ``iter_values`` reported)."""
    for found in iter_values(path, offset=offset, number=0):
        if isinstance(found, BrokenValue):
            raise ValueError(found.reason)
        return found.value
    raise ValueError(f"no record at byte {offset}")


def _indent_of(buffer: _Buffer) -> int:
    """Columns before the first record on its line (0 when the record follows '[' on the same line)."""
    start = buffer.text.rfind("\n", 0, buffer.pos) + 1
    return buffer.pos - start if buffer.text[start : buffer.pos].strip() == "" else 0


def _decode_one(buffer: _Buffer, max_record: int, max_depth: int) -> tuple[Any, int] | str:
    """Decode the record at the buffer position: (value, end) or the error message."""
    while True:
        try:
            _scan(buffer.text, buffer.pos, max_depth)  # bounds the parser's recursion below
        except TooDeep as exc:
            return str(exc)
        try:
            value, end = _DECODER.raw_decode(buffer.text, buffer.pos)
        except json.JSONDecodeError as exc:
            line_complete = "\n" in buffer.text[exc.pos :]
            if buffer.eof or (line_complete and exc.pos < len(buffer.text)):
                return f"invalid JSON: {exc.msg} (line {buffer.base_line + exc.lineno - 1})"
            if len(buffer.text) - buffer.pos > max_record:
                return f"record larger than {max_record} bytes; skipped"
            buffer.fill()
            continue
        if end - buffer.pos > max_record:
            return f"record larger than {max_record} bytes; skipped"
        bad = _INVALID_UTF8.search(buffer.text, buffer.pos, end)
        if bad is not None:
            line = buffer.base_line + buffer.text.count("\n", 0, bad.start())
            return f"not valid UTF-8 (line {line})"
        return value, end


def _resync(buffer: _Buffer, indent: int) -> None:
    """Move to the next line that starts a record at ``indent`` columns (or to the end of the data)."""
    pattern = re.compile(r"\n" + " " * indent + r"[{\[]")
    pos = buffer.pos + 1
    while True:
        found = pattern.search(buffer.text, pos)
        if found is not None:
            buffer.pos = found.start() + 1 + indent
            return
        keep = max(buffer.pos + 1, len(buffer.text) - indent - 2)
        buffer.advance(keep)  # drop what was searched: skipping a huge record holds one chunk, not the record
        pos = 0
        if not buffer.fill():
            buffer.pos = len(buffer.text)
            return
