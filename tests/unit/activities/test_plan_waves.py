"""``plan_waves`` on real local staging: last mentions win, unchanged objects are free only while nothing
journaled them, and the run's own journal piece names everything it sends through sync states."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities.extract import key_of_record
from activities.plan import plan_waves
from sync.manifest import journal_name, state_area
from tests.unit.activities.batches import local_catalog, table

CATALOG = "plan"


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with local_catalog(tmp_path, monkeypatch, CATALOG) as staged:
        yield staged


def _stage_pages(staging: Any, run_id: str, pages: list[list[dict[str, Any]]]) -> list[str]:
    refs = []
    for n, records in enumerate(pages):
        refs.append(staging.put_jsonl(run_id, f"items/{n:06d}.jsonl", records))
        staging.put_jsonl(run_id, f"keys/{n:06d}.jsonl", [key_of_record(r) for r in records])
    return refs


def _manifest_of(staging: Any, records: list[dict[str, Any]]) -> str:
    entries = []
    for record in records:
        key = key_of_record(record)
        entries.append(
            {
                "key": key["entity_key"],
                "kind": "asset",
                "external_id": record["external_id"],
                "fingerprint": key["fingerprint"],
                "guid": f"g-{record['external_id']}",
                "identity": f"azure_sql_table|{record['qualified_name']}",
                "seen": "2026-01-01T00:00:00+00:00",
            }
        )
    return str(staging.put_jsonl(state_area(CATALOG), "manifests/r1.jsonl.gz", entries))


def _plan(run_id: str, refs: list[str], **extra: Any) -> dict[str, Any]:
    plan: dict[str, Any] = plan_waves(
        {"catalog": CATALOG, "run_id": run_id, "chunk_size": 2, "items_refs": refs, **extra}
    )
    return plan


def _chunked(staging: Any, plan: dict[str, Any]) -> list[str]:
    return [
        record["external_id"]
        for wave in plan["waves"]
        for part in wave["chunks"]
        for record in staging.iter_jsonl(part["ref"])
    ]


def test_unchanged_objects_are_free_and_the_rest_is_chunked_with_its_keys(staging: Any) -> None:
    tables = [table(CATALOG, n) for n in range(5)]
    manifest = _manifest_of(staging, tables)
    changed = [*tables[:4], {**tables[4], "description": "new"}, table(CATALOG, 9)]
    refs = _stage_pages(staging, "r2", [changed[:3], changed[3:]])
    plan = _plan("r2", refs, manifest_ref=manifest, journal=True)
    assert _chunked(staging, plan) == ["t4", "t9"]
    assert plan["unchanged"] == {"asset": 4}
    assert staging.get_json(plan["index_ref"]) == {"asset": {f"t{n}": f"g-t{n}" for n in range(4)}}
    assert set(staging.get_json(plan["asset_index_ref"])) == {"t0", "t1", "t2", "t3", "t4", "t9"}
    keys = [k for w in plan["waves"] for p in w["chunks"] for k in staging.iter_jsonl(p["keys_ref"])]
    assert [k["external_id"] for k in keys] == ["t4", "t9"] and all(len(k["fingerprint"]) == 64 for k in keys)
    journaled = [r["external_id"] for r in staging.iter_jsonl(plan["journal_ref"])]
    assert journaled == ["t4", "t9"] and plan["journal_ref"] == f"{state_area(CATALOG)}/{journal_name('r2')}"


def test_a_crashed_run_s_journal_piece_keeps_its_objects_off_the_free_path(staging: Any) -> None:
    """Run 2 journaled t1 (changed to v2), wrote it, and died before its manifest. The source goes back to
    v1, which the old manifest holds: without the piece, run 3 would skip t1 and leave v2 in Purview."""
    tables = [table(CATALOG, n) for n in range(3)]
    manifest = _manifest_of(staging, tables)
    crashed = _stage_pages(staging, "r2", [[tables[0], {**tables[1], "description": "v2"}, tables[2]]])
    piece = _plan("r2", crashed, manifest_ref=manifest, journal=True)["journal_ref"]
    refs = _stage_pages(staging, "r3", [tables])
    plan = _plan("r3", refs, manifest_ref=manifest, journal_refs=[piece], journal=True)
    assert _chunked(staging, plan) == ["t1"] and plan["unchanged"] == {"asset": 2}


def test_without_a_readable_manifest_or_journal_every_object_asks_its_state(staging: Any) -> None:
    tables = [table(CATALOG, n) for n in range(3)]
    manifest = _manifest_of(staging, tables)
    refs = _stage_pages(staging, "r2", [tables])
    lost = _plan(
        "r2", refs, manifest_ref=manifest, journal_refs=[f"{state_area(CATALOG)}/journal/gone.jsonl"]
    )
    assert _chunked(staging, lost) == ["t0", "t1", "t2"] and lost["unchanged"] == {}
    dry = _plan("r2", refs, manifest_ref=None, journal=False)
    assert dry["journal_ref"] is None and _chunked(staging, dry) == ["t0", "t1", "t2"]


def test_the_last_mention_wins_and_pages_without_staged_keys_still_plan(staging: Any) -> None:
    first = staging.put_jsonl("r1", "items/000000.jsonl", [table(CATALOG, 0), table(CATALOG, 1)])
    second = staging.put_jsonl("r1", "items/000001.jsonl", [{**table(CATALOG, 0), "description": "last"}])
    plan = _plan("r1", [first, second], journal=True)
    records = [r for w in plan["waves"] for p in w["chunks"] for r in staging.iter_jsonl(p["ref"])]
    assert [(r["external_id"], r.get("description")) for r in records] == [("t1", None), ("t0", "last")]
    assert plan["order_failure_count"] == 1 and "appears on several pages" in plan["order_failures"][0]


def test_delete_markers_and_invalid_records_are_journaled_before_they_touch_a_state(staging: Any) -> None:
    refs = _stage_pages(staging, "r1", [[table(CATALOG, 0)]])
    rejected = staging.put_jsonl(
        "r1",
        "rejected/000000.jsonl",
        [{"kind": "asset", "external_id": "bad", "reason": "no name", "where": "f:1"}],
    )
    deletions = staging.put_jsonl("r1", "deletions/000000.jsonl", [{"kind": "asset", "external_id": "old"}])
    plan = _plan("r1", refs, rejected_refs=[rejected], deletions_refs=[deletions], journal=True)
    journaled = {r["external_id"]: r for r in staging.iter_jsonl(plan["journal_ref"])}
    assert set(journaled) == {"t0", "bad", "old"}
    assert journaled["old"].get("seen") is None and journaled["t0"]["seen"] is True
    assert [w["phase"] for w in plan["waves"]] == ["assets", "invalid"]
