"""Activities of deletion: find a catalog's stale objects, delete them from Purview, forget their state.

``find_stale`` reads the catalog's manifest (or, for a catalog without one, lists its ``sync_state`` entities
with the management API) and applies the pure deletion policy; the stale list is staged, never passed through
history. ``delete_stale`` deletes by guid in batches
(an unknown guid counts as deleted) and then signals each object's entity to destruct itself.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from activities import resources
from activities.manifests import catalog_states, state_of
from config import DeletionPolicy
from entities.catalog import CatalogState
from entities.keys import encode_key, identity_key_of
from entities.management import read_entity, signal_entity
from staging import RefNotFoundError
from sync.contracts import (
    DeleteStaleRequest,
    DeleteStaleResult,
    FindStaleRequest,
    MarkerHold,
    MarkerRequest,
    MarkerResult,
    RetireRequest,
    RetireResult,
    StaleReport,
)
from sync.deletion import (
    TYPEDEF_PREFIX,
    decide_deletion,
    deletion_cutoff,
    deletion_targets,
    last_presence,
    still_stale,
)
from sync.guards import decide_markers
from sync.manifest import journal_name, latest, state_area
from sync.summary import sample

__all__ = ["bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()


def _delete_in_purview(states: list[dict[str, Any]]) -> dict[str, str | None]:
    """Delete (or release) the objects of these sync states in Purview (:func:`deletion_targets`); returns the
    recorded ids that failed, with the reason (an id Purview does not know counts as deleted)."""
    gateway = resources.gateway()
    targets = deletion_targets(states)
    failed: dict[str, str | None] = {}
    for state in targets.release:
        guid = str(state["purview_guid"])
        outcome = gateway.release_adopted(
            guid,
            str(state.get("catalog")),
            terms=state.get("assigned_terms") or (),
            classifications=state.get("assigned_classifications") or (),
            attributes=state.get("assigned_attributes") or (),
        )
        if outcome.status == "failed":
            failed[guid] = outcome.reason
    for result in [
        *(gateway.delete(targets.assets) if targets.assets else []),
        *(gateway.delete_terms(targets.terms) if targets.terms else []),
    ]:
        if result.status == "failed":
            failed[result.guid] = result.reason
    for result in gateway.delete_classifications(targets.classifications) if targets.classifications else []:
        if result.status == "failed":
            failed[f"{TYPEDEF_PREFIX}{result.guid}"] = result.reason
    return failed


async def _forget(
    client: df.DurableOrchestrationClient, key: str, state: dict[str, Any], *, force: bool
) -> None:
    """Destruct an object's sync state and free its Purview identity for other catalogs."""
    await signal_entity(client, "sync_state", key, "delete", {"force": force})
    identity = state.get("identity")
    if identity and "|" in identity:
        await signal_entity(
            client,
            "identity_claim",
            identity_key_of(identity),
            "release",
            {"catalog": state.get("catalog"), "external_id": state.get("external_id")},
        )


async def _owned_elsewhere(client: df.DurableOrchestrationClient, state: dict[str, Any]) -> bool:
    """Whether the object's Purview identity is now claimed by another object (another catalog took it over
    with ``adopt_from``): then the entity is no longer this object's to delete or strip."""
    identity = state.get("identity")
    if not identity or "|" not in identity:
        return False
    claim = await read_entity(client, "identity_claim", identity_key_of(identity))
    if isinstance(claim, str):
        claim = json.loads(claim)
    if not isinstance(claim, dict):
        return False
    return (claim.get("catalog"), claim.get("external_id")) != (
        state.get("catalog"),
        state.get("external_id"),
    )


async def _in_purview(
    client: df.DurableOrchestrationClient, states: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The states whose Purview object is still theirs to delete (or release)."""
    mine = []
    for state in states:
        if await _owned_elsewhere(client, state):
            logger.info(
                "%s: %s is owned by another object now; not deleted",
                state.get("catalog"),
                state.get("identity"),
            )
            continue
        mine.append(state)
    return mine


MANIFEST_GONE = (
    "the catalog's manifest or a journal piece cannot be read; nothing is deleted until the next sync "
    "writes a new one"
)
Presence = list[tuple[str, datetime | None]]
Known = dict[str, tuple[str | None, str]]  # key → (Purview guid, kind)


async def _from_manifest(
    client: df.DurableOrchestrationClient, ask: FindStaleRequest, manifest_ref: str
) -> tuple[Presence, Known]:
    """Presence of the catalog's objects from its manifest: an entry's ``seen`` where the manifest vouches
    for it, else the later of that and what the sync state says (suspect entries, and keys of journal
    pieces the manifest has not accounted for: deleted, pushed or taken since)."""
    staging = resources.staging()
    entries = {
        str(entry["key"]): entry
        for entry in await resources.run_blocking(lambda: list(staging.iter_jsonl(manifest_ref)))
    }
    ask_state = {key for key, entry in entries.items() if entry.get("fingerprint") is None}
    for ref in ask.journal_refs:
        ask_state.update(str(record["key"]) for record in staging.iter_jsonl(ref))
    seen: Presence = []
    known: Known = {}
    for key, entry in entries.items():
        if key not in ask_state:
            seen.append((key, datetime.fromisoformat(entry["seen"]) if entry.get("seen") else None))
            known[key] = (entry.get("guid"), str(entry.get("kind")))
    for key in sorted(ask_state):
        state = await state_of(client, key)
        if state is not None and state.get("catalog") == ask.catalog:
            at = latest((entries.get(key) or {}).get("seen"), last_presence(state))
            seen.append((key, datetime.fromisoformat(at) if at else None))
            known[key] = (state.get("purview_guid"), str(state.get("kind")))
    return seen, known


async def _by_listing(client: df.DurableOrchestrationClient, catalog: str) -> tuple[Presence, Known]:
    """Presence of the catalog's objects by listing every sync state (a catalog without a manifest)."""
    seen: Presence = []
    known: Known = {}
    async for key, state in catalog_states(client, catalog):
        seen.append((key, last_presence(state)))
        known[key] = (state.get("purview_guid"), str(state.get("kind")))
    return seen, known


@bp.activity_trigger(input_name="request")
@bp.durable_client_input(client_name="client")
async def find_stale(request: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Decide what of a catalog is stale (:class:`FindStaleRequest` → :class:`StaleReport`); the stale list
    is staged under ``ref``, and its keys as a journal piece (``journal_ref``) to register before deleting.

    Reads the catalog's manifest when it has one (cost grows with this catalog only); before a catalog has
    enough complete runs nothing can be stale, so nothing is read at all.
    """
    ask = FindStaleRequest.model_validate(request)
    policy = DeletionPolicy.model_validate(resources.catalog(ask.catalog).deletion)
    runs = [datetime.fromisoformat(t) for t in ask.complete_runs]
    now = datetime.fromisoformat(ask.now)
    if deletion_cutoff(policy, runs, now) is None:
        seen: Presence = []
        known: Known = {}
    elif ask.manifest_ref is not None:
        try:
            seen, known = await _from_manifest(client, ask, ask.manifest_ref)
        except RefNotFoundError:  # sync states do not know when free runs met their objects: wait
            return StaleReport(
                stale_count=0,
                blocked=False,
                reason="no_manifest",
                message=MANIFEST_GONE,
                fraction=0.0,
                total=0,
            ).to_json()
    else:
        seen, known = await _by_listing(client, ask.catalog)
    decision = decide_deletion(policy, runs, now, seen, force=ask.force)
    stale = [{"key": key, "guid": known[key][0], "kind": known[key][1]} for key in decision.stale]
    staging = resources.staging()
    ref = journal_ref = None
    if stale:
        ref = staging.put_json(ask.run_id, f"stale/{ask.catalog}.json", stale)
    if stale and not ask.plan_only:
        journal_ref = staging.put_jsonl(
            state_area(ask.catalog), journal_name(ask.run_id), [{"key": s["key"]} for s in stale]
        )
    return StaleReport(
        stale_count=len(stale),
        blocked=decision.blocked,
        reason=decision.reason,
        message=decision.message,
        fraction=decision.fraction,
        total=decision.total,
        cutoff=decision.cutoff.isoformat() if decision.cutoff else None,
        ref=ref,
        journal_ref=journal_ref,
        sample=sample(key for key in decision.stale),
    ).to_json()


@bp.activity_trigger(input_name="request")
@bp.durable_client_input(client_name="client")
async def delete_stale(request: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Delete the staged stale objects from Purview, then destruct their sync-state entities."""
    ask = DeleteStaleRequest.model_validate(request)
    stale: list[dict[str, Any]] = await resources.run_blocking(resources.staging().get_json, ask.ref)
    cutoff = datetime.fromisoformat(ask.cutoff) if ask.cutoff else None
    still: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for entry in stale:  # a sync may have seen or taken the object since find_stale: then it is kept
        state = await state_of(client, entry["key"])
        if state is not None and still_stale(state, cutoff):
            still.append((entry, state))
    mine = await _in_purview(client, [state for _, state in still])
    failed = await resources.run_blocking(_delete_in_purview, mine)
    deleted = 0
    for entry, state in still:
        if state.get("purview_guid") in failed:
            continue
        await _forget(client, entry["key"], state, force=False)
        deleted += 1
    errors = sample(f"{guid}: {reason}" for guid, reason in failed.items())
    return DeleteStaleResult(deleted=deleted, failed=len(failed), errors=errors).to_json()


@bp.activity_trigger(input_name="request")
def retire_assets(request: dict[str, Any]) -> dict[str, Any]:
    """The old Purview entities of items that moved to another qualifiedName (:class:`RetireRequest`, shaped
    like sync states): created ones are deleted; adopted ones only lose what the sync added. Their claims
    were released when the items claimed their new identity."""
    ask = RetireRequest.model_validate(request)
    failed = _delete_in_purview(ask.states)
    errors = sample(f"retiring {guid}: {reason}" for guid, reason in failed.items())
    return RetireResult(retired=len(ask.states) - len(failed), failed=len(failed), errors=errors).to_json()


@bp.activity_trigger(input_name="request")
@bp.durable_client_input(client_name="client")
async def delete_objects(request: dict[str, Any], client: df.DurableOrchestrationClient) -> dict[str, Any]:
    """Execute delete markers (:class:`MarkerRequest` → :class:`MarkerResult`; ``named``: markers naming a
    synced object, the only ones that explain a drop).

    An object the sync never imported (no sync state) is counted as ``unknown`` and nothing is deleted.
    Markers for more than ``max_delete_fraction`` of the catalog's synced objects are held (nothing deleted)
    unless forced: a producer's deletion storm must not empty Purview.
    """
    ask = MarkerRequest.model_validate(request)
    targets: list[tuple[str, str, dict[str, Any]]] = []  # (kind, entity key, state)
    known: set[str] = set()
    unknown = 0
    for ref in ask.refs:
        for record in resources.staging().iter_jsonl(ref):
            key = encode_key(ask.catalog, record["kind"], record["external_id"])
            if key in known:  # marked on several pages: one object, one marker
                continue
            known.add(key)
            state = await state_of(client, key)
            if state is None or not state.get("purview_guid"):
                unknown += 1
                continue
            targets.append((record["kind"], key, state))
    policy = DeletionPolicy.model_validate(resources.catalog(ask.catalog).deletion)
    held_objects = await _count_objects(client, ask.catalog) if targets else 0
    recent = await _recent_marker_deletions(client, ask.catalog) if targets else 0
    guard = decide_markers(policy, len(targets), held_objects, force=ask.force, recent=recent)
    if not guard.execute:
        logger.warning("%s: %s", ask.catalog, guard.message)
        held = MarkerHold(
            count=len(targets),
            message=guard.message,
            fraction=guard.fraction,
            sample=sample(key for _, key, _ in targets),
        )
        return MarkerResult(unknown=unknown, held=held, named=len(targets)).to_json()
    mine = await _in_purview(client, [state for _, _, state in targets])
    failed = await resources.run_blocking(_delete_in_purview, mine)
    deleted: dict[str, int] = {}
    for kind, key, state in targets:
        if state["purview_guid"] in failed:
            continue
        await _forget(client, key, state, force=True)
        deleted[kind] = deleted.get(kind, 0) + 1
    errors = sample(f"{guid}: {reason}" for guid, reason in failed.items())
    return MarkerResult(
        deleted=deleted, unknown=unknown, failed=len(failed), errors=errors, named=len(targets)
    ).to_json()


async def _recent_marker_deletions(client: df.DurableOrchestrationClient, catalog: str) -> int:
    """Objects delete markers of this catalog deleted within the last 24 hours (its runs registry)."""
    state = await read_entity(client, "catalog", catalog)
    if isinstance(state, str):
        state = json.loads(state)
    if not isinstance(state, dict):
        return 0
    return CatalogState.from_json(state).recent_marker_deletions(datetime.now(UTC))


async def _count_objects(client: df.DurableOrchestrationClient, catalog: str) -> int:
    """The catalog's objects in sync state (the denominator of the delete-marker guard)."""
    return sum([1 async for _ in catalog_states(client, catalog)])
