"""Pivot files: JSON lines, one item per line, mixed kinds. A bad line is reported and skipped."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from pydantic import Field, ValidationError

from pivot.asset import PivotAssetItem
from pivot.base import PivotItem, PivotModel
from pivot.classification import PivotClassificationItem
from pivot.glossary import PivotGlossaryItem
from pivot.items import describe_validation_error, parse_item
from pivot.limits import MAX_ITEM_BYTES

__all__ = ["MAX_LINE_CHARS", "LineError", "ParsedLine", "dump_jsonl", "iter_jsonl"]

MAX_LINE_CHARS = 4 * MAX_ITEM_BYTES
"""Longer lines are refused unparsed: no valid item is that long, even with every character \\u-escaped."""


class LineError(PivotModel):
    """A line that is not a valid pivot item: where it is and why (plain data, safe to put in a run report).

    >>> LineError(source="items.jsonl", line_no=3, message="invalid JSON: ...")
    LineError(source='items.jsonl', line_no=3, message='invalid JSON: ...', external_id=None)
    """

    source: str = Field(description="Where the lines came from (file name, blob name...).")
    line_no: int = Field(ge=1, description="1-based line number in the source.")
    message: str = Field(description="What is wrong, naming the field(s).")
    external_id: str | None = Field(default=None, description="The item's external_id, when readable.")

    def __str__(self) -> str:
        return f"{self.source}:{self.line_no}: {self.message}"


ParsedLine: TypeAlias = PivotAssetItem | PivotGlossaryItem | PivotClassificationItem | LineError
"""One result of ``iter_jsonl``: an item, or the error of its line."""


def _parse_line(text: str, *, source: str, line_no: int) -> ParsedLine:
    if len(text) > MAX_LINE_CHARS:
        return LineError(
            source=source, line_no=line_no, message=f"line is {len(text)} characters; an item is at most 2 MB"
        )
    try:
        obj: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineError(
            source=source, line_no=line_no, message=f"invalid JSON: {exc.msg} (column {exc.colno})"
        )
    if not isinstance(obj, dict):
        return LineError(
            source=source, line_no=line_no, message=f"expected a JSON object, got {type(obj).__name__}"
        )
    try:
        return parse_item(obj)
    except ValidationError as exc:
        external_id = obj.get("external_id")
        return LineError(
            source=source,
            line_no=line_no,
            message=describe_validation_error(exc),
            external_id=external_id if isinstance(external_id, str) else None,
        )


def iter_jsonl(lines: Iterable[str], *, source: str) -> Iterator[ParsedLine]:
    """Parse pivot JSON lines lazily; blank lines are skipped, each other line yields an item or a LineError.

    >>> results = list(iter_jsonl(['{"kind": "nope"}', ""], source="demo.jsonl"))
    >>> print(results[0])  # doctest: +ELLIPSIS
    demo.jsonl:1: kind: missing or unknown, ...

    Works on any iterable of lines: a text file object, ``text.splitlines()``, a blob's line iterator.
    """
    for line_no, line in enumerate(lines, start=1):
        if line.strip():
            yield _parse_line(line, source=source, line_no=line_no)


def dump_jsonl(items: Iterable[PivotItem]) -> Iterator[str]:
    """Serialise items as JSON lines (each ending in a newline): ``file.writelines(dump_jsonl(items))``.

    The output round-trips through ``iter_jsonl``; references are written in their explicit object form.
    """
    for item in items:
        yield item.model_dump_json() + "\n"
