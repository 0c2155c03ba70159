"""``upsert_chunk`` without a host: locks, busy retries, claims, batches and what each item records."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from entities.keys import identity_key
from orchestrators.upsert_chunk import upsert_chunk
from sync.chunks import MISSING_GUID
from sync.contracts import BatchRequest
from tests.unit.orchestrators.harness import START, Call, drive

OPTIONS = {
    "chunk_size": 100,
    "batch_items": 2,
    "lease_seconds": 900,
    "busy_retries": 1,
    "busy_delay_seconds": 30,
}
REQUEST = {
    "catalog": "shop",
    "run_id": "run-1",
    "phase": "assets",
    "ref": "run/chunks/0",
    "chunk_id": "000-0000",
    "options": OPTIONS,
}


def key(external_id: str, kind: str = "asset", qualified_name: str | None = None) -> dict[str, Any]:
    identity = None
    if kind == "asset":
        identity = {"type_name": "table", "qualified_name": qualified_name or f"qn://{external_id}"}
    return {
        "entity_key": f"k-{external_id}",
        "sync_key": f"shop|{kind}|{external_id}",
        "kind": kind,
        "external_id": external_id,
        "fingerprint": "f",
        "identity": identity,
    }


class Chunk:
    """Scripted entities and batches: ``begin`` answers per item (a list is used one answer per round)."""

    def __init__(self, keys: list[dict[str, Any]], begin: dict[str, Any]) -> None:
        self.keys, self.begin = keys, begin
        self.refused: set[str] = set()
        self.no_guid: set[str] = set()
        self.batch_error: str | None = None

    def __call__(self, call: Call) -> Any:
        if call.name == "chunk_keys":
            return self.keys
        if call.operation == "begin":
            answers = self.begin[call.input["external_id"]]
            return answers.pop(0) if isinstance(answers, list) else answers
        if call.operation == "claim":
            if call.input["external_id"] in self.refused:
                return {
                    "granted": False,
                    "reason": "owned",
                    "owner_catalog": "other",
                    "owner_external_id": "x",
                }
            owner = {"owner_catalog": "shop", "owner_external_id": call.input["external_id"]}
            return {"granted": True, "reason": "new", **owner}
        if call.operation == "get":
            return None
        if call.name == "upsert_batch":
            if self.batch_error:
                raise RuntimeError(self.batch_error)
            results = []
            for sync_key, decision in call.input["decisions"].items():
                external_id = sync_key.rsplit("|", 1)[1]
                if call.input["dry_run"]:
                    results.append({"sync_key": sync_key, "action": "create"})
                elif decision["decision"] == "proceed":
                    guid = None if external_id in self.no_guid else f"g-{external_id}"
                    results.append({"sync_key": sync_key, "status": "created", "guid": guid})
            return {"results": results, "index_ref": f"idx/{call.input['batch_id']}", "calls": {"write": 1}}
        if call.name == "retire_assets":
            return {"retired": len(call.input["states"])}
        raise AssertionError(call)


PROCEED = {"decision": "proceed", "reason": "changed"}


def test_items_lock_claim_write_and_record_in_that_order() -> None:
    keys = [key("a"), key("b"), key("t", kind="glossary_term")]
    chunk = Chunk(keys, {"a": PROCEED, "b": {"decision": "unchanged", "purview_guid": "g-b"}, "t": PROCEED})
    run = drive(upsert_chunk, REQUEST, chunk)
    assert run.error is None
    assert run.names() == [
        "chunk_keys",
        "sync_state.begin",
        "sync_state.begin",
        "sync_state.begin",
        "identity_claim.claim",  # only the asset written claims; not the unchanged one, not the term
        "upsert_batch",
        "upsert_batch",  # batch_items=2: three writable items in two batches
        "sync_state.complete",
        "sync_state.complete",
    ]
    assert run.of("identity_claim")[0].key == identity_key("table", "qn://a")
    batches = [c.input for c in run.of("upsert_batch")]
    assert all(BatchRequest.model_validate(b).catalog == "shop" for b in batches)  # the contract holds
    assert [list(b["decisions"]) for b in batches] == [
        ["shop|asset|a", "shop|asset|b"],
        ["shop|glossary_term|t"],
    ]
    assert {b["lease_expires"] for b in batches} == {(START + timedelta(seconds=900)).isoformat()}
    completes = {c.key: c.input for c in run.of("sync_state", "complete")}
    assert completes["k-a"]["purview_guid"] == "g-a" and completes["k-a"]["identity"] == "table|qn://a"
    assert completes["k-t"]["identity"] is None
    out = run.output
    assert (
        out["tally"]["counts"]["asset"]["created"] == 1 and out["tally"]["counts"]["asset"]["unchanged"] == 1
    )
    assert out["tally"]["purview_calls"]["write"] == 2 and out["index_refs"] == [
        "idx/000-0000-000",
        "idx/000-0000-001",
    ]


def test_busy_items_wait_on_a_timer_then_give_up_without_losing_the_lease_start() -> None:
    busy = {"decision": "busy", "holder": "other-run"}
    chunk = Chunk([key("a"), key("b")], {"a": [busy, busy], "b": PROCEED})
    run = drive(upsert_chunk, REQUEST, chunk)
    assert run.names("timer", "entity") == [
        "sync_state.begin",
        "sync_state.begin",
        "timer",
        "sync_state.begin",
        "identity_claim.claim",
    ]
    timer = run.of("timer")[0]
    assert datetime.fromisoformat(timer.input) == START + timedelta(seconds=30)
    out = run.output["tally"]
    assert out["counts"]["asset"]["skipped"] == 1 and out["errors"] == [
        "shop|asset|a: busy (another sync holds it)"
    ]
    # the batch's budget ends with the lease the chunk took before it waited, not after
    assert run.of("upsert_batch")[0].input["lease_expires"] == (START + timedelta(seconds=900)).isoformat()


def test_a_refused_claim_fails_the_item_alone_naming_the_owner() -> None:
    chunk = Chunk([key("a"), key("b")], {"a": PROCEED, "b": PROCEED})
    chunk.refused = {"a"}
    run = drive(upsert_chunk, REQUEST, chunk)
    failed = run.of("sync_state", "fail")
    assert [c.key for c in failed] == ["k-a"] and "owned by catalog 'other'" in failed[0].input["error"]
    assert "identity" not in failed[0].input  # a refused item never held the identity
    assert list(run.of("upsert_batch")[0].input["decisions"]) == ["shop|asset|b"]
    out = run.output["tally"]
    assert out["counts"]["asset"]["failed"] == 1 and out["counts"]["asset"]["created"] == 1


def test_a_result_without_a_guid_fails_the_item() -> None:
    chunk = Chunk([key("a")], {"a": PROCEED})
    chunk.no_guid = {"a"}
    run = drive(upsert_chunk, REQUEST, chunk)
    failed = run.of("sync_state", "fail")
    assert failed[0].input["error"] == MISSING_GUID and failed[0].input["identity"] == "table|qn://a"
    assert not run.of("sync_state", "complete")
    assert run.output["tally"]["errors"] == [f"shop|asset|a: {MISSING_GUID}"]


def test_a_failed_batch_activity_fails_its_items_and_the_chunk_goes_on() -> None:
    chunk = Chunk([key("a"), key("b")], {"a": PROCEED, "b": {"decision": "unchanged", "purview_guid": "g"}})
    chunk.batch_error = "staging unreachable"
    run = drive(upsert_chunk, REQUEST, chunk)
    assert run.error is None
    failed = run.of("sync_state", "fail")
    assert [c.key for c in failed] == ["k-a"]  # the unchanged item was not to be written
    assert failed[0].input["error"].startswith("batch failed: Activity function 'upsert_batch' failed")


def test_a_moved_item_releases_its_old_identity_and_retires_its_old_entity() -> None:
    moved = {**PROCEED, "identity": "table|qn://old", "purview_guid": "g-old", "origin": "created"}
    run = drive(upsert_chunk, REQUEST, Chunk([key("a")], {"a": moved}))
    release = run.of("identity_claim", "release")
    assert len(release) == 1 and release[0].input == {"catalog": "shop", "external_id": "a"}
    retired = run.of("retire_assets")[0].input
    assert retired["states"][0]["purview_guid"] == "g-old" and retired["catalog"] == "shop"


def test_a_dry_run_reads_states_and_claims_and_writes_nothing() -> None:
    run = drive(upsert_chunk, {**REQUEST, "dry_run": True}, Chunk([key("a"), key("b")], {}))
    assert run.names() == [
        "chunk_keys",
        "sync_state.get",
        "sync_state.get",
        "identity_claim.get",
        "identity_claim.get",
        "upsert_batch",
    ]
    assert not [c for c in run.calls if c.kind == "signal"]
    assert run.of("upsert_batch")[0].input["lease_expires"] is None
    assert run.output["tally"]["counts"]["asset"]["created"] == 2


def test_invalid_records_fail_in_their_sync_state_unless_busy() -> None:
    invalid = [{**key("a"), "identity": None, "reason": "a.jsonl:3: bad"}, {**key("b"), "identity": None}]
    chunk = Chunk(invalid, {"a": PROCEED, "b": {"decision": "busy"}})
    run = drive(
        upsert_chunk, {**REQUEST, "phase": "invalid", "options": {**OPTIONS, "busy_retries": 0}}, chunk
    )
    assert "upsert_batch" not in run.names() and "identity_claim.claim" not in run.names()
    assert [(c.key, c.input["error"]) for c in run.of("sync_state", "fail")] == [("k-a", "a.jsonl:3: bad")]
    counts = run.output["tally"]["counts"]["asset"]
    assert (counts["failed"], counts["skipped"]) == (1, 1)
