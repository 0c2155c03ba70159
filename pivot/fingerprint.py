"""Change detection: a stable hash of what an item makes Purview hold.

``fingerprint_of(data)`` is the sha256 hex digest of canonical JSON (sorted keys, no whitespace, ASCII
only) of ``item.model_dump(mode="json", exclude_defaults=True)`` after normalising set-like lists. Why:

- Every field is included. Each one either reaches Purview or is part of the object's identity (``catalog``,
  ``kind``, ``external_id`` are constant for one sync key, so including them costs nothing). A new field is
  therefore covered automatically.
- Fields still at their default are left out, so adding a new optional field to the model does not change the
  fingerprint of every existing object (which would re-upsert a whole estate after an upgrade).
- Lists that Purview treats as sets (contacts, classifications, terms, synonyms, related terms, process
  inputs/outputs, column lineage, list-valued relationships, ``applies_to``) are sorted and de-duplicated,
  so a source that returns them in a different order does not cause spurious updates. Order is significant
  for ``columns`` (column position), ``resources`` (display order) and inside ``attributes`` (opaque JSON).
- ``json.dumps`` with sorted keys and ``ensure_ascii`` does not depend on dict order, ``PYTHONHASHSEED`` or
  the Python version (float repr is the shortest round-trip form since 3.1).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

__all__ = ["SET_LIKE_FIELDS", "canonical_json", "fingerprint_of", "normalise"]

SET_LIKE_FIELDS: Final = frozenset(
    {
        "owners",
        "classification_items",
        "glossary_items",
        "inputs",
        "outputs",
        "column_lineage",
        "synonyms",
        "related",
        "applies_to",
        "source_columns",
    }
)
"""Item fields (and column fields) whose order and duplicates carry no meaning in Purview."""


def canonical_json(value: Any) -> str:
    """Deterministic JSON text: sorted keys, no whitespace, ASCII only, no NaN/Infinity."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _as_set(values: list[Any]) -> list[Any]:
    unique = {canonical_json(v): v for v in values}
    return [unique[key] for key in sorted(unique)]


def _normalise_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _as_set(v) if k in SET_LIKE_FIELDS and isinstance(v, list) else v for k, v in data.items()}


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a dumped item with set-like lists (also in columns and relationships) sorted."""
    result = _normalise_fields(data)
    if isinstance(result.get("columns"), list):
        result["columns"] = [_normalise_fields(c) if isinstance(c, dict) else c for c in result["columns"]]
    if isinstance(result.get("column_lineage"), list):
        result["column_lineage"] = _as_set([_normalise_fields(m) for m in result["column_lineage"]])
    if isinstance(result.get("relationships"), dict):
        result["relationships"] = {
            k: _as_set(v) if isinstance(v, list) else v for k, v in result["relationships"].items()
        }
    return result


def fingerprint_of(data: dict[str, Any]) -> str:
    """sha256 hex of the canonical JSON of ``normalise(data)`` (``data``: an item's JSON-mode dump)."""
    return hashlib.sha256(canonical_json(normalise(data)).encode("ascii")).hexdigest()
