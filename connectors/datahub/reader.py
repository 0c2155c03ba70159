"""Stream the JSON values of a DataHub metadata file without loading it whole.

A file is a JSON array of records (what DataHub's ``file`` sink writes, usually pretty-printed across many
lines), JSON lines (one record per line), or a single record. ``iter_values`` yields each top-level record
with its byte offset, its line and its ordinal, or a ``BrokenValue`` when a record is not valid JSON; after
a broken record the reader resynchronises at the next line that starts a record at the same indentation, so
the rest of the file still lands.

The file is read in chunks; a record larger than a chunk grows the buffer until it parses (a record is
only declared broken once the whole line holding the error is buffered, because JSON strings cannot hold
raw newlines, or at the end of the file).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

__all__ = ["BrokenValue", "FileValue", "iter_values", "read_value_at"]

CHUNK = 1 << 20
"""Bytes read at a time."""
MAX_RECORD = 64 << 20
"""A single record larger than this is reported as broken instead of growing the buffer further."""

_WS = re.compile(r"[\s,\ufeff]*")
_DECODER = json.JSONDecoder()


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

    def __init__(self, handle: BinaryIO, offset: int, line: int) -> None:
        self.handle = handle
        self.text = ""
        self.pos = 0
        self.base_offset = offset
        self.base_line = line
        self.eof = False
        self._pending = b""

    def fill(self) -> bool:
        """Read one more chunk; False at end of file."""
        if self.eof:
            return False
        data = self.handle.read(CHUNK)
        if not data:
            self.eof = True
            if self._pending:
                self.text += self._pending.decode("utf-8", errors="replace")
                self._pending = b""
            return False
        data = self._pending + data
        cut = len(data)
        while cut > 0 and cut > len(data) - 4 and (data[cut - 1] & 0xC0) == 0x80:
            cut -= 1
        if cut > 0 and data[cut - 1] >= 0xC0:
            cut -= 1
        self._pending = data[cut:]
        self.text += data[:cut].decode("utf-8", errors="replace")
        return True

    def advance(self, to: int) -> None:
        """Consume text up to position ``to`` (dropping it from memory, keeping offsets exact)."""
        consumed = self.text[:to]
        self.base_offset += len(consumed.encode("utf-8"))
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
    path: Path, *, offset: int = 0, line: int = 1, number: int = 0
) -> Iterator[FileValue | BrokenValue]:
    """Yield the records of ``path`` from byte ``offset`` (at ``line``; ``number`` records already read)."""
    with path.open("rb") as handle:
        handle.seek(offset)
        buffer = _Buffer(handle, offset, line)
        buffer.fill()
        if offset == 0:
            buffer.skip_separators()
            if buffer.text[buffer.pos : buffer.pos + 1] == "[":
                buffer.pos += 1
        indent: int | None = None
        while True:
            buffer.skip_separators()
            if buffer.pos >= len(buffer.text) or buffer.text[buffer.pos] == "]":
                return
            buffer.advance(buffer.pos)
            number += 1
            here_offset, here_line = buffer.base_offset, buffer.base_line
            if indent is None:
                indent = _indent_of(buffer)
            result = _decode_one(buffer)
            if isinstance(result, str):
                yield BrokenValue(result, here_offset, here_line, number)
                _resync(buffer, indent)
            else:
                yield FileValue(result[0], here_offset, here_line, number)
                buffer.pos = result[1]


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


def _decode_one(buffer: _Buffer) -> tuple[Any, int] | str:
    """Decode the record at the buffer position: (value, end) or the error message."""
    while True:
        try:
            return _DECODER.raw_decode(buffer.text, buffer.pos)
        except json.JSONDecodeError as exc:
            line_complete = "\n" in buffer.text[exc.pos :]
            if buffer.eof or (line_complete and exc.pos < len(buffer.text)):
                return f"invalid JSON: {exc.msg} (line {buffer.base_line + exc.lineno - 1})"
            if len(buffer.text) - buffer.pos > MAX_RECORD:
                return f"record larger than {MAX_RECORD} bytes"
            buffer.fill()


def _resync(buffer: _Buffer, indent: int) -> None:
    """Move to the next line that starts a record at ``indent`` columns (or to the end of the data)."""
    pattern = re.compile(r"\n" + " " * indent + r"[{\[]")
    pos = buffer.pos + 1
    while True:
        found = pattern.search(buffer.text, pos)
        if found is not None:
            buffer.pos = found.start() + 1 + indent
            return
        pos = max(buffer.pos + 1, len(buffer.text) - indent - 2)
        if not buffer.fill():
            buffer.pos = len(buffer.text)
            return
