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

import functools
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
    top_level_strings,
    unencodable,
)
from connectors.files import scan_container as _scan

__all__ = ["BrokenValue", "FileValue", "iter_values"]

CHUNK = 1 << 20
"""Bytes read at a time."""

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
class _Skip:
    """A record whose extent is known but which cannot be used: skip exactly to ``end``."""

    reason: str
    end: int


@dataclass(frozen=True)
class BrokenValue:
    """A record that is not valid JSON: where it starts, the parser's complaint, and the entity it names
    when its ``entityUrn`` (or an MCE snapshot's ``urn``) can still be read from its text, so that entity is
    rejected whole instead of landing without the broken aspect."""

    reason: str
    offset: int
    line: int
    number: int
    urn: str | None = None


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
    max_record: int = MAX_RECORD_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Iterator[FileValue | BrokenValue]:
    """Yield the records of ``source`` from byte ``offset`` (at ``line``; ``number`` records already read).

    A ``SnapshotFile`` is opened checked against its snapshot and read up to its snapshot size only.
    """
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
            if indent is None:  # measured before advancing, while the text before the record is still held
                indent = _indent_of(buffer)
            buffer.advance(buffer.pos)
            number += 1
            here_offset, here_line = buffer.base_offset, buffer.base_line
            result = _decode_one(buffer, max_record, max_depth, indent)
            if isinstance(result, _Skip):
                urn = _broken_urn(buffer.text[buffer.pos : min(result.end, buffer.pos + _NAME_LIMIT)])
                yield BrokenValue(result.reason, here_offset, here_line, number, urn)
                buffer.pos = result.end
            elif isinstance(result, str):
                urn = _broken_urn(buffer.text[buffer.pos : _next_record(buffer, indent)])
                yield BrokenValue(result, here_offset, here_line, number, urn)
                skipped_records = _resync(buffer, indent)
                if buffer.eof and buffer.pos >= len(buffer.text):
                    if skipped_records:  # a single-line array: what followed the broken record is unknown
                        raise SourceIncomplete(
                            f"{name}: cannot find where record {number} (line {here_line}) ends, so the "
                            "records after it cannot be read; fix the file or write one record per line"
                        )
                    if offset == 0 and not array:
                        _check_not_cut(buffer, name, array=False, record=number, line=here_line)
            else:
                yield FileValue(result[0], here_offset, here_line, number)
                buffer.pos = result[1]
        if offset == 0 and array:
            _check_not_cut(buffer, name, array=True, record=number, line=buffer.base_line)


def _check_not_cut(buffer: _Buffer, name: str, *, array: bool, record: int, line: int) -> None:
    """At a file's end: an array must end with ``]``, JSON lines whose last record is broken with a newline;
    otherwise the file was cut short (a partial read, not a bad record)."""
    while True:  # only the last bytes matter: drop what was read
        buffer.advance(len(buffer.text))
        if not buffer.fill():
            break
    if array and buffer.last_visible != b"]":
        raise SourceIncomplete(f"{name}: the JSON array is cut short (no closing ']' after record {record})")
    if not array and buffer.last_byte != b"\n":
        raise SourceIncomplete(f"{name}: cut short inside record {record} (line {line}): no final newline")


def _indent_of(buffer: _Buffer) -> int:
    """Columns before the first record on its line (0 when the record follows '[' on the same line)."""
    start = buffer.text.rfind("\n", 0, buffer.pos) + 1
    return buffer.pos - start if buffer.text[start : buffer.pos].strip() == "" else 0


def _decode_one(
    buffer: _Buffer, max_record: int, max_depth: int, indent: int
) -> tuple[Any, int] | _Skip | str:
    """Decode the record at the buffer position: (value, end), a record to skip exactly, or the error message
    of a record whose end is unknown (the reader resynchronises)."""
    fast = _decode_small(buffer, max_record, max_depth, indent)
    if fast is not None:
        return fast
    while True:
        try:
            _scan(buffer.text, buffer.pos, max_depth)  # bounds the parser's recursion below
        except TooDeep as exc:
            return _skip_container(buffer, str(exc), max_record)
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
        return _checked(buffer, value, end, max_record)


def _checked(buffer: _Buffer, value: Any, end: int, max_record: int) -> tuple[Any, int] | _Skip:
    if end - buffer.pos > max_record:
        return _Skip(f"record larger than {max_record} bytes; skipped", end)
    bad = _INVALID_UTF8.search(buffer.text, buffer.pos, end)
    if bad is not None:
        line = buffer.base_line + buffer.text.count("\n", 0, bad.start())
        return _Skip(f"not valid UTF-8 (line {line})", end)
    reason = unencodable(value, buffer.text[buffer.pos : end])  # e.g. "\ud800": staging could not write it
    if reason is not None:
        return _Skip(reason, end)
    return value, end


def _skip_container(buffer: _Buffer, reason: str, max_record: int) -> _Skip | str:
    """Find the end of a too-deep record by an unbounded bracket scan (no recursion), so exactly it is
    skipped; beyond ``max_record`` characters, fall back to resynchronising."""
    while True:
        end = _scan(buffer.text, buffer.pos, 1 << 62)
        if end is not None:
            return _Skip(reason, end)
        if len(buffer.text) - buffer.pos > max_record or not buffer.fill():
            return reason


def _decode_small(
    buffer: _Buffer, max_record: int, max_depth: int, indent: int
) -> tuple[Any, int] | _Skip | None:
    """The common case cheaply: guess where the record ends (the end of the next line at the record's
    indentation: its closing bracket, or the next JSON line) and, when that window holds no more than
    ``max_depth`` opening brackets, parse the record from it alone — the parser cannot recurse deeper, so no
    bracket scan is needed. ``None``: take the careful path."""
    start, text = buffer.pos, buffer.text
    if text[start : start + 1] not in ("{", "["):
        return None
    line = _line_at(indent).search(text, start + 1, start + _GUESS)
    newline = text.find("\n", line.end()) if line is not None else -1
    if newline < 0:
        return None
    window = text[start : newline + 1]
    if window.count("{") + window.count("[") > max_depth:
        return None
    try:
        value, end = _DECODER.raw_decode(window)
    except json.JSONDecodeError:
        return None
    return _checked(buffer, value, start + end, max_record)


_GUESS = 1 << 16
"""Characters searched for the end of a record on the fast path (larger records take the careful one)."""


@functools.lru_cache(maxsize=16)
def _line_at(indent: int) -> re.Pattern[str]:
    """A line that starts with a non-blank character at column ``indent``."""
    return re.compile("\n" + " " * indent + r"\S")


_RECORD_START = re.compile(r",\s*\{")
"""A comma before an object: in one-line data skipped to the end, another record may have started there."""


def _resync(buffer: _Buffer, indent: int) -> bool:
    """Move to the next line that starts a record at ``indent`` columns (or to the end of the data).

    Returns whether, having reached the end, the skipped text may have held further records."""
    pattern = _line_record(indent)
    pos = buffer.pos + 1
    maybe_records = False
    while True:
        found = pattern.search(buffer.text, pos)
        if found is not None:
            buffer.pos = found.start() + 1 + indent
            return False
        keep = max(buffer.pos + 1, len(buffer.text) - indent - 2)
        maybe_records = maybe_records or _single_line_records(buffer.text, buffer.pos + 1, keep)
        buffer.advance(keep)  # drop what was searched: skipping a huge record holds one chunk, not the record
        pos = 0
        if not buffer.fill():
            maybe_records = maybe_records or _single_line_records(buffer.text, 0, len(buffer.text))
            buffer.pos = len(buffer.text)
            return maybe_records


_NAME_LIMIT = 1 << 16
"""Characters of a broken record searched for its URN (DataHub writes the URN among the first keys)."""
_MCE_URN = re.compile(r'^\{\s*"proposedSnapshot"\s*:\s*\{\s*"[^"\\]+"\s*:\s*\{\s*"urn"\s*:\s*"([^"\\]+)"')


def _broken_urn(text: str) -> str | None:
    """The URN a broken record names: an MCP's top-level ``entityUrn``, or the ``urn`` an MCE snapshot
    opens with; ``None`` when it cannot be read (the record then stays an error naming no entity)."""
    text = text[:_NAME_LIMIT]
    urn = top_level_strings(text, frozenset({"entityUrn"}), limit=_NAME_LIMIT).get("entityUrn")
    if urn is None:
        found = _MCE_URN.match(text)
        urn = found.group(1) if found else None
    if urn is None or not urn.startswith("urn:li:"):
        return None
    try:
        urn.encode("utf-8")  # an undecodable byte or a lone surrogate: not a name to key sync state on
    except UnicodeEncodeError:
        return None
    return urn


def _next_record(buffer: _Buffer, indent: int) -> int:
    """Where a broken record's own text surely ends: before the next line starting a record at ``indent``
    columns and before the first ``, {`` (where, in one-line data, the next record may start; inside the
    record it only cuts the search short), so a broken record is never named after the one that follows it."""
    end = min(len(buffer.text), buffer.pos + _NAME_LIMIT)
    for pattern in (_line_record(indent), _RECORD_START):
        found = pattern.search(buffer.text, buffer.pos + 1, end)
        if found is not None:
            end = found.start()
    return end


@functools.lru_cache(maxsize=16)
def _line_record(indent: int) -> re.Pattern[str]:
    """A line that starts a record (an object or array) at column ``indent``."""
    return re.compile(r"\n" + " " * indent + r"[{\[]")


def _single_line_records(text: str, start: int, end: int) -> bool:
    """Whether skipped text without line breaks (a one-line array) may hold the start of another record;
    multi-line files resynchronise on lines, so only one-line data is in doubt."""
    return "\n" not in text[start:end] and _RECORD_START.search(text, start, end) is not None
