"""Read pivot JSON-lines files page by page; every line that fails validation is rejected with file and line.

Input format: one pivot item per line, exactly the JSON form of the pivot model (``docs/pivot.schema.json``);
blank lines are skipped. Items must belong to the configured catalog.

Files are read through the shared file source (``connectors.files``): the run's file set is snapshotted once,
the cursor names a file of that snapshot and a byte offset (``"<index>:<offset>:<line>:<path>"``), a file that
changes during the run fails it, and a line that cannot be decoded (invalid UTF-8, too long, too deep) is
rejected alone with ``file:line``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from pydantic import Field

from connectors.base import Connector, Deletion, Page, RawRecord, Rejected
from connectors.files import (
    NOT_UNICODE,
    BadLine,
    FilePosition,
    FileSourceConfig,
    TooDeep,
    file_set,
    loads_bounded,
    read_lines,
    unencodable,
)
from pivot import ITEM_KINDS, AnyPivotItem, LineError, iter_jsonl

__all__ = ["PivotFileConfig", "PivotFileConnector"]


MAPPING_VERSION = "pivot-1"
"""Part of every raw digest: change it when a pivot line may map to another item than before (a new
default, a normalisation), so the next run transforms every line instead of trusting the manifest."""


class PivotFileConfig(FileSourceConfig):
    """``source:`` settings of a pivotfile catalog."""

    files: list[str] = Field(min_length=1, description="Paths or glob patterns of pivot JSON-lines files.")
    page_size: int = Field(default=1000, ge=1, le=100_000, description="Lines per extracted page.")


class PivotFileConnector(Connector[PivotFileConfig]):
    """Pivot JSON-lines files.

    >>> # catalogs.yaml: {name: sales, connector: pivotfile, schedule: null, source: {files: ["x/*.jsonl"]}}
    """

    name: ClassVar[str] = "pivotfile"

    @property
    def uses_snapshot(self) -> bool:
        return True

    def snapshot(self) -> dict[str, Any]:
        """The run's file set; raises ``SourceIncomplete`` naming a missing/unreadable/non-file path."""
        return file_set(self.config, self.base_dir).to_json()

    def extract(self, cursor: str | None, *, snapshot: dict[str, Any] | None = None) -> Page:
        """The page at ``cursor`` of the run's ``snapshot`` (taken now when not given, e.g. ad hoc reads)."""
        config = self.config
        files = file_set(config, self.base_dir, snapshot)
        position = FilePosition.decode(cursor, files)
        records: list[RawRecord] = []
        while position.index < len(files.files) and len(records) < config.page_size:
            entry = files.files[position.index]
            read = read_lines(
                entry,
                position.offset,
                position.line,
                limit=config.page_size - len(records),
                max_record_bytes=config.max_record_bytes,
                max_depth=config.max_depth,
            )
            for found in read.lines:
                if isinstance(found, BadLine):
                    records.append(
                        {
                            "file": entry.name,
                            "line": found.line,
                            "error": found.reason,
                            "external_id": found.external_id,
                            "kind": found.kind,
                        }
                    )
                else:
                    records.append({"file": entry.name, "line": found.line, "text": found.text})
            position = (
                FilePosition(position.index + 1, 0, 1)
                if read.eof
                else FilePosition(position.index, read.offset, read.line)
            )
        next_cursor = position.encode(files)
        if next_cursor is None:  # the last page: every file must still be the one the run started with
            files.check_unchanged()
        return Page(records=records, next_cursor=next_cursor)

    def decode(self, body: bytes) -> list[RawRecord]:
        """A pushed event: one pivot item, a JSON list of them, or ``{"delete": {"kind", "external_id"}}``."""
        text = body.decode("utf-8", errors="surrogateescape").strip()  # bad bytes: rejected, not mangled
        try:
            value = loads_bounded(text, self.config.max_depth)
        except TooDeep as exc:
            return [{"file": "event", "line": 1, "error": str(exc)}]
        except ValueError:
            if unencodable(text, text):
                return [{"file": "event", "line": 1, "error": f"event is {NOT_UNICODE}"}]
            return [{"file": "event", "line": 1, "text": text}]
        values = value if isinstance(value, list) else [value]
        return [_event_record(n, v) for n, v in enumerate(values, start=1)]

    def raw_digest(self, record: RawRecord) -> str | None:
        """Each line maps to one result: the digest of its text (with the mapping's version), None for a
        line the file source already rejected."""
        if "error" in record or not isinstance(record.get("text"), str):
            return None
        return hashlib.blake2b(f"{MAPPING_VERSION}\n{record['text']}".encode(), digest_size=16).hexdigest()

    def map_records(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        for record in records:
            where = f"{record['file']}:{record['line']}"
            if "error" in record:  # decoded (and rejected) by the file source
                kind = record.get("kind")
                yield Rejected(
                    where=where,
                    reason=record["error"],
                    external_id=record.get("external_id"),
                    kind=kind if kind in ITEM_KINDS else None,
                )
                continue
            deletion = _deletion_of(record["text"])
            if deletion is not None:
                yield deletion
                continue
            for parsed in iter_jsonl([record["text"]], source=str(record["file"])):
                if isinstance(parsed, LineError):
                    yield Rejected(
                        where=where,
                        reason=parsed.message,
                        external_id=parsed.external_id,
                        kind=_kind_of(record["text"]),
                    )
                elif parsed.catalog != self.catalog.name:
                    yield Rejected(
                        where=where,
                        reason=f"item belongs to catalog {parsed.catalog!r}, not {self.catalog.name!r}",
                        external_id=parsed.external_id,
                    )
                else:
                    yield parsed


def _event_record(number: int, value: Any) -> RawRecord:
    """One item of a pushed event; one with text UTF-8 cannot encode is rejected alone (named if it can)."""
    reason = unencodable(value)
    if reason is None:
        return {"file": "event", "line": number, "text": json.dumps(value)}
    named = value if isinstance(value, dict) else {}
    external_id, kind = named.get("external_id"), named.get("kind")
    return {
        "file": "event",
        "line": number,
        "error": reason,
        "external_id": external_id if isinstance(external_id, str) and not unencodable(external_id) else None,
        "kind": kind if isinstance(kind, str) and not unencodable(kind) else None,
    }


def _deletion_of(text: str) -> Deletion | None:
    """``{"delete": {"kind": ..., "external_id": ...}}`` lines and events mark a deletion."""
    if '"delete"' not in text:
        return None
    try:
        target = json.loads(text).get("delete")
    except (ValueError, AttributeError):
        return None
    if isinstance(target, dict) and target.get("kind") in ITEM_KINDS and target.get("external_id"):
        return Deletion(kind=target["kind"], external_id=str(target["external_id"]))
    return None


def _kind_of(text: str) -> str | None:
    """The ``kind`` a rejected line claims, when it is readable JSON with a known kind."""
    try:
        kind = json.loads(text).get("kind")
    except (ValueError, AttributeError):
        return None
    return kind if kind in ITEM_KINDS else None
