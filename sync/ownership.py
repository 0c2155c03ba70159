"""Pure rules of ownership in a chunk: which items must claim their Purview identity, and how outcomes count.

Kept apart from the orchestrator so they are unit-tested without durable machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync.contracts import ChunkKey, Identity

__all__ = [
    "claim_request",
    "counter_of",
    "dry_refusal",
    "identity_text",
    "needs_claim",
    "refusal",
    "released_identity",
    "retirement",
]


def identity_text(identity: Identity | None) -> str | None:
    """``type_name|qualifiedName`` as the sync state stores it (None for terms and classifications)."""
    if identity is None:
        return None
    return f"{identity.type_name}|{identity.qualified_name}"


def needs_claim(key: ChunkKey, begun: Mapping[str, Any]) -> bool:
    """Every asset about to be written claims its identity, even one its sync state says it holds: the
    claim may have moved since (another catalog's ``adopt_from``), and then the former owner must neither
    write the asset nor, later, delete it. A claim still held answers ``same_owner`` (one entity call, no
    Purview call); unchanged objects are not written, so a plain run stays free."""
    return begun.get("decision") == "proceed" and key.identity is not None


def released_identity(key: ChunkKey, begun: Mapping[str, Any]) -> str | None:
    """The identity a granted claim frees: the one the sync state held before the item moved to another
    type or qualifiedName (None when it did not move)."""
    old = begun.get("identity")
    return old if old and old != identity_text(key.identity) else None


def retirement(
    catalog: str, key: ChunkKey, begun: Mapping[str, Any], new_guid: str | None
) -> dict[str, Any] | None:
    """The Purview object an item left behind when it moved to another type or qualifiedName, in the shape
    deletion reads (a sync state): the sync deletes it if it created it, or takes back its additions if it
    adopted it. None when the item did not move or still writes the same entity."""
    old_guid = begun.get("purview_guid")
    if released_identity(key, begun) is None or not old_guid or old_guid == new_guid:
        return None
    return {
        "catalog": catalog,
        "kind": "asset",
        "external_id": key.external_id,
        "purview_guid": old_guid,
        "origin": begun.get("origin") or "created",
        "assigned_terms": list(begun.get("assigned_terms") or ()),
        "assigned_classifications": list(begun.get("assigned_classifications") or ()),
        "assigned_attributes": list(begun.get("assigned_attributes") or ()),
    }


def dry_refusal(catalog: str, key: ChunkKey, claim: Mapping[str, Any] | None) -> str | None:
    """What a dry run reports for an asset whose identity another object owns (the real run would refuse
    its claim), or None: no claim yet, this object's own, or one its catalog may adopt from."""
    if not claim or key.identity is None:
        return None
    owner = (claim.get("catalog"), claim.get("external_id"))
    if owner == (catalog, key.external_id):
        return None
    if owner[0] != catalog and owner[0] in key.identity.adopt_from:
        return None
    return refusal({"owner_catalog": owner[0], "owner_external_id": owner[1]})


def claim_request(catalog: str, key: ChunkKey, now: str) -> dict[str, Any]:
    """The ``identity_claim.claim`` payload for one chunk item (an asset: it has an identity)."""
    if key.identity is None:
        raise ValueError(f"{key.sync_key}: only assets claim a Purview identity")
    return {
        "type_name": key.identity.type_name,
        "qualified_name": key.identity.qualified_name,
        "catalog": catalog,
        "external_id": key.external_id,
        "adopt_from": list(key.identity.adopt_from),
        "now": now,
    }


def refusal(answer: Mapping[str, Any]) -> str:
    """The reason a refused item shows in its sync state and the run summary."""
    return (
        f"owned by catalog {answer['owner_catalog']!r} (external id {answer['owner_external_id']!r}); "
        "that catalog keeps it until it drops the object, or list it under this catalog's adopt_from"
    )


def counter_of(status: str, begin_reason: str | None) -> str:
    """The summary counter of one written item: a verify run's write of an object the sync state thought
    unchanged is a repair (Purview had lost or changed it). A full run rewrites everything: plain updates."""
    if begin_reason == "verify" and status in ("created", "updated"):
        return "repaired"
    return status
