"""Pure rules of a run's pages: the last word on each object wins, what is a delete marker, what cannot be
imported, and the indexes later waves resolve references with.

``transform_page`` and ``plan_waves`` load and stage; these decide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import Deletion, Rejected
from pivot import AnyPivotItem, ItemRef, PivotAssetItem, PivotGlossaryItem
from sync.waves import OrderFailure

__all__ = [
    "PageItems",
    "invalid_records",
    "page_items",
    "term_refs",
    "unattributed",
]


KeyOf = Callable[[AnyPivotItem, str | None], dict[str, Any]]
"""An item's staged key (with its fingerprint), given the item and its raw record's digest."""


@dataclass(slots=True)
class PageItems:
    """One page after transformation: valid items (and their keys), delete markers and rejects, as JSON."""

    items: list[dict[str, Any]] = field(default_factory=list)
    keys: list[dict[str, Any]] = field(default_factory=list)  # the items' keys, same order (with ``key_of``)
    deletions: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [f"{r['where']}: {r['reason']}" for r in self.rejected] + self.duplicates


def page_items(
    results: Iterable[AnyPivotItem | Deletion | Rejected],
    *,
    key_of: KeyOf | None = None,
    raws: Iterable[str | None] | None = None,
) -> PageItems:
    """Sort a connector's output: the last mention of an object wins (a push batch may carry an object and
    then its deletion), and an object that appears twice as an item is reported once as a duplicate.

    Streams: each item is dumped (and keyed with ``key_of``, given the digest ``raws`` has for it, one per
    result) as it comes, so a page never holds its parsed items at once.
    """
    page = PageItems()
    latest: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any] | None]] = {}
    deleted: set[tuple[str, str]] = set()
    digests = iter(raws) if raws is not None else None
    for result in results:
        raw = next(digests) if digests is not None else None
        if isinstance(result, Rejected):
            page.rejected.append(result.to_json())
            continue
        key = (result.kind, result.external_id)
        if key in latest and not isinstance(result, Deletion) and key not in deleted:
            page.duplicates.append(
                f"{result.kind} {result.external_id}: appears more than once; the last one is used"
            )
        latest.pop(key, None)  # re-inserted, so the page keeps the order of the last mentions
        if isinstance(result, Deletion):
            deleted.add(key)
            latest[key] = (result.to_json(), None)
        else:
            deleted.discard(key)
            latest[key] = (result.model_dump(mode="json"), key_of(result, raw) if key_of else None)
    for key, (value, staged_key) in latest.items():
        if key in deleted:
            page.deletions.append(value)
        else:
            page.items.append(value)
            if staged_key is not None:
                page.keys.append(staged_key)
    return page


def _names_object(record: Mapping[str, Any]) -> bool:
    return bool(record.get("external_id") and record.get("kind"))


def invalid_records(
    rejected: Iterable[Mapping[str, Any]], failures: Iterable[OrderFailure]
) -> list[dict[str, Any]]:
    """Records whose sync state should say Failed: rejected ones that name their object, and the terms
    that cannot be ordered (parent cycles)."""
    invalid = [
        {"external_id": r["external_id"], "kind": r["kind"], "reason": r["reason"]}
        for r in rejected
        if _names_object(r)
    ]
    invalid += [{"external_id": f.external_id, "kind": "glossary_term", "reason": f.reason} for f in failures]
    return invalid


def unattributed(rejected: Iterable[Mapping[str, Any]]) -> int:
    """Rejected records that name no object: what they describe would look deleted (holds the run)."""
    return sum(1 for record in rejected if not _names_object(record))


def term_refs(items: Iterable[AnyPivotItem]) -> set[str]:
    """External ids of same-catalog glossary terms the items refer to (assets, their columns, terms)."""
    refs: set[str] = set()
    for item in items:
        candidates: list[Any] = []
        if isinstance(item, PivotAssetItem):
            candidates += list(item.glossary_items)
            for column in item.columns:
                candidates += list(column.glossary_items)
        elif isinstance(item, PivotGlossaryItem):
            candidates += [item.parent, *item.synonyms, *item.related]
        refs.update(ref.external_id for ref in candidates if isinstance(ref, ItemRef))
    return refs
