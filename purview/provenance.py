"""Provenance marks on every asset the sync writes, so people and the sync can tell where it came from.

Purview is shared by scans, people, other tools and every catalog this app syncs. Each asset the sync
creates or adopts gets a label ``federation_<catalog>`` (a tag in Purview's UI, searchable) and the custom
attributes ``federation_catalog`` and, when the item has one, ``source_url``. The sync reads
``federation_catalog`` back to recognise its own objects (e.g. after its sync state was lost).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Final

__all__ = [
    "CATALOG_ATTRIBUTE",
    "PROVENANCE_KEYS",
    "SOURCE_URL_ATTRIBUTE",
    "catalog_of",
    "label_for",
    "strip_provenance",
]

CATALOG_ATTRIBUTE: Final = "federation_catalog"
SOURCE_URL_ATTRIBUTE: Final = "source_url"
PROVENANCE_KEYS: Final = frozenset({CATALOG_ATTRIBUTE, SOURCE_URL_ATTRIBUTE})
_LABEL_MAX: Final = 50  # Atlas refuses longer labels


def label_for(catalog: str) -> str:
    """The label of one catalog's objects (letters, digits, ``_`` and ``-`` only, at most 50 characters)."""
    label = f"federation_{catalog}"
    return label if len(label) <= _LABEL_MAX else f"fed_{catalog}"[:_LABEL_MAX]


def catalog_of(entity: Mapping[str, Any]) -> str | None:
    """The catalog a read entity says it was written by, or None (not written by this app)."""
    value = (entity.get("customAttributes") or {}).get(CATALOG_ATTRIBUTE)
    return str(value) if value else None


def strip_provenance(entity: Mapping[str, Any], catalog: str, owned: Collection[str] = ()) -> dict[str, Any]:
    """The labels and custom attributes an adopted entity keeps when the sync lets it go: without its
    provenance and without the custom attributes it added (``owned``: ``custom:KEY`` marks)."""
    added = {mark.removeprefix("custom:") for mark in owned if mark.startswith("custom:")}
    custom = {
        k: v
        for k, v in (entity.get("customAttributes") or {}).items()
        if k not in PROVENANCE_KEYS and k not in added
    }
    labels = [x for x in entity.get("labels") or [] if x != label_for(catalog)]
    return {"customAttributes": custom, "labels": labels}
