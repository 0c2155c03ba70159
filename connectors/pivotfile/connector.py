"""Read pivot JSON-lines files page by page; every line that fails validation is rejected with file and line.

Input format: one pivot item per line, exactly the JSON form of the pivot model (``docs/pivot.schema.json``);
blank lines are skipped. Items must belong to the configured catalog.

The cursor is ``"<file index>:<line number>"`` of the next line to read, so a page can be re-read after a
crash, and the files are streamed, never loaded whole.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import ClassVar

from pydantic import Field, field_validator

from connectors.base import Connector, ConnectorConfig, Deletion, Page, RawRecord, Rejected
from pivot import ITEM_KINDS, AnyPivotItem, LineError, iter_jsonl

__all__ = ["PivotFileConfig", "PivotFileConnector"]


class PivotFileConfig(ConnectorConfig):
    """``source:`` settings of a pivotfile catalog."""

    files: list[str] = Field(min_length=1, description="Paths or glob patterns of pivot JSON-lines files.")
    page_size: int = Field(default=1000, ge=1, le=100_000, description="Lines per extracted page.")

    @field_validator("files")
    @classmethod
    def _not_blank(cls, value: list[str]) -> list[str]:
        if any(not pattern.strip() for pattern in value):
            raise ValueError("files: patterns must not be blank")
        return value


class PivotFileConnector(Connector):
    """Pivot JSON-lines files.

    >>> # catalogs.yaml: {name: sales, connector: pivotfile, schedule: null, source: {files: ["x/*.jsonl"]}}
    """

    name: ClassVar[str] = "pivotfile"
    config_model: ClassVar[type[ConnectorConfig]] = PivotFileConfig

    def files(self) -> list[Path]:
        """The files the patterns match, sorted so pages and cursors are stable between runs."""
        settings = self.settings
        assert isinstance(settings, PivotFileConfig)
        found: set[Path] = set()
        for pattern in settings.files:
            full = pattern if Path(pattern).is_absolute() else str(self.base_dir / pattern)
            found.update(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
        return sorted(found)

    def extract(self, cursor: str | None) -> Page:
        settings = self.settings
        assert isinstance(settings, PivotFileConfig)
        files = self.files()
        file_index, line_no = _parse_cursor(cursor)
        records: list[RawRecord] = []
        while file_index < len(files) and len(records) < settings.page_size:
            path = files[file_index]
            with path.open(encoding="utf-8") as handle:
                wanted = settings.page_size - len(records)
                for offset, text in enumerate(islice(handle, line_no, line_no + wanted)):
                    records.append({"file": path.name, "line": line_no + offset + 1, "text": text})
                line_no += wanted
                if len(records) < settings.page_size or handle.readline() == "":
                    file_index, line_no = file_index + 1, 0
        self.report.records_read += len(records)
        next_cursor = f"{file_index}:{line_no}" if file_index < len(files) else None
        return Page(records=records, next_cursor=next_cursor)

    def decode(self, body: bytes) -> list[RawRecord]:
        """A pushed event: one pivot item, a JSON list of them, or ``{"delete": {"kind", "external_id"}}``."""
        text = body.decode("utf-8", errors="replace").strip()
        try:
            value = json.loads(text)
        except ValueError:
            return [{"file": "event", "line": 1, "text": text}]
        values = value if isinstance(value, list) else [value]
        return [{"file": "event", "line": n, "text": json.dumps(v)} for n, v in enumerate(values, start=1)]

    def transform(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        for record in records:
            where = f"{record['file']}:{record['line']}"
            deletion = _deletion_of(record["text"])
            if deletion is not None:
                yield deletion
                continue
            for parsed in iter_jsonl([record["text"]], source=str(record["file"])):
                if isinstance(parsed, LineError):
                    self.report.rejected += 1
                    yield Rejected(
                        where=where,
                        reason=parsed.message,
                        external_id=parsed.external_id,
                        kind=_kind_of(record["text"]),
                    )
                elif parsed.catalog != self.catalog.name:
                    self.report.rejected += 1
                    yield Rejected(
                        where=where,
                        reason=f"item belongs to catalog {parsed.catalog!r}, not {self.catalog.name!r}",
                        external_id=parsed.external_id,
                    )
                else:
                    self.report.count_item(parsed.kind)
                    yield parsed


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


def _parse_cursor(cursor: str | None) -> tuple[int, int]:
    if not cursor:
        return 0, 0
    file_part, _, line_part = cursor.partition(":")
    try:
        return int(file_part), int(line_part)
    except ValueError as exc:
        raise ValueError(f"invalid pivotfile cursor {cursor!r}") from exc
