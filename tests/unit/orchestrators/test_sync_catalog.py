"""``sync_catalog`` and ``extract_segment`` without a host: the exact durable calls of a run, and its result,
on the happy path and when steps fail."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrators import sync_catalog as module
from orchestrators.sync_catalog import extract_segment, sync_catalog
from sync.summary import Tally
from tests.unit.orchestrators.harness import Call, drive

OPTIONS = {
    "chunk_size": 100,
    "batch_items": 50,
    "lease_seconds": 900,
    "busy_retries": 2,
    "busy_delay_seconds": 5,
}
REQUEST = {"catalog": "shop", "options": OPTIONS}
LAST_RUN = {"run_id": "earlier", "started": "2025-12-31T00:00:00+00:00", "ended": "2025-12-31T00:05:00+00:00"}


def _tally(created: int = 0, **extra: Any) -> dict[str, Any]:
    tally = Tally(**extra)
    tally.count("asset", "created", created)
    return tally.to_json()


class World:
    """Scripted answers of a small catalog: one segment, one wave of one chunk creating ``created`` assets."""

    def __init__(self, created: int = 3, last_seen: int | None = 3, segments: int = 1) -> None:
        self.created, self.last_seen, self.segments = created, last_seen, segments
        self.deletions: list[str] = []
        self.markers: dict[str, Any] = {"deleted": {}, "named": 0}
        self.failing: dict[str, str] = {}
        self.segment_calls = 0
        self.unchanged = 0
        self.book: dict[str, Any] | None = None

    def __call__(self, call: Call) -> Any:
        key = f"{call.name}.{call.operation}" if call.operation else call.name
        if key in self.failing:
            raise RuntimeError(self.failing[key])
        if call.name == "extract_segment":
            self.segment_calls += 1
            last = self.segment_calls >= self.segments
            return {
                "pages": 2,
                "next_cursor": None if last else f"c{self.segment_calls}",
                "items_refs": [f"run/items/{self.segment_calls}"],
                "deletions_refs": self.deletions if last else [],
                "tally": _tally(),
            }
        if call.name == "plan_waves":
            return {
                "waves": [
                    {"phase": "assets", "chunks": [{"ref": "run/chunks/0", "id": "000-0000", "count": 3}]}
                ],
                "unchanged": {"asset": self.unchanged},
                "journal_ref": None if call.input["journal"] is False else "state.shop/journal/run.jsonl",
                "free_ref": "run/manifest/free.jsonl" if self.unchanged else None,
                "index_ref": "run/index/free.json" if self.unchanged else None,
            }
        if key == "manifest.get":
            return self.book
        if key == "manifest.journal":
            return {"seq": 7}
        if call.name == "write_manifest":
            return {"ref": "state.shop/manifests/run.jsonl.gz", "entries": 3, "suspect": 0}
        if key == "manifest.publish":
            return {"accepted": True, "dropped": ["state.shop/manifests/old.jsonl.gz"]}
        if call.name == "prune_state":
            return 1
        if call.name == "upsert_chunk":
            tally = Tally()
            tally.count("asset", "created", self.created)
            tally.calls({"read": 1, "write": 2})
            return {
                "tally": tally.to_json(),
                "index_refs": ["run/index/0"],
                "plan_refs": ["run/plan/0"],
                "manifest_refs": ["run/manifest/parts/0.jsonl"],
            }
        if key == "catalog.get":
            runs = [] if self.last_seen is None else [{**LAST_RUN, "seen": self.last_seen}]
            return {"complete_runs": runs}
        if call.name == "delete_objects":
            return self.markers
        if call.name == "find_stale":
            return {
                "stale_count": 1,
                "blocked": False,
                "reason": "allowed",
                "message": "1 of 4",
                "fraction": 0.25,
                "total": 4,
                "ref": "run/stale.json",
                "sample": ["k"],
            }
        return {}


def test_a_run_extracts_imports_records_and_cleans_up_in_that_order() -> None:
    run = drive(sync_catalog, REQUEST, World())
    assert run.error is None
    assert run.names() == [
        "catalog.run_started",
        "manifest.get",
        "extract_segment",
        "plan_waves",
        "manifest.journal",
        "upsert_chunk",
        "catalog.get",
        "manifest.close",
        "write_manifest",
        "manifest.publish",
        "prune_state",
        "catalog.run_finished",
        "cleanup_staging",
    ]
    out = run.output
    assert (out["status"], out["seen"], out["pages"], out["complete_for_deletion"]) == (
        "completed",
        3,
        2,
        True,
    )
    assert out["counts"]["asset"]["created"] == 3 and out["purview_calls"] == {"read": 1, "write": 2}
    finished = run.of("catalog", "run_finished")[0].input
    assert finished["status"] == "completed" and finished["seen"] == 3 and finished["complete_for_deletion"]
    assert finished["summary"]["purview_calls"] == 3
    chunk = run.of("upsert_chunk")[0].input
    assert chunk["run_id"] == out["run_id"] and chunk["options"] == OPTIONS and chunk["dry_run"] is False
    assert run.context.statuses[-1]["phase"] == "completed"


BOOK: dict[str, Any] = {
    "current": {
        "ref": "state.shop/manifests/r1.jsonl.gz",
        "run_id": "r1",
        "read_upto": 2,
        "own": [3],
        "at": "2025-12-31T00:05:00+00:00",
    },
    "journal": [
        {"seq": 3, "ref": "state.shop/journal/r1.jsonl", "at": "2025-12-31T00:01:00+00:00", "done": True},
        {"seq": 4, "ref": "state.shop/journal/push.jsonl", "at": "2025-12-31T00:06:00+00:00"},
    ],
    "next_seq": 5,
}


@pytest.mark.parametrize(
    ("book", "request_extra", "free"),
    [
        (BOOK, {}, True),
        (BOOK, {"mode": "verify"}, False),
        ({**BOOK, "current": {**BOOK["current"], "trusted": False}}, {}, False),
        (None, {}, False),
    ],
    ids=["trusted", "verify", "distrusted", "no-manifest"],
)
def test_the_manifest_and_its_unaccounted_journal_reach_transform_and_plan_only_when_trusted(
    book: dict[str, Any] | None, request_extra: dict[str, Any], free: bool
) -> None:
    world = World()
    world.book = book
    run = drive(sync_catalog, {**REQUEST, **request_extra}, world)
    segment = run.of("extract_segment")[0].input
    plan = run.of("plan_waves")[0].input
    expected = ("state.shop/manifests/r1.jsonl.gz", ["state.shop/journal/push.jsonl"]) if free else (None, [])
    assert (segment["manifest_ref"], segment["journal_refs"]) == expected
    assert (plan["manifest_ref"], plan["journal_refs"]) == expected
    manifest = run.of("write_manifest")[0].input
    assert manifest["imported"]["base_ref"] == (book and book["current"]["ref"])
    assert manifest["inventory"] is (book is not None and not free and not request_extra)
    published = run.of("manifest", "publish")[0].input
    assert (published["read_upto"], published["own"]) == ((4, [7]) if book else (0, [7]))


def test_segments_follow_the_cursor_and_number_their_pages() -> None:
    run = drive(sync_catalog, REQUEST, World(segments=3))
    segments = [c.input for c in run.of("extract_segment")]
    assert [(s["cursor"], s["first_page"]) for s in segments] == [(None, 0), ("c1", 2), ("c2", 4)]
    assert run.of("plan_waves")[0].input["items_refs"] == ["run/items/1", "run/items/2", "run/items/3"]
    assert run.output["pages"] == 6


def test_a_failed_extract_fails_the_run_keeps_its_pages_and_proves_nothing_gone() -> None:
    world = World()
    world.failing["extract_segment"] = "source incomplete: data/a.jsonl: missing"
    run = drive(sync_catalog, REQUEST, world)
    assert run.error is None  # the orchestration completes with a failed run
    assert "plan_waves" not in run.names() and "cleanup_staging" not in run.names()
    out = run.output
    assert out["status"] == "failed" and out["complete_for_deletion"] is False
    assert out["errors"] == [
        "run failed: Orchestrator function 'extract_segment' failed: source incomplete: data/a.jsonl: missing"
    ]
    assert run.of("catalog", "run_finished")[0].input["status"] == "failed"


def test_an_error_after_the_verdict_is_counted_in_the_result() -> None:
    """The result is built last: a refused record and a failed cleanup are in its errors and error_count."""
    world = World()
    world.failing["catalog.run_finished"] = "state too large"
    world.failing["cleanup_staging"] = "disk full"
    out = drive(sync_catalog, REQUEST, world).output
    assert out["error_count"] == 2 == len(out["errors"])
    assert out["errors"][0].startswith("run not recorded in the catalog's history:")
    assert out["errors"][1].startswith("staged data not cleaned up:")


def test_a_shrunken_run_is_held_from_deletion() -> None:
    out = drive(sync_catalog, REQUEST, World(created=3, last_seen=100)).output
    assert out["status"] == "completed" and out["complete_for_deletion"] is False
    assert out["held"][0].startswith("shrink: saw 3 objects, last complete run saw 100")
    accepted = drive(sync_catalog, {**REQUEST, "accept_shrink": True}, World(created=3, last_seen=100)).output
    assert accepted["complete_for_deletion"] is True and accepted["accepted"]


def test_delete_markers_go_through_the_guard_and_held_ones_are_reported() -> None:
    world = World()
    world.deletions = ["run/deletions/0"]
    world.markers = {"held": {"count": 9, "message": "deletes held: 9 markers", "fraction": 0.9}, "named": 9}
    run = drive(sync_catalog, {**REQUEST, "force_deletes": False}, world)
    assert run.of("delete_objects")[0].input == {
        "catalog": "shop",
        "refs": ["run/deletions/0"],
        "force": False,
    }
    assert run.output["deletes_held"]["count"] == 9 and "deletes held: 9 markers" in run.output["errors"]
    assert not run.of("catalog", "deletions_executed")  # nothing was executed

    world.markers = {"deleted": {"asset": 2}, "named": 2}
    run = drive(sync_catalog, {**REQUEST, "force_deletes": True}, world)
    assert run.of("delete_objects")[0].input["force"] is True
    assert run.of("catalog", "deletions_executed")[0].input["count"] == 2
    assert run.output["counts"]["asset"]["deleted"] == 2


def test_a_dry_run_writes_no_record_and_plans_deletes() -> None:
    run = drive(sync_catalog, {**REQUEST, "dry_run": True}, World())
    assert run.names() == [
        "extract_segment",
        "plan_waves",
        "upsert_chunk",
        "catalog.get",
        "manifest.get",
        "find_stale",
    ]
    assert run.of("plan_waves")[0].input["journal"] is False
    assert run.of("find_stale")[0].input["plan_only"] is True
    out = run.output
    assert out["status"] == "dry_run" and out["complete_for_deletion"] is False
    assert out["deletes"]["stale_count"] == 1 and out["plan_refs"] == ["run/plan/0"]
    assert run.of("upsert_chunk")[0].input["dry_run"] is True


def test_a_malformed_request_fails_at_the_boundary_naming_the_field() -> None:
    run = drive(sync_catalog, {"catalog": "shop", "options": {**OPTIONS, "chunk_size": 0}}, World())
    assert run.error is not None and "chunk_size" in str(run.error) and not run.calls


def _pages(ref_count: int, *, error_on: int | None = None) -> Any:
    def answer(call: Call) -> Any:
        if call.name == "extract_page":
            page = call.input["page"]
            if page == error_on:
                return {"source_error": "data/b.jsonl: changed during the run"}
            last = page + 1 >= ref_count
            return {"ref": f"run/raw/{page}", "count": 10, "next_cursor": None if last else f"cur{page + 1}"}
        if call.name == "transform_page":
            return {
                "items_ref": f"run/items/{call.input['page']}",
                "rejected": 1,
                "errors": ["a.jsonl:3: bad"],
                "report": {"records_read": 10, "ignored": {"ownership": 2}},
            }
        raise AssertionError(call)

    return answer


def test_a_segment_pages_then_transforms_in_parallel() -> None:
    run = drive(extract_segment, {"catalog": "shop", "run_id": "r", "first_page": 4}, _pages(7))
    assert run.names() == ["extract_page"] * 3 + ["transform_page"] * 3
    assert [c.input["cursor"] for c in run.of("extract_page")] == [None, "cur5", "cur6"]
    out = run.output
    assert out["pages"] == 3 and out["next_cursor"] is None
    assert out["tally"]["rejected"] == 3 and out["tally"]["ignored"] == {"ownership": 6}
    assert out["tally"]["source"]["records_read"] == 30 and out["tally"]["error_count"] == 3


def test_a_segment_stops_at_its_page_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module, "SEGMENT_PAGES", 2)
    out = drive(extract_segment, {"catalog": "shop", "run_id": "r", "first_page": 0}, _pages(10)).output
    assert out["pages"] == 2 and out["next_cursor"] == "cur2"


def test_a_source_error_fails_the_segment_before_any_transform() -> None:
    run = drive(extract_segment, {"catalog": "shop", "run_id": "r", "first_page": 0}, _pages(5, error_on=1))
    assert run.error is not None and "source incomplete: data/b.jsonl" in str(run.error)
    assert "transform_page" not in run.names()


@pytest.mark.parametrize(
    ("failing", "answer"),
    [("write_manifest", None), (None, {"accepted": False, "reason": "forgotten", "dropped": []})],
    ids=["not-written", "refused"],
)
def test_a_run_whose_manifest_is_not_published_does_not_count_for_deletion(
    failing: str | None, answer: dict[str, Any] | None
) -> None:
    """Its objects met unchanged are recorded nowhere else: counting it would make them look stale."""
    world = World()
    world.book = BOOK
    if failing:
        world.failing[failing] = "staging down"

    def answers(call: Call) -> Any:
        if answer is not None and call.name == "manifest" and call.operation == "publish":
            return answer
        return world(call)

    out = drive(sync_catalog, REQUEST, answers).output
    assert out["status"] == "completed" and out["complete_for_deletion"] is False
    assert any(h.startswith("manifest not") for h in out["held"]), out["held"]
