"""Pure rules of ownership in a chunk: which items must claim their Purview identity, and how outcomes count.

Kept apart from the orchestrator so they are unit-tested without durable machinery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["claim_request", "counter_of", "identity_text", "needs_claim", "refusal"]

_REWRITE_REASONS = frozenset({"verify", "full"})


def identity_text(identity: Mapping[str, str] | None) -> str | None:
    """``type_name|qualifiedName`` as the sync state stores it (None for terms and classifications)."""
    if not identity:
        return None
    return f"{identity['type_name']}|{identity['qualified_name']}"


def needs_claim(key: Mapping[str, Any], begun: Mapping[str, Any]) -> bool:
    """An asset about to be written whose sync state does not yet hold the claim of its current identity."""
    return (
        begun.get("decision") == "proceed"
        and bool(key.get("identity"))
        and (begun.get("identity") != identity_text(key["identity"]))
    )


def claim_request(request: Mapping[str, Any], key: Mapping[str, Any], now: str) -> dict[str, Any]:
    """The ``identity_claim.claim`` payload for one chunk item."""
    identity = key["identity"]
    return {
        "type_name": identity["type_name"],
        "qualified_name": identity["qualified_name"],
        "catalog": request["catalog"],
        "external_id": key["external_id"],
        "adopt_from": list(identity.get("adopt_from") or ()),
        "now": now,
    }


def refusal(answer: Mapping[str, Any]) -> str:
    """The reason a refused item shows in its sync state and the run summary."""
    return (
        f"owned by catalog {answer['owner_catalog']!r} (external id {answer['owner_external_id']!r}); "
        "that catalog keeps it until it drops the object, or list it under this catalog's adopt_from"
    )


def counter_of(status: str, begin_reason: str | None) -> str:
    """The summary counter of one written item: a verify/full run's write of an object the sync state thought
    unchanged is a repair (Purview had lost or changed it)."""
    if begin_reason in _REWRITE_REASONS and status in ("created", "updated"):
        return "repaired"
    return status
