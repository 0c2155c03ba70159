"""``ingest_events``, ``cleanup_pass`` and ``cleanup`` without a host: their durable calls and outputs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from orchestrators.cleanup import cleanup, cleanup_pass
from orchestrators.ingest_events import ingest_events
from sync.summary import Tally
from tests.unit.orchestrators.harness import START, Call, drive

START_ISO = START.isoformat()

OPTIONS = {
    "chunk_size": 100,
    "batch_items": 50,
    "lease_seconds": 900,
    "busy_retries": 0,
    "busy_delay_seconds": 5,
}
BATCH = {"catalog": "shop", "run_id": "ingest-1", "ref": "ingest-1/events/000000.jsonl", "options": OPTIONS}


def _push(call: Call, *, deletions: bool = False, held: bool = False) -> Any:
    if call.name == "decode_events":
        return {
            "ref": "ingest-1/raw/000000.jsonl",
            "records": 3,
            "errors": ["event 2 of b: cannot decode"],
            "error_count": 1,
        }
    if call.name == "transform_page":
        return {
            "items_ref": "ingest-1/items/0",
            "deletions_ref": "ingest-1/deletions/0" if deletions else None,
        }
    if call.name == "plan_waves":
        return {"waves": [{"phase": "assets", "chunks": [{"ref": "c", "id": "000-0000", "count": 2}]}]}
    if call.name == "upsert_chunk":
        tally = Tally()
        tally.count("asset", "updated", 2)
        return {"tally": tally.to_json()}
    if call.name == "delete_objects":
        if held:
            return {"held": {"count": 5, "message": "deletes held: 5", "fraction": 0.5}, "named": 5}
        return {"deleted": {"asset": 1}, "named": 1}
    return {}


def test_a_pushed_batch_is_decoded_transformed_imported_and_cleaned_up() -> None:
    run = drive(ingest_events, BATCH, _push)
    assert run.names() == ["decode_events", "transform_page", "plan_waves", "upsert_chunk", "cleanup_staging"]
    assert run.of("decode_events")[0].input["ref"] == BATCH["ref"]
    assert run.of("transform_page")[0].input["ref"] == "ingest-1/raw/000000.jsonl"
    out = run.output
    assert out["status"] == "completed" and out["counts"]["asset"]["updated"] == 2
    assert out["errors"] == ["event 2 of b: cannot decode"] and out["deletes_held"] is None


def test_a_pushed_deletion_storm_is_held_and_forced_ones_are_remembered() -> None:
    run = drive(ingest_events, BATCH, lambda call: _push(call, deletions=True, held=True))
    assert run.output["deletes_held"]["count"] == 5 and not run.of("catalog", "deletions_executed")
    forced = drive(ingest_events, {**BATCH, "force_deletes": True}, lambda call: _push(call, deletions=True))
    assert forced.of("delete_objects")[0].input["force"] is True
    assert forced.of("catalog", "deletions_executed")[0].input["count"] == 1


MANIFEST_BOOK = {
    "current": {
        "ref": "state.a/manifests/r1.jsonl.gz",
        "run_id": "r1",
        "read_upto": 1,
        "own": [2],
        "at": START_ISO,
    },
    "journal": [
        {"seq": 1, "ref": "state.a/journal/old.jsonl", "at": START_ISO, "done": True},
        {"seq": 2, "ref": "state.a/journal/r1.jsonl", "at": START_ISO, "done": True},
        {"seq": 3, "ref": "state.a/journal/push.jsonl", "at": START_ISO},
    ],
    "next_seq": 4,
}
"""A manifest that accounted for pieces 1 (read) and 2 (its own): only piece 3 is news."""


class Cleanup:
    def __init__(self, blocked: set[str] = frozenset(), failing: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.blocked, self.failing = blocked, failing

    def __call__(self, call: Call) -> Any:
        if call.name == "catalog_policies":
            return [{"name": name, "deletion": {}} for name in ("a", "b", "c")]
        if call.name == "manifest" and call.operation == "get":
            return MANIFEST_BOOK
        if call.name == "manifest" and call.operation == "journal":
            return {"seq": 3}
        if call.operation == "get":
            run = {
                "run_id": "r0",
                "started": "2025-12-01T00:00:00+00:00",
                "ended": "2025-12-01T00:09:00+00:00",
            }
            return {"complete_runs": [run]}
        if call.name == "find_stale":
            name = call.input["catalog"]
            if name in self.failing:
                raise RuntimeError("management API down")
            return {
                "stale_count": 2,
                "blocked": name in self.blocked,
                "reason": "allowed",
                "message": "2 of 9",
                "fraction": 0.2,
                "total": 9,
                "ref": f"x/stale/{name}.json",
                "journal_ref": f"state.{name}/journal/x.jsonl",
                "cutoff": "2025-12-01T00:00:00+00:00",
            }
        if call.name == "delete_stale":
            return {"deleted": 2}
        raise AssertionError(call)


def test_a_cleanup_pass_goes_on_past_a_failing_catalog_and_a_blocked_one() -> None:
    run = drive(cleanup_pass, {}, Cleanup(blocked={"b"}, failing={"c"}))
    assert run.names() == [
        "catalog_policies",
        "catalog.get",
        "manifest.get",
        "find_stale",
        "manifest.journal",
        "catalog.get",
        "delete_stale",
        "manifest.close",
        "catalog.get",
        "manifest.get",
        "find_stale",
        "catalog.get",
        "manifest.get",
        "find_stale",
    ]
    asked = run.of("find_stale")[0].input
    assert asked["complete_runs"] == ["2025-12-01T00:00:00+00:00"]
    assert asked["manifest_ref"] == "state.a/manifests/r1.jsonl.gz"
    assert asked["journal_refs"] == ["state.a/journal/push.jsonl"]
    assert run.of("manifest", "journal")[0].input["ref"] == "state.a/journal/x.jsonl"
    reports = {r["catalog"]: r for r in run.output}
    assert (reports["a"]["status"], reports["a"]["deleted"]) == ("completed", 2)
    assert (reports["b"]["status"], reports["b"]["deleted"]) == ("blocked", 0)
    assert reports["c"]["status"] == "failed" and "management API down" in reports["c"]["message"]


def test_a_planned_or_forced_cleanup_says_so_to_find_stale() -> None:
    planned = drive(cleanup_pass, {"catalog": "a", "dry_run": True, "force": True}, Cleanup())
    assert planned.of("catalog_policies")[0].input == {"catalog": "a"}
    assert all(c.input["force"] and c.input["plan_only"] for c in planned.of("find_stale"))
    assert "delete_stale" not in planned.names() and "manifest.journal" not in planned.names()


def test_the_eternal_cleanup_passes_waits_and_continues_as_new() -> None:
    def answer(call: Call) -> Any:
        assert call.name == "cleanup_pass"
        return [{"catalog": "a", "status": "completed", "stale": 1, "deleted": 1}]

    run = drive(cleanup, {"interval_minutes": 30}, answer)
    assert run.names() == ["cleanup_pass", "timer"]
    assert datetime.fromisoformat(run.of("timer")[0].input) == START + timedelta(minutes=30)
    assert run.context.continued_as_new == {"interval_minutes": 30}
    assert run.context.statuses[-1]["catalogs"] == {"a": {"status": "completed", "stale": 1, "deleted": 1}}


def test_a_failed_pass_is_reported_and_the_loop_goes_on() -> None:
    def answer(call: Call) -> Any:
        raise RuntimeError("host restarting")

    run = drive(cleanup, {}, answer)
    assert "host restarting" in run.context.statuses[-1]["error"]
    assert run.context.continued_as_new == {"interval_minutes": 60}


def test_a_cleanup_leaves_a_catalog_alone_while_its_sync_runs() -> None:
    """A running pull frees objects by the manifest it read: deleting one now would not reach it."""

    class Running(Cleanup):
        def __init__(self, started_before_check: bool) -> None:
            super().__init__()
            self.started_before_check, self.gets = started_before_check, 0

        def __call__(self, call: Call) -> Any:
            if call.name == "catalog" and call.operation == "get":
                self.gets += 1
                running = self.started_before_check or self.gets > 1
                current = {"run_id": "r9", "started": START_ISO} if running else None
                return {"complete_runs": [], "current": current}
            return super().__call__(call)

    before = drive(cleanup_pass, {"catalog": "a"}, Running(started_before_check=True))
    assert before.output[0]["status"] == "skipped" and "find_stale" not in before.names()
    meanwhile = drive(cleanup_pass, {"catalog": "a"}, Running(started_before_check=False))
    assert meanwhile.output[0]["status"] == "skipped" and "delete_stale" not in meanwhile.names()
    assert meanwhile.of("manifest", "close"), "its journal piece is closed, nothing was deleted"


def test_a_pushed_batch_closes_its_journal_piece_when_done() -> None:
    def answer(call: Call) -> Any:
        if call.name == "plan_waves":
            return {**_push(call), "journal_ref": "state.shop/journal/ingest-1.jsonl"}
        if call.name == "manifest" and call.operation == "journal":
            return {"seq": 4}
        return _push(call, deletions=True)

    run = drive(ingest_events, BATCH, answer)
    names = run.names()
    assert names.index("manifest.journal") < names.index("upsert_chunk") < names.index("delete_objects")
    assert names.index("delete_objects") < names.index("manifest.close")
    assert run.of("manifest", "close")[0].input == {"ref": "state.shop/journal/ingest-1.jsonl"}
