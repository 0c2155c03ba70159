"""The union of the three item kinds, and parsing of untrusted JSON into it with readable errors."""

from __future__ import annotations

import json
from functools import cache
from typing import Annotated, Any, Final, TypeAlias, cast, get_args

from pydantic import Field, TypeAdapter, ValidationError

from pivot.asset import PivotAssetItem
from pivot.base import ItemKind
from pivot.classification import PivotClassificationItem
from pivot.glossary import PivotGlossaryItem

__all__ = [
    "ITEM_KINDS",
    "AnyPivotItem",
    "describe_validation_error",
    "item_json_schema",
    "parse_item",
    "parse_item_json",
    "schema_text",
]

AnyPivotItem: TypeAlias = Annotated[
    PivotAssetItem | PivotGlossaryItem | PivotClassificationItem, Field(discriminator="kind")
]
"""Any pivot item; JSON chooses the model by its ``kind`` field."""

ITEM_KINDS: Final[tuple[ItemKind, ...]] = get_args(ItemKind)
"""All item kinds (the values of ``kind``)."""


_Item: TypeAlias = PivotAssetItem | PivotGlossaryItem | PivotClassificationItem


@cache
def _adapter() -> TypeAdapter[_Item]:
    # The Annotated union is a value mypy cannot type as ``type[T]``; the type parameter says what it yields.
    return TypeAdapter[_Item](cast(Any, AnyPivotItem))


def parse_item(obj: Any) -> PivotAssetItem | PivotGlossaryItem | PivotClassificationItem:
    """Validate a decoded JSON object (or an item) into the right item model.

    >>> parse_item({"kind": "classification", "catalog": "glue", "external_id": "pii", "name": "PII",
    ...             "classification_name": "PII"}).sync_key
    'glue|classification|pii'

    Raises ``pydantic.ValidationError``; ``describe_validation_error`` makes it one readable line.
    """
    return _adapter().validate_python(obj)


def parse_item_json(text: str | bytes) -> PivotAssetItem | PivotGlossaryItem | PivotClassificationItem:
    """Like ``parse_item`` for JSON text (one item)."""
    return _adapter().validate_json(text)


def _location(loc: tuple[int | str, ...]) -> str:
    if loc and loc[0] in ITEM_KINDS:
        loc = loc[1:]  # the union tag pydantic puts first; the item's kind is known to the reader
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in {"ItemRef", "QualifiedNameRef", "one", "many"}:
            continue  # tags of the reference unions: noise for the reader
        elif part == "[key]":
            text += " (key)"  # pydantic's marker for an invalid dict key
        else:
            text += f".{part}" if text else str(part)
    return text or "item"


def _describe(error_type: str, loc: tuple[int | str, ...], msg: str) -> str:
    if not loc and error_type in {"union_tag_not_found", "union_tag_invalid"}:
        kinds = ", ".join(repr(k) for k in ITEM_KINDS)
        return f"kind: missing or unknown, must be one of {kinds}"
    return f"{_location(loc)}: {msg}"


def describe_validation_error(exc: ValidationError, *, max_errors: int = 5) -> str:
    """One line naming each failing field and why, e.g. ``catalog: String should match pattern ...``.

    Input values are never echoed (they may be megabytes, or sensitive).
    """
    errors = exc.errors(include_url=False, include_input=False)
    parts = [_describe(e["type"], tuple(e["loc"]), e["msg"]) for e in errors[:max_errors]]
    if len(errors) > max_errors:
        parts.append(f"... and {len(errors) - max_errors} more")
    return "; ".join(parts)


def item_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one pivot item, as accepted by ``parse_item``."""
    schema = _adapter().json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "PivotItem"
    schema["description"] = (
        "One pivot item (asset, glossary term or classification) of the purview-federation pivot format; "
        "a pivot file holds one item per line (JSON lines)."
    )
    return schema


def schema_text() -> str:
    """``item_json_schema()`` as deterministic text (sorted keys, indent 2, trailing newline)."""
    return json.dumps(item_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
