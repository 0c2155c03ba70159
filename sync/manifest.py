"""Pure rules of manifests: which of a run's objects are unchanged without asking their sync state, and what
the next manifest says.

A manifest entry is one object of the catalog as the sync last knew it::

    {"key": entity key, "kind", "external_id", "fingerprint", "guid", "identity", "seen"}

``fingerprint`` is ``None`` for a *suspect* entry (failed, refused, touched by someone else, or only known
from its sync state): such an object always takes the entity path. ``seen`` is when a run last met the object
in its source (what the deletion guard reads). Keys are ``sync_state`` entity keys; item keys are
:class:`sync.contracts.ChunkKey` JSON.

The rule that makes skipping safe: an object is *free* (no entity call) only when the last manifest holds it
with the same fingerprint, guid and identity, and no journal piece the manifest has not accounted for names
it. Everything that changes a sync state journals the key first (see :mod:`entities.manifest`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from staging import KEPT_AREA_PREFIX
from sync.chunks import outcome_of
from sync.contracts import ItemResult

__all__ = [
    "STATE_AREA_PREFIX",
    "ManifestDraft",
    "draft_manifest",
    "free_by_raw",
    "free_index",
    "identity_of",
    "is_free",
    "journal_name",
    "latest",
    "manifest_name",
    "part_entries",
    "state_area",
    "stub_of",
    "suspect",
]

STATE_AREA_PREFIX: Final = KEPT_AREA_PREFIX
"""Staging "runs" that hold a catalog's manifests and journal: never cleaned up with the runs."""


def state_area(catalog: str) -> str:
    """The staging area of a catalog's manifests and journal pieces."""
    return f"{STATE_AREA_PREFIX}{catalog}"


def manifest_name(run_id: str) -> str:
    return f"manifests/{run_id}.jsonl.gz"


def journal_name(owner: str) -> str:
    """A journal piece's name; ``owner``: the run, push batch or cleanup pass that writes it (one each)."""
    return f"journal/{owner}.jsonl"


def identity_of(key: Mapping[str, Any]) -> str | None:
    """``type_name|qualifiedName`` of an item key (what sync states store), None for terms/classifications."""
    identity = key.get("identity")
    if not identity:
        return None
    return f"{identity['type_name']}|{identity['qualified_name']}"


def is_free(key: Mapping[str, Any], entry: Mapping[str, Any] | None, touched: set[str]) -> bool:
    """Whether an item can skip its sync state: the manifest knows it as written with this very content."""
    return (
        entry is not None
        and key["entity_key"] not in touched
        and entry.get("fingerprint") is not None
        and entry["fingerprint"] == key["fingerprint"]
        and bool(entry.get("guid"))
        and entry.get("identity") == identity_of(key)
    )


def free_index(entries: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """The guid index part (``kind → external_id → guid``) of free objects, for later waves' references."""
    index: dict[str, dict[str, str]] = {}
    for entry in entries:
        index.setdefault(str(entry["kind"]), {})[str(entry["external_id"])] = str(entry["guid"])
    return index


def _entry(key: Mapping[str, Any], *, guid: str | None, fingerprint: str | None) -> dict[str, Any]:
    return {
        "key": key["entity_key"],
        "kind": key["kind"],
        "external_id": key["external_id"],
        "fingerprint": fingerprint,
        "guid": guid,
        "identity": identity_of(key),
        "raw": key.get("raw"),
        "seen": None,
    }


def free_by_raw(entries: Iterable[Mapping[str, Any]], touched: set[str]) -> dict[str, Mapping[str, Any]]:
    """The manifest's entries an unchanged raw record can be matched with, by the record's digest (see
    ``Connector.raw_digest``): clean, landed, and named by no journal piece the manifest has not accounted
    for — exactly the entries :func:`is_free` accepts for the item the record maps to."""
    return {
        str(entry["raw"]): entry
        for entry in entries
        if entry.get("raw")
        and entry.get("kind") != "glossary_term"  # terms are ordered (parent cycles) from their records
        and entry.get("fingerprint") is not None
        and entry.get("guid")
        and str(entry["key"]) not in touched
    }


def stub_of(entry: Mapping[str, Any], catalog: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The staged item and key of an object matched by its raw record: what ``plan_waves`` needs of a free
    object (its identity for the asset index), without the item itself."""
    identity = None
    stub: dict[str, Any] = {
        "kind": entry["kind"],
        "external_id": entry["external_id"],
        "catalog": catalog,
        "stub": True,
    }
    if entry.get("identity"):
        type_name, qualified_name = str(entry["identity"]).split("|", 1)
        identity = {"type_name": type_name, "qualified_name": qualified_name, "adopt_from": []}
        stub |= {"type_name": type_name, "qualified_name": qualified_name}
    key = {
        "entity_key": entry["key"],
        "sync_key": f"{catalog}|{entry['kind']}|{entry['external_id']}",
        "kind": entry["kind"],
        "external_id": entry["external_id"],
        "fingerprint": entry["fingerprint"],
        "reason": None,
        "identity": identity,
        "raw": entry["raw"],
    }
    return stub, key


def part_entries(
    keys: Mapping[str, Mapping[str, Any]],
    decisions: Mapping[str, Mapping[str, Any]],
    results: Iterable[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Manifest entries of one batch (``keys`` by sync key): what its sync states will say once the chunk
    records the results. Items that fail are left out (they become suspect)."""
    entries: list[dict[str, Any]] = []
    for sync_key, decision in decisions.items():
        if decision["decision"] in ("unchanged", "skip") and decision.get("purview_guid"):
            key = keys[sync_key]
            entries.append(_entry(key, guid=str(decision["purview_guid"]), fingerprint=key["fingerprint"]))
    for result in results:
        key = keys[str(result["sync_key"])]
        outcome = outcome_of(str(key["kind"]), ItemResult.model_validate(result), None)
        if not outcome.failed:
            entries.append(_entry(key, guid=outcome.guid, fingerprint=key["fingerprint"]))
    return entries


def suspect(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The entry as suspect: the next run asks its sync state."""
    return {**entry, "fingerprint": None}


def latest(seen: str | None, other: datetime | None) -> str | None:
    """The later of a manifest's ``seen`` and a sync state's presence, as ISO text (None: neither)."""
    times = [t for t in (datetime.fromisoformat(seen) if seen else None, other) if t is not None]
    return max(times).isoformat() if times else None


@dataclass(slots=True)
class ManifestDraft:
    """The next manifest before its suspect entries are checked against their sync states (``check``)."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def check(self) -> list[str]:
        """Keys of suspect entries: the writer reads their sync states (and drops the ones that are gone)."""
        return [key for key, entry in self.entries.items() if entry.get("fingerprint") is None]


def draft_manifest(
    *,
    base: Iterable[Mapping[str, Any]],
    free: Iterable[str],
    own: Iterable[Mapping[str, Any]],
    parts: Iterable[Mapping[str, Any]],
    touched_by_others: Iterable[str],
    seen: str,
    trust_base: bool = True,
) -> ManifestDraft:
    """Merge what a run knows into the next manifest.

    ``base``: the manifest the run started from (carried over for what it did not meet); ``free``: keys it met
    unchanged; ``own``: its journal piece (every key it sent through the sync states: items, invalid records,
    delete markers; each ``{"key", "kind", "external_id", "seen"}``); ``parts``: the batches' entries of what
    landed; ``touched_by_others``: keys of journal pieces of other writers it read when it planned (their
    sync states may say something newer than this run wrote). ``seen``: the run's start. An untrusted base
    (forgotten, or its journal overflowed) is carried as suspect: only its presence times still hold.
    """
    draft = ManifestDraft({str(e["key"]): dict(e) if trust_base else suspect(e) for e in base})
    for key in free:
        if key in draft.entries:  # (a base lost since the plan: its objects are rebuilt from their states)
            draft.entries[key] = {**draft.entries[key], "seen": seen}
    markers = []
    for record in own:
        key = str(record["key"])
        known = draft.entries.get(key) or {
            "key": key,
            "kind": record.get("kind"),
            "external_id": record.get("external_id"),
            "guid": None,
            "identity": None,
            "seen": None,
        }
        draft.entries[key] = {**suspect(known), "seen": seen if record.get("seen") else known.get("seen")}
        if not record.get("seen"):
            markers.append(key)
    for entry in parts:
        draft.entries[str(entry["key"])] = {**entry, "seen": seen}
    for key in markers:  # written, then deleted by a marker of the same run: its state is gone
        draft.entries[key] = suspect(draft.entries[key])
    for key in touched_by_others:
        known = draft.entries.get(key) or {"key": key, "guid": None, "identity": None, "seen": None}
        draft.entries[key] = suspect(known)
    return draft
