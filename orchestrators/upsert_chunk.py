"""``upsert_chunk``: one chunk (≤ 1,000 items) of one wave — lock, change detection, upsert, record.

1. ``chunk_keys`` gives each item's sync-state identity and fingerprint;
2. ``sync_state.begin`` for all items in parallel (the lock + change detection); ``busy`` items are retried
   after a durable timer, a bounded number of times;
3. items that may proceed go to ``upsert_batch`` activities in Purview-sized batches (unchanged ones only
   record their known guid in the run's index);
4. ``complete``/``fail`` is signalled per item. A dry run reads sync state with ``get`` and writes nothing.

History stays bounded: about three events per item, far below the 5,000-event budget at 1,000 items.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from activities.deletion import retire_assets
from activities.upsert import chunk_keys, upsert_batch
from entities.keys import identity_key, identity_key_of
from sync.leases import busy_retry
from sync.ownership import (
    claim_request,
    counter_of,
    dry_refusal,
    identity_text,
    needs_claim,
    refusal,
    released_identity,
    retirement,
)
from sync.summary import add_error, add_errors, empty_summary, tally
from sync.waves import chunk

__all__ = ["bp"]

bp = df.Blueprint()

ACTIVITY_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)
_STATUS_OF = {
    "created": "created",
    "updated": "updated",
    "unchanged": "unchanged",
    "skipped": "skipped",
    "failed": "failed",
}


def _entity(key: str) -> df.EntityId:
    return df.EntityId("sync_state", key)


def _claim_entity(identity: dict[str, str]) -> df.EntityId:
    return df.EntityId("identity_claim", identity_key(identity["type_name"], identity["qualified_name"]))


def _gather(context: df.DurableOrchestrationContext, tasks: list[Any]) -> Generator[Any, Any, list[Any]]:
    """``task_all`` that also takes no task (the SDK answers None to an empty ``task_all``)."""
    if not tasks:
        return []
    results: list[Any] = yield context.task_all(tasks)
    return results


def _refuse(
    summary: dict[str, Any], decisions: dict[str, dict[str, Any]], key: dict[str, Any], reason: str
) -> None:
    """An item whose Purview identity another object owns: it fails alone, naming the owner."""
    decisions[key["sync_key"]] = {"decision": "refused", "reason": reason}
    tally(summary, key["kind"], "failed")
    add_error(summary, f"{key['sync_key']}: {reason}")


@bp.orchestration_trigger(context_name="context")
def upsert_chunk(context: df.DurableOrchestrationContext) -> Any:
    """Input: ``{catalog, run_id, phase, ref, chunk_id, index_ref, asset_index_ref, dry_run, options}``."""
    request: dict[str, Any] = context.get_input()
    options = request["options"]
    dry = bool(request.get("dry_run"))
    invalid = request["phase"] == "invalid"
    summary = empty_summary()
    keys: list[dict[str, Any]] = yield context.call_activity_with_retry(
        chunk_keys,
        ACTIVITY_RETRY,
        {"ref": request["ref"], "phase": request["phase"], "catalog": request["catalog"]},
    )
    by_key = {k["sync_key"]: k for k in keys}
    now = context.current_utc_datetime.isoformat()
    decisions: dict[str, dict[str, Any]] = {}
    if dry:
        states = yield context.task_all([context.call_entity(_entity(k["entity_key"]), "get") for k in keys])
        for key, state in zip(keys, states, strict=True):
            decisions[key["sync_key"]] = _dry_decision(key, state)
        owned = [k for k in keys if k.get("identity")]  # the plan shows what the claim would refuse
        claims = yield from _gather(
            context, [context.call_entity(_claim_entity(k["identity"]), "get") for k in owned]
        )
        for k, claim in zip(owned, claims, strict=True):
            if reason := dry_refusal(request, k, claim):
                _refuse(summary, decisions, k, reason)
    else:
        pending, retries = keys, 0
        leased_at = context.current_utc_datetime  # the earliest lease of the chunk: its batches end before it
        while pending:
            begun = yield context.task_all(
                [
                    context.call_entity(
                        _entity(k["entity_key"]),
                        "begin",
                        {
                            "correlation_id": request["run_id"],
                            "catalog": request["catalog"],
                            "kind": k["kind"],
                            "external_id": k["external_id"],
                            "fingerprint": k["fingerprint"],
                            "lease_seconds": options["lease_seconds"],
                            "identity": identity_text(k.get("identity")),
                            "mode": request.get("mode") or "normal",
                            "now": now,
                        },
                    )
                    for k in pending
                ]
            )
            busy = [k for k, r in zip(pending, begun, strict=True) if r["decision"] == "busy"]
            for k, r in zip(pending, begun, strict=True):
                decisions[k["sync_key"]] = r
            retry = busy_retry(
                retries,
                len(busy),
                max_retries=options["busy_retries"],
                delay_seconds=options["busy_delay_seconds"],
            )
            if not retry.retry:
                break
            yield context.create_timer(retry.fire_at(context.current_utc_datetime))
            now, pending, retries = context.current_utc_datetime.isoformat(), busy, retry.attempt

    if invalid:
        for k in keys:
            kind = k["kind"]
            if decisions[k["sync_key"]]["decision"] == "busy":
                tally(summary, kind, "skipped")
                continue
            tally(summary, kind, "failed")
            if not dry:
                context.signal_entity(
                    _entity(k["entity_key"]),
                    "fail",
                    {"correlation_id": request["run_id"], "error": k["reason"], "now": now},
                )
        return summary

    if not dry:  # each Purview identity has one owner: a claim refused fails the item, naming the owner
        claiming = [k for k in keys if needs_claim(k, decisions[k["sync_key"]])]
        answers = yield from _gather(
            context,
            [
                context.call_entity(_claim_entity(k["identity"]), "claim", claim_request(request, k, now))
                for k in claiming
            ],
        )
        for k, answer in zip(claiming, answers, strict=True):
            if not answer["granted"]:
                reason = refusal(answer)
                _refuse(summary, decisions, k, reason)
                context.signal_entity(
                    _entity(k["entity_key"]),
                    "fail",
                    {"correlation_id": request["run_id"], "error": reason, "now": now},
                )
            elif old := released_identity(k, decisions[k["sync_key"]]):  # renamed: the old one is free
                context.signal_entity(
                    df.EntityId("identity_claim", identity_key_of(old)),
                    "release",
                    {"catalog": request["catalog"], "external_id": k["external_id"]},
                )

    for sync_key, begun in decisions.items():
        kind = by_key[sync_key]["kind"]
        if begun["decision"] == "busy":
            tally(summary, kind, "skipped")
            add_error(summary, f"{sync_key}: busy (another sync holds it)")
        elif begun["decision"] == "skip":
            tally(summary, kind, "skipped")
        elif begun["decision"] == "unchanged":
            tally(summary, kind, "unchanged")

    writable = [k for k in keys if decisions[k["sync_key"]]["decision"] in ("proceed", "unchanged", "skip")]
    batches = chunk(writable, options["batch_items"]) if writable else []
    tasks = [
        context.call_activity_with_retry(
            upsert_batch,
            ACTIVITY_RETRY,
            {
                "catalog": request["catalog"],
                "run_id": request["run_id"],
                "phase": request["phase"],
                "ref": request["ref"],
                "batch_id": f"{request['chunk_id']}-{number:03d}",
                "index_ref": request.get("index_ref"),
                "asset_index_ref": request.get("asset_index_ref"),
                "dry_run": dry,
                "mode": request.get("mode") or "normal",
                "lease_expires": None
                if dry
                else (leased_at + timedelta(seconds=options["lease_seconds"])).isoformat(),
                "decisions": {k["sync_key"]: _lite(decisions[k["sync_key"]]) for k in batch},
            },
        )
        for number, batch in enumerate(batches)
    ]
    outputs: list[dict[str, Any]] = []
    try:
        outputs = (yield context.task_all(tasks)) if tasks else []
    except Exception as exc:  # a batch activity failed even after its retries (upsert_batch reports per
        # item, so this is the host or staging): fail the items that were to be written, keep the run going
        reason = f"batch failed: {str(exc)[:300]}"
        proceed = [k for k in writable if decisions[k["sync_key"]]["decision"] == "proceed"]
        outputs = [
            {
                "index_ref": None,
                "calls": {},
                "results": [
                    {"sync_key": k["sync_key"], "status": "failed", "reason": reason} for k in proceed
                ],
            }
        ]
    done = context.current_utc_datetime.isoformat()
    index_refs, plan_refs = [], []
    retired: list[dict[str, Any]] = []
    for output in outputs:
        index_refs.append(output["index_ref"])
        plan_refs.append(output.get("plan_ref"))
        for direction, n in output["calls"].items():
            summary["purview_calls"][direction] += n
        for result in output["results"]:
            kind = by_key[result["sync_key"]]["kind"]
            entity = _entity(by_key[result["sync_key"]]["entity_key"])
            if dry:
                action = result.get("action", "fail")
                tally(
                    summary,
                    kind,
                    {"create": "created", "update": "updated", "fail": "failed"}.get(action, "unchanged"),
                )
                continue
            status = _STATUS_OF.get(result["status"], "failed")
            guid = _guid_of(kind, result)
            reason = result.get("reason")
            if status != "failed" and guid is None:
                status, reason = "failed", "Purview answered without a guid"
            begun = decisions[result["sync_key"]]
            counted = counter_of(status, begun.get("reason"))
            tally(summary, kind, counted)
            if status == "failed":
                add_error(summary, f"{result['sync_key']}: {reason}")
                context.signal_entity(
                    entity,
                    "fail",
                    {
                        "correlation_id": request["run_id"],
                        "error": reason or "failed",
                        "identity": identity_text(by_key[result["sync_key"]].get("identity")),
                        "now": done,
                    },
                )
            else:
                left = retirement(request["catalog"], by_key[result["sync_key"]], begun, guid)
                if left is not None:
                    retired.append(left)
                context.signal_entity(
                    entity,
                    "complete",
                    {
                        "correlation_id": request["run_id"],
                        "purview_guid": guid,
                        "assigned_terms": result.get("assigned_terms"),
                        "assigned_classifications": result.get("assigned_classifications"),
                        "assigned_attributes": result.get("assigned_attributes"),
                        "origin": result.get("origin"),
                        "identity": identity_text(by_key[result["sync_key"]].get("identity")),
                        "now": done,
                    },
                )
    if retired:  # items that moved to another qualifiedName: their old entity goes (or loses our additions)
        try:
            outcome = yield context.call_activity_with_retry(
                retire_assets, ACTIVITY_RETRY, {"catalog": request["catalog"], "states": retired}
            )
            add_errors(summary, outcome["errors"], outcome["failed"])
        except Exception as exc:
            add_error(summary, f"old entities of moved items not retired: {str(exc)[:300]}")
    summary["index_refs"] = [ref for ref in index_refs if ref]
    if dry:
        summary["plan_refs"] = [ref for ref in plan_refs if ref]
    return summary


def _guid_of(kind: str, result: dict[str, Any]) -> str | None:
    """What the sync state records as the Purview id: the guid; for a classification (a typedef, which has
    no entity guid here) ``typedef:<name>``, which deletion knows to delete as a typedef."""
    if result.get("guid"):
        return str(result["guid"])
    if kind == "classification" and result.get("qualified_name"):
        return f"typedef:{result['qualified_name']}"
    return None


def _lite(decision: dict[str, Any]) -> dict[str, Any]:
    return {
        "decision": decision["decision"],
        "purview_guid": decision.get("purview_guid"),
        "assigned_terms": decision.get("assigned_terms") or [],
        "assigned_classifications": decision.get("assigned_classifications") or [],
        "assigned_attributes": decision.get("assigned_attributes") or [],
        "origin": decision.get("origin"),
    }


def _dry_decision(key: dict[str, Any], state: dict[str, Any] | None) -> dict[str, Any]:
    """A dry run plans every item against what Purview holds, with what the sync state knows as prior."""
    del key
    if not state:
        return {"decision": "proceed"}
    return {
        "decision": "proceed",
        "purview_guid": state.get("purview_guid"),
        "assigned_terms": state.get("assigned_terms") or [],
        "assigned_classifications": state.get("assigned_classifications") or [],
        "assigned_attributes": state.get("assigned_attributes") or [],
        "origin": state.get("origin"),
    }
