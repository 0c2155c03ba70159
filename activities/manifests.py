"""Activities of manifests: write a run's manifest, and delete the staged state nobody needs any more.

The rules are :mod:`sync.manifest`; this module loads, asks the sync states of the suspect entries (an
object only known to be touched, failed or pushed has its truth in its entity), and stages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import azure.durable_functions as df

from activities import resources
from entities.management import list_entities, read_entity
from staging import RefNotFoundError, Staging
from sync.contracts import ManifestRequest, ManifestWritten, PruneRequest
from sync.deletion import last_presence
from sync.manifest import ManifestDraft, draft_manifest, latest, manifest_name, state_area

__all__ = ["bp", "catalog_states", "state_of"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()


def _draft(staging: Staging, ask: ManifestRequest) -> tuple[ManifestDraft, bool]:
    """The draft, and whether the base manifest was lost (its file is gone: then what it carried is only
    known from sync states, and presence only from now on)."""
    done = ask.imported
    lost = False
    if done.base_ref:
        try:
            next(staging.iter_jsonl(done.base_ref), None)
        except RefNotFoundError:
            logger.warning(
                "catalog %s: manifest %s is gone; rebuilding from sync states", ask.catalog, done.base_ref
            )
            done, lost = done.model_copy(update={"base_ref": None}), True

    def records(refs: list[str]) -> Any:
        return (record for ref in refs for record in staging.iter_jsonl(ref))

    return draft_manifest(
        base=records([done.base_ref] if done.base_ref else []),
        trust_base=done.base_trusted,
        free=(str(r["key"]) for r in records([done.free_ref] if done.free_ref else [])),
        own=records([done.journal_ref] if done.journal_ref else []),
        parts=records(done.manifest_refs),
        touched_by_others=(str(r["key"]) for r in records(done.touched_refs)),
        seen=ask.started,
    ), lost


async def state_of(client: df.DurableOrchestrationClient, key: str) -> dict[str, Any] | None:
    """A sync state as JSON (None: there is none)."""
    state = await read_entity(client, "sync_state", key)
    if isinstance(state, str):
        state = json.loads(state)
    return state if isinstance(state, dict) else None


async def catalog_states(
    client: df.DurableOrchestrationClient, catalog: str
) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """Every sync state of one catalog, by listing all of them (what a catalog without a manifest costs)."""
    async for entry in list_entities(client, "sync_state"):
        state = entry.get("state")
        if isinstance(state, str):
            state = json.loads(state)
        if isinstance(state, dict) and state.get("catalog") == catalog:
            yield entry["entityId"]["key"], state


def _from_state(entry: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """A suspect entry as its sync state tells it; presence is the later of both (a sync state does not
    know the runs that met its object on the free path)."""
    seen = latest(entry.get("seen"), last_presence(state))
    return {
        **entry,
        "kind": state.get("kind"),
        "external_id": state.get("external_id"),
        "guid": state.get("purview_guid"),
        "identity": state.get("identity"),
        "fingerprint": None,
        "seen": seen,
    }


@bp.activity_trigger(input_name="request")
@bp.durable_client_input(client_name="client")
async def write_manifest(request: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """:class:`ManifestRequest` → :class:`ManifestWritten`: the catalog's next manifest, staged in its state
    area. Suspect entries take what their sync state says (and go when it is gone); with ``inventory``
    (no earlier manifest to carry), every sync state of the catalog is listed once, so objects this run did
    not meet stay known to the deletion guard."""
    ask = ManifestRequest.model_validate(request)
    staging = resources.staging()
    draft, lost = await resources.run_blocking(_draft, staging, ask)
    for key in draft.check:
        state = await state_of(client, key)
        if state is None:
            del draft.entries[key]
        else:
            draft.entries[key] = _from_state(draft.entries[key], state)
    if ask.inventory or lost:
        async for key, state in catalog_states(client, ask.catalog):
            if key not in draft.entries:  # a lost manifest took its presence times: present from now on
                draft.entries[key] = _from_state({"key": key, "seen": ask.started if lost else None}, state)
    entries = list(draft.entries.values())
    ref = await resources.run_blocking(
        staging.put_jsonl, state_area(ask.catalog), manifest_name(ask.run_id), entries
    )
    suspect = sum(1 for entry in entries if entry.get("fingerprint") is None)
    return ManifestWritten(ref=ref, entries=len(entries), suspect=suspect).to_json()


@bp.activity_trigger(input_name="request")
def prune_state(request: dict[str, Any]) -> int:
    """Delete manifests and journal pieces the ``manifest`` entity dropped; returns how many were there."""
    ask = PruneRequest.model_validate(request)
    staging = resources.staging()
    return sum(1 for ref in ask.refs if staging.delete(ref))
