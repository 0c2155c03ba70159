"""The file source shared by file-based connectors: a run reads its files *whole* or fails, and a record it
cannot decode is rejected alone.

- ``FileSourceConfig`` holds the settings every file connector shares (``files``, ``allow_empty``, limits);
  ``file_set(config, base_dir, staged)`` is the one place a connector gets its run's files from.
- ``take_snapshot`` resolves the configured paths/globs once, at the run's start: each file's path, size,
  mtime_ns and identity (device, inode). A pattern matching nothing, a missing path, a dangling symlink, a
  directory or other non-regular file, an unreadable file → ``SourceIncomplete`` naming it (``allow_empty``
  accepts a pattern with no match / an empty set). Every page of the run reads from that snapshot.
- ``check_unchanged`` / ``open_checked`` compare a file with its snapshot entry before and after reading:
  removed, replaced, truncated or grown during the run → ``SourceIncomplete`` ("changed during the run: ...").
- ``read_lines`` reads JSON lines from a byte offset (seek: paging is linear), decoding each line alone:
  invalid UTF-8, a line longer than ``max_record_bytes`` (skipped without being held in memory) or JSON nested
  deeper than ``max_depth`` (checked by a bracket scan *before* any parser recurses) becomes a ``BadLine``.
- ``FilePosition`` is the cursor: the file's index in the snapshot, its path (identity), a byte offset and the
  line number there — it can never drift onto another file.
"""

from __future__ import annotations

import glob
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import Field, field_validator

from connectors.base import ConnectorConfig
from connectors.registry import ConnectorError

__all__ = [
    "MAX_DEPTH",
    "MAX_RECORD_BYTES",
    "NOT_UNICODE",
    "BadLine",
    "FilePosition",
    "FileSourceConfig",
    "Line",
    "LinesRead",
    "Snapshot",
    "SnapshotFile",
    "SourceIncomplete",
    "TooDeep",
    "check_unchanged",
    "decode_line",
    "file_set",
    "loads_bounded",
    "open_checked",
    "read_lines",
    "scan_container",
    "take_snapshot",
    "top_level_strings",
    "unencodable",
]

MAX_RECORD_BYTES = 8 << 20
"""Default longest record (line) accepted: 8 MiB; longer ones are rejected alone."""
MAX_DEPTH = 64
"""Default deepest JSON nesting accepted; deeper records are rejected alone (no parser recursion risk)."""
_SKIP_CHUNK = 1 << 20


class SourceIncomplete(ConnectorError):
    """The source cannot be read whole (missing, unreadable, non-regular or changed file, no match): the run
    fails rather than look like a source where objects were deleted."""


class TooDeep(ValueError):
    """JSON nested deeper than allowed."""


class FileSourceConfig(ConnectorConfig):
    """Settings every file-based connector shares (its ``source:`` model extends this one).

    A connector that needs files redeclares ``files`` as required (``Field(min_length=1)``).
    """

    files: list[str] = Field(default_factory=list, description="Paths or glob patterns of the source files.")
    allow_empty: bool = Field(
        default=False,
        description="Accept a pattern that matches no file and an empty file set (otherwise the run fails).",
    )
    max_record_bytes: int = Field(
        default=MAX_RECORD_BYTES,
        ge=1024,
        le=1 << 30,
        description="Longest record (line) accepted, in bytes; a longer one is rejected alone.",
    )
    max_depth: int = Field(
        default=MAX_DEPTH,
        ge=2,
        le=500,
        description="Deepest JSON nesting accepted; deeper records are rejected.",
    )

    @field_validator("files")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not pattern.strip() for pattern in value):
            raise ValueError("patterns must not be blank")
        return value


@dataclass(frozen=True)
class SnapshotFile:
    """One file as the run found it: ``name`` is what locators show (relative to the base folder)."""

    path: str
    name: str
    size: int
    mtime_ns: int
    dev: int
    ino: int


@dataclass(frozen=True)
class Snapshot:
    """The file set of one run, sorted by path; JSON-serialisable (it is staged once per run)."""

    files: tuple[SnapshotFile, ...]

    def to_json(self) -> dict[str, Any]:
        return {"files": [asdict(f) for f in self.files]}

    @classmethod
    def from_json(cls, value: Any) -> Snapshot:
        try:
            return cls(files=tuple(SnapshotFile(**f) for f in value["files"]))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid file snapshot: {exc}") from exc

    def check_unchanged(self) -> None:
        """Raise ``SourceIncomplete`` unless every file is still the snapshotted one."""
        for entry in self.files:
            check_unchanged(entry)


def file_set(config: FileSourceConfig, base_dir: Path, staged: dict[str, Any] | None = None) -> Snapshot:
    """The run's files: its ``staged`` snapshot (JSON), or, when none is given (the snapshot step itself,
    ad hoc reads), ``config.files`` resolved now."""
    if staged is not None:
        return Snapshot.from_json(staged)
    return take_snapshot(config.files, base_dir, allow_empty=config.allow_empty)


def _display(path: Path, base_dir: Path) -> str:
    try:
        return str(path.relative_to(base_dir))
    except ValueError:
        return str(path)


def _entry(path: Path, base_dir: Path, origin: str) -> SnapshotFile:
    """Stat and probe one file expected to be a readable regular file."""
    name = _display(path, base_dir)
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise SourceIncomplete(f"{name}: dangling symlink (from {origin!r})") from None
        raise SourceIncomplete(f"{name}: file is missing (listed in {origin!r})") from None
    except OSError as exc:
        raise SourceIncomplete(f"{name}: cannot be read: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):
        what = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise SourceIncomplete(f"{name}: is {what}, expected a file (from {origin!r})")
    try:
        with _open(str(path)) as handle:
            handle.read(1)
    except OSError as exc:
        raise SourceIncomplete(f"{name}: cannot be read: {exc.strerror}") from exc
    return SnapshotFile(str(path), name, info.st_size, info.st_mtime_ns, info.st_dev, info.st_ino)


def take_snapshot(patterns: Sequence[str], base_dir: Path, *, allow_empty: bool = False) -> Snapshot:
    """Resolve ``patterns`` (relative to ``base_dir``) into the run's file set, or fail naming the culprit."""
    found: dict[str, SnapshotFile] = {}
    for pattern in patterns:
        absolute = Path(pattern).is_absolute()
        full = pattern if absolute else str(base_dir / pattern)
        if glob.has_magic(pattern):  # base_dir is not a pattern: '[', '*' in its name stay literal
            root = None if absolute else base_dir
            _check_listable(pattern, root)
            found_here = glob.glob(pattern, recursive=True, root_dir=root)
            matches = sorted(m if absolute else str(base_dir / m) for m in found_here)
            if not matches and not allow_empty:
                raise SourceIncomplete(
                    f"pattern {pattern!r} matches no file (in {base_dir}); "
                    "set allow_empty: true if that is expected"
                )
        else:
            matches = [full]
        for match in matches:
            if match not in found:
                found[match] = _entry(Path(match), base_dir, pattern)
    if not found and not allow_empty:
        raise SourceIncomplete(f"no file matches {', '.join(patterns)} (in {base_dir})")
    unique: dict[tuple[int, int], SnapshotFile] = {}
    for entry in found.values():  # one file under two names (symlink, hard link, two patterns) is read
        unique.setdefault((entry.dev, entry.ino), entry)  # once, under the first name the patterns give
    return Snapshot(files=tuple(sorted(unique.values(), key=lambda f: f.path)))


def _check_listable(pattern: str, root: Path | None) -> None:
    """Fail naming a directory the pattern must list but cannot: ``glob`` would silently skip it, and the
    files under it would look deleted. Lists what glob lists: every directory before a wildcard segment
    (and, for ``**``, every directory below)."""
    parts = Path(pattern).parts
    for n, part in enumerate(parts):
        if not glob.has_magic(part):
            continue
        prefix = os.path.join(*parts[:n]) if n else ""
        below = os.path.join(prefix, "**", "") if part == "**" else prefix
        dirs = glob.glob(below, recursive=True, root_dir=root) if glob.has_magic(below) else [below]
        for folder in dirs:
            try:
                with os.scandir(os.path.join(root, folder) if root is not None else folder or "."):
                    pass
            except (FileNotFoundError, NotADirectoryError):
                continue  # nothing there to miss: a missing or non-directory prefix matches nothing
            except OSError as exc:
                name = os.path.normpath(folder or ".")
                raise SourceIncomplete(
                    f"{name}: directory cannot be listed ({exc.strerror}), so pattern {pattern!r} "
                    "cannot be resolved whole"
                ) from exc


def _compare(entry: SnapshotFile, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise SourceIncomplete(f"{entry.name}: changed during the run: no longer a regular file")
    if (info.st_dev, info.st_ino) != (entry.dev, entry.ino):
        raise SourceIncomplete(f"{entry.name}: changed during the run: replaced by another file")
    if info.st_size != entry.size:
        raise SourceIncomplete(f"{entry.name}: changed during the run: size {entry.size} -> {info.st_size}")
    if info.st_mtime_ns != entry.mtime_ns:
        raise SourceIncomplete(f"{entry.name}: changed during the run: modified (same size)")


def check_unchanged(entry: SnapshotFile) -> None:
    """Raise ``SourceIncomplete`` unless the file at ``entry.path`` is still the snapshotted one."""
    try:
        info = os.stat(entry.path)
    except FileNotFoundError:
        raise SourceIncomplete(f"{entry.name}: changed during the run: removed") from None
    except OSError as exc:
        raise SourceIncomplete(f"{entry.name}: changed during the run: {exc.strerror}") from exc
    _compare(entry, info)


def _open(path: str) -> BinaryIO:
    """Open for reading without blocking: a FIFO put in a file's place must fail the check, not hang."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def open_checked(entry: SnapshotFile) -> BinaryIO:
    """Open the snapshotted file, checking that what was opened is still it (no stat/open race)."""
    try:
        handle = _open(entry.path)
    except FileNotFoundError:
        raise SourceIncomplete(f"{entry.name}: changed during the run: removed") from None
    except OSError as exc:
        raise SourceIncomplete(f"{entry.name}: changed during the run: {exc.strerror}") from exc
    try:
        _compare(entry, os.fstat(handle.fileno()))
    except SourceIncomplete:
        handle.close()
        raise
    return handle


@dataclass(frozen=True)
class FilePosition:
    """A cursor into a snapshot: file ``index`` (named by ``path``), byte ``offset``, 1-based ``line`` there.

    Encoded ``"<index>:<offset>:<line>:<path>"``; decoding checks the path against the snapshot, so a cursor
    can never land on another file.
    """

    index: int
    offset: int
    line: int

    def encode(self, snapshot: Snapshot) -> str | None:
        if self.index >= len(snapshot.files):
            return None
        return f"{self.index}:{self.offset}:{self.line}:{snapshot.files[self.index].path}"

    @classmethod
    def decode(cls, cursor: str | None, snapshot: Snapshot) -> FilePosition:
        if not cursor:
            return cls(0, 0, 1)
        parts = cursor.split(":", 3)
        try:
            index, offset, line = int(parts[0]), int(parts[1]), int(parts[2])
            path = parts[3]
        except (ValueError, IndexError) as exc:
            raise ValueError(f"invalid file cursor {cursor!r}") from exc
        if not 0 <= index < len(snapshot.files) or offset < 0 or line < 1:
            raise ValueError(f"invalid file cursor {cursor!r}: outside the run's file set")
        if snapshot.files[index].path != path:
            raise SourceIncomplete(
                f"cursor names {path} but file {index} of the run's snapshot is {snapshot.files[index].path}"
            )
        return cls(index, offset, line)


@dataclass(frozen=True)
class Line:
    """A decoded line: its text and 1-based line number."""

    line: int
    text: str


@dataclass(frozen=True)
class BadLine:
    """A line rejected alone: why, and the ``external_id``/``kind`` its top level names (when readable)."""

    line: int
    reason: str
    external_id: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class LinesRead:
    """Up to ``limit`` non-blank lines and where the next read starts (``eof``: the file is done)."""

    lines: list[Line | BadLine]
    offset: int
    line: int
    eof: bool


_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:,]|"')
_BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"')


def scan_container(text: str, start: int, max_depth: int) -> int | None:
    """End index of the JSON value starting at ``start``, or ``None`` if ``text`` ends first.

    A cheap bracket scan (strings skipped by one regex) that raises ``TooDeep`` past ``max_depth`` levels,
    so a parser never sees a record that could exhaust its recursion. A scalar value returns ``start``.
    """
    if start >= len(text) or text[start] not in "[{":
        return start
    depth = 0
    for match in _BRACKETS.finditer(text, start):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > max_depth:
                raise TooDeep(f"JSON nested deeper than {max_depth} levels")
        elif first in "]}":
            depth -= 1
            if depth <= 0:
                return match.end()
        elif token == '"':  # an unterminated string: the value continues past the text
            return None
    return None


def top_level_strings(text: str, keys: frozenset[str], *, limit: int = 1 << 20) -> dict[str, str]:
    """String values of ``keys`` at the top level of a JSON object, read by the token scan (no recursion);
    used to name the object of a record that is rejected. Looks at the first ``limit`` characters only."""
    found: dict[str, str] = {}
    depth = 0
    tokens = [m.group() for m in _TOKEN.finditer(text, 0, min(len(text), limit))]
    for n, token in enumerate(tokens):
        if token in ("[", "{"):
            depth += 1
        elif token in ("]", "}"):
            depth -= 1
        elif (
            depth == 1
            and len(token) > 1
            and token.startswith('"')
            and n + 2 < len(tokens)
            and tokens[n + 1] == ":"
            and len(tokens[n + 2]) > 1
            and tokens[n + 2].startswith('"')
        ):
            try:
                key, value = json.loads(token), json.loads(tokens[n + 2])
            except ValueError:
                continue
            if key in keys and key not in found and isinstance(value, str):
                found[key] = value
    return found


def loads_bounded(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that first makes sure ``text`` nests no deeper than ``max_depth`` (for pushed event
    bodies and other whole texts); raises ``TooDeep`` or ``json.JSONDecodeError``, both ``ValueError``s.

    >>> loads_bounded('[[1]]', 2)
    [[1]]
    """
    if text.count("[") + text.count("{") > max_depth:
        scan_container(text, len(text) - len(text.lstrip()), max_depth)
    return json.loads(text)


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
"""What may decode to a lone surrogate: a ``\\uD800``-``\\uDFFF`` escape or a ``surrogateescape``d byte."""
NOT_UNICODE = "not valid Unicode text (an undecodable byte or an unpaired \\uD800-\\uDFFF escape)"
"""Why a record holding a string that UTF-8 cannot encode is rejected."""


def unencodable(value: Any, text: str | None = None) -> str | None:
    """Why a decoded JSON value cannot be written as UTF-8 (so neither staged nor sent to Purview), or
    ``None``. ``text``, the value's source, lets the common case skip the check."""
    if text is not None and not _SURROGATE.search(text):
        return None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return NOT_UNICODE
    return None


_NAMING_KEYS = frozenset({"external_id", "kind"})
_NAMING_PREFIX = 1 << 16
"""Bytes of an overlong line searched for the object it names."""


def _bad(line: int, reason: str, text: str | None) -> BadLine:
    named = top_level_strings(text, _NAMING_KEYS) if text else {}
    return BadLine(line, reason, named.get("external_id"), named.get("kind"))


def decode_line(raw: bytes, line: int, *, max_depth: int) -> Line | BadLine | None:
    """One line's bytes → ``Line``, ``BadLine`` (invalid UTF-8, too deep) or ``None`` (blank)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _bad(
            line, f"not valid UTF-8 (byte {exc.start + 1} of the line)", raw.decode("utf-8", "replace")
        )
    if not text.strip():
        return None
    if text.count("[") + text.count("{") > max_depth:  # only then can it nest too deep: scan it
        start = len(text) - len(text.lstrip())
        try:
            scan_container(text, start, max_depth)
        except TooDeep as exc:
            return _bad(line, str(exc), text)
    if _SURROGATE.search(text):
        try:
            reason = unencodable(json.loads(text))
        except ValueError:
            reason = None  # not JSON: transform rejects it with the parser's message
        if reason:
            return _bad(line, reason, text)
    return Line(line, text)


def read_lines(
    entry: SnapshotFile, offset: int, line: int, *, limit: int, max_record_bytes: int, max_depth: int
) -> LinesRead:
    """Read up to ``limit`` non-blank lines of ``entry`` from byte ``offset`` (at 1-based ``line``).

    Reads only the snapshot's ``size`` bytes; checks the file against its snapshot on opening and again at its
    end, so a file changed during the run fails the run instead of yielding a partial or mixed read.
    """
    out: list[Line | BadLine] = []
    with open_checked(entry) as handle:
        handle.seek(offset)
        while len(out) < limit and offset < entry.size:
            at_start = offset == 0
            raw = handle.readline(min(max_record_bytes + 2, entry.size - offset))  # + "\r\n"
            if not raw:
                break
            offset += len(raw)
            body = _strip_eol(raw[len(_BOM) :] if at_start and raw.startswith(_BOM) else raw)
            if len(body) > max_record_bytes:
                ended = raw.endswith(b"\n")
                skipped = len(raw) + (0 if ended else _skip_line(handle, entry.size - offset))
                offset += skipped - len(raw)
                reason = f"line longer than {max_record_bytes} bytes ({skipped} bytes); skipped"
                out.append(_bad(line, reason, raw[:_NAMING_PREFIX].decode("utf-8", "replace")))
            else:
                decoded = decode_line(body, line, max_depth=max_depth)
                if decoded is not None:
                    out.append(decoded)
            line += 1
        eof = offset >= entry.size
    if not eof and len(out) < limit:  # the data ended before the snapshot's size: truncated
        check_unchanged(entry)
        raise SourceIncomplete(
            f"{entry.name}: changed during the run: ended at byte {offset} of {entry.size}"
        )
    if eof:
        check_unchanged(entry)
    return LinesRead(out, offset, line, eof)


_BOM = b"\xef\xbb\xbf"
"""A UTF-8 byte order mark (Windows editors write one): ignored at the start of a file."""


def _strip_eol(raw: bytes) -> bytes:
    """A line without its ``\\n`` or ``\\r\\n`` (the limit applies to the record, not its line ending)."""
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    return raw[:-1] if raw.endswith(b"\r") else raw


def _skip_line(handle: BinaryIO, budget: int) -> int:
    """Consume the rest of an overlong line in bounded chunks; the bytes skipped (newline included)."""
    skipped = 0
    while skipped < budget:
        chunk = handle.readline(min(_SKIP_CHUNK, budget - skipped))
        if not chunk:
            break
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped
