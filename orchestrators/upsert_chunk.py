"""``upsert_chunk``: one chunk (≤ 1,000 items) of one wave — lock, claim, upsert, record.

1. ``chunk_keys`` gives each item's sync-state identity and fingerprint;
2. ``sync_state.begin`` for all items in parallel (the lock + change detection); ``busy`` items are retried
   after a durable timer, a bounded number of times (a dry run reads the states with ``get`` instead);
3. every asset about to be written claims its Purview identity; a refused claim fails the item alone;
4. items that may proceed go to ``upsert_batch`` activities in Purview-sized batches (unchanged ones only
   record their known guid in the run's index);
5. ``complete``/``fail`` is signalled per item, and items that moved retire their old entity.

Every decision is a rule of :mod:`sync.chunks` / :mod:`sync.ownership`. History stays bounded: about three
events per item, far below the 5,000-event budget at 1,000 items.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import azure.durable_functions as df
from pydantic import TypeAdapter

from activities.deletion import retire_assets
from activities.upsert import chunk_keys, upsert_batch
from entities.identity_claim import ClaimResult
from entities.keys import identity_key_of
from orchestrators.retries import ACTIVITY_RETRY
from sync.chunks import (
    batch_failure,
    count_decisions,
    decision_of,
    dry_counter,
    dry_decision,
    outcome_of,
    writable,
)
from sync.contracts import (
    BatchResult,
    ChunkKey,
    ChunkKeysRequest,
    ChunkRequest,
    ChunkResult,
    RetireRequest,
    RetireResult,
)
from sync.leases import busy_retry
from sync.ownership import (
    claim_request,
    dry_refusal,
    identity_text,
    needs_claim,
    refusal,
    released_identity,
    retirement,
)
from sync.summary import Tally, short
from sync.waves import chunk

__all__ = ["bp"]

bp = df.Blueprint()

Decisions = dict[str, dict[str, Any]]
CHUNK_KEYS = TypeAdapter(list[ChunkKey])
"""Validates a chunk's keys in one call (it runs on every replay of the chunk)."""


def _state(key: ChunkKey) -> df.EntityId:
    return df.EntityId("sync_state", key.entity_key)


def _claim(identity: str) -> df.EntityId:
    return df.EntityId("identity_claim", identity_key_of(identity))


def _gather(context: df.DurableOrchestrationContext, tasks: list[Any]) -> Generator[Any, Any, list[Any]]:
    """``task_all`` that also takes no task (the SDK answers None to an empty ``task_all``)."""
    if not tasks:
        return []
    results: list[Any] = yield context.task_all(tasks)
    return results


@bp.orchestration_trigger(context_name="context")
def upsert_chunk(context: df.DurableOrchestrationContext) -> Any:
    """Input :class:`ChunkRequest` → :class:`ChunkResult`."""
    ask = ChunkRequest.model_validate(context.get_input())
    tally = Tally()
    found = yield context.call_activity_with_retry(
        chunk_keys,
        ACTIVITY_RETRY,
        ChunkKeysRequest(catalog=ask.catalog, ref=ask.ref, phase=ask.phase, keys_ref=ask.keys_ref).to_json(),
    )
    keys = CHUNK_KEYS.validate_python(found)
    leased_at = context.current_utc_datetime  # the chunk's earliest lease: its batches end before it
    if ask.dry_run:
        decisions = yield from _read_states(context, ask, keys, tally)
    else:
        decisions = yield from _lock(context, ask, keys)
    if ask.phase == "invalid":
        _record_invalid(context, ask, keys, decisions, tally)
        return ChunkResult(tally=tally).to_json()
    if not ask.dry_run:
        yield from _claim_identities(context, ask, keys, decisions, tally)
    count_decisions(tally, keys, decisions)
    batches = yield from _write(context, ask, keys, decisions, leased_at)
    retired = _record(context, ask, keys=keys, decisions=decisions, batches=batches, tally=tally)
    if retired:
        yield from _retire(context, ask, retired, tally)
    return ChunkResult(
        tally=tally,
        index_refs=[b.index_ref for b in batches if b.index_ref],
        plan_refs=[b.plan_ref for b in batches if b.plan_ref] if ask.dry_run else [],
        manifest_refs=[b.manifest_ref for b in batches if b.manifest_ref],
    ).to_json()


def _read_states(
    context: df.DurableOrchestrationContext, ask: ChunkRequest, keys: list[ChunkKey], tally: Tally
) -> Generator[Any, Any, Decisions]:
    """A dry run reads the sync states (no lock) and the claims, to show what the real run would refuse."""
    states = yield from _gather(context, [context.call_entity(_state(k), "get") for k in keys])
    decisions = {k.sync_key: dry_decision(state) for k, state in zip(keys, states, strict=True)}
    owned = [k for k in keys if k.identity is not None]
    claims = yield from _gather(
        context, [context.call_entity(_claim(identity_text(k.identity) or ""), "get") for k in owned]
    )
    for key, claim in zip(owned, claims, strict=True):
        if reason := dry_refusal(ask.catalog, key, claim):
            _refuse(context, ask, key=key, reason=reason, decisions=decisions, tally=tally, signal=False)
    return decisions


def _lock(
    context: df.DurableOrchestrationContext, ask: ChunkRequest, keys: list[ChunkKey]
) -> Generator[Any, Any, Decisions]:
    """``begin`` every item; busy ones are asked again after a growing durable timer, a few times."""
    decisions: Decisions = {}
    pending, retries = keys, 0
    while pending:
        now = context.current_utc_datetime.isoformat()
        begun = yield from _gather(
            context, [context.call_entity(_state(k), "begin", _begin(ask, k, now)) for k in pending]
        )
        decisions.update({k.sync_key: answer for k, answer in zip(pending, begun, strict=True)})
        pending = [k for k in pending if decisions[k.sync_key]["decision"] == "busy"]
        retry = busy_retry(
            retries,
            len(pending),
            max_retries=ask.options.busy_retries,
            delay_seconds=ask.options.busy_delay_seconds,
        )
        if not retry.retry:
            break
        yield context.create_timer(retry.fire_at(context.current_utc_datetime))
        retries = retry.attempt
    return decisions


def _begin(ask: ChunkRequest, key: ChunkKey, now: str) -> dict[str, Any]:
    return {
        "correlation_id": ask.run_id,
        "catalog": ask.catalog,
        "kind": key.kind,
        "external_id": key.external_id,
        "fingerprint": key.fingerprint,
        "lease_seconds": ask.options.lease_seconds,
        "identity": identity_text(key.identity),
        "mode": ask.mode,
        "now": now,
    }


def _record_invalid(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    keys: list[ChunkKey],
    decisions: Decisions,
    tally: Tally,
) -> None:
    """Records the source rejected: each fails in its sync state (unless another run holds it)."""
    now = context.current_utc_datetime.isoformat()
    for key in keys:
        if decisions[key.sync_key]["decision"] == "busy":
            tally.count(key.kind, "skipped")
            continue
        tally.count(key.kind, "failed")
        if not ask.dry_run:
            _fail(context, ask, key, key.reason or "invalid", now=now)


def _fail(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    key: ChunkKey,
    reason: str,
    *,
    now: str,
    identity: str | None = None,
) -> None:
    """Record the item's failure; ``identity`` only when the item held it (a refused claim does not)."""
    payload = {"correlation_id": ask.run_id, "error": reason, "now": now}
    if identity is not None:
        payload["identity"] = identity
    context.signal_entity(_state(key), "fail", payload)


def _refuse(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    *,
    key: ChunkKey,
    reason: str,
    decisions: Decisions,
    tally: Tally,
    signal: bool = True,
) -> None:
    """An item whose Purview identity another object owns: it fails alone, naming the owner."""
    decisions[key.sync_key] = {"decision": "refused", "reason": reason}
    tally.count(key.kind, "failed")
    tally.error(f"{key.sync_key}: {reason}")
    if signal:
        _fail(context, ask, key, reason, now=context.current_utc_datetime.isoformat())


def _claim_identities(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    keys: list[ChunkKey],
    decisions: Decisions,
    tally: Tally,
) -> Generator[Any, Any, None]:
    """Each Purview identity has one owner: a refused claim fails the item; a granted one frees the identity
    the item held before it moved."""
    now = context.current_utc_datetime.isoformat()
    claiming = [k for k in keys if needs_claim(k, decisions[k.sync_key])]
    answers = yield from _gather(
        context,
        [
            context.call_entity(
                _claim(identity_text(k.identity) or ""), "claim", claim_request(ask.catalog, k, now)
            )
            for k in claiming
        ],
    )
    for key, raw in zip(claiming, answers, strict=True):
        answer = ClaimResult.model_validate(raw)
        if not answer.granted:
            _refuse(context, ask, key=key, reason=refusal(answer.to_json()), decisions=decisions, tally=tally)
        elif old := released_identity(key, decisions[key.sync_key]):
            context.signal_entity(
                _claim(old), "release", {"catalog": ask.catalog, "external_id": key.external_id}
            )


def _write(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    keys: list[ChunkKey],
    decisions: Decisions,
    leased_at: datetime,
) -> Generator[Any, Any, list[BatchResult]]:
    """Purview-sized batches, in parallel; their retries end before the leases the chunk took at its start."""
    items = writable(keys, decisions)
    lease_expires = None
    if not ask.dry_run:
        lease_expires = (leased_at + timedelta(seconds=ask.options.lease_seconds)).isoformat()
    common = {**ask.to_json(), "lease_expires": lease_expires}
    del common["chunk_id"], common["options"]
    requests = [  # BatchRequest JSON, built plain (every item, every replay); upsert_batch validates it
        {
            **common,
            "batch_id": f"{ask.chunk_id}-{number:03d}",
            "decisions": {k.sync_key: decision_of(decisions[k.sync_key]) for k in batch},
        }
        for number, batch in enumerate(chunk(items, ask.options.batch_items))
    ]
    try:
        outputs = yield from _gather(
            context, [context.call_activity_with_retry(upsert_batch, ACTIVITY_RETRY, r) for r in requests]
        )
    except Exception as exc:  # upsert_batch reports Purview failures per item: this is the host or staging
        return [batch_failure(items, decisions, f"batch failed: {short(exc)}")]
    return [BatchResult.model_validate(output) for output in outputs]


def _record(
    context: df.DurableOrchestrationContext,
    ask: ChunkRequest,
    *,
    keys: list[ChunkKey],
    decisions: Decisions,
    batches: list[BatchResult],
    tally: Tally,
) -> list[dict[str, Any]]:
    """Count every result and signal ``complete``/``fail``; returns the old entities moved items left."""
    by_key = {k.sync_key: k for k in keys}
    now = context.current_utc_datetime.isoformat()
    retired: list[dict[str, Any]] = []
    for batch in batches:
        tally.calls(batch.calls)
        for result in batch.results:
            key = by_key[result.sync_key]
            if ask.dry_run:
                tally.count(key.kind, dry_counter(result))
                continue
            begun = decisions[result.sync_key]
            outcome = outcome_of(key.kind, result, begun.get("reason"))
            tally.count(key.kind, outcome.counter)
            if outcome.failed:
                tally.error(f"{result.sync_key}: {outcome.reason}")
                _fail(
                    context,
                    ask,
                    key,
                    outcome.reason or "failed",
                    now=now,
                    identity=identity_text(key.identity),
                )
                continue
            if (left := retirement(ask.catalog, key, begun, outcome.guid)) is not None:
                retired.append(left)
            context.signal_entity(
                _state(key),
                "complete",
                {
                    "correlation_id": ask.run_id,
                    "purview_guid": outcome.guid,
                    "assigned_terms": result.assigned_terms,
                    "assigned_classifications": result.assigned_classifications,
                    "assigned_attributes": result.assigned_attributes,
                    "origin": result.origin,
                    "identity": identity_text(key.identity),
                    "now": now,
                },
            )
    return retired


def _retire(
    context: df.DurableOrchestrationContext, ask: ChunkRequest, states: list[dict[str, Any]], tally: Tally
) -> Generator[Any, Any, None]:
    """Items that moved to another qualifiedName: their old entity goes (or loses our additions)."""
    try:
        output = yield context.call_activity_with_retry(
            retire_assets, ACTIVITY_RETRY, RetireRequest(catalog=ask.catalog, states=states).to_json()
        )
    except Exception as exc:
        tally.error(f"old entities of moved items not retired: {short(exc)}")
        return
    outcome = RetireResult.model_validate(output)
    tally.errors_of(outcome.errors, outcome.failed)
