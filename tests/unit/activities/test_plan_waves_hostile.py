"""``plan_waves`` on real local staging under hostile input: an adversarial review's holes, each a test that
failed before its fix."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities.extract import key_of_record
from activities.plan import plan_waves
from sync.manifest import state_area
from tests.unit.activities.batches import local_catalog

CATALOG = "plan"


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with local_catalog(tmp_path, monkeypatch, CATALOG) as staged:
        yield staged


def _term(external_id: str, parent: str | None = None) -> dict[str, Any]:
    term: dict[str, Any] = {"kind": "glossary_term", "catalog": CATALOG, "external_id": external_id}
    term["name"] = external_id
    if parent is not None:
        term["parent"] = {"external_id": parent}
    return term


def _stage(staging: Any, run_id: str, records: list[dict[str, Any]]) -> list[str]:
    staging.put_jsonl(run_id, "keys/000000.jsonl", [key_of_record(r) for r in records])
    return [staging.put_jsonl(run_id, "items/000000.jsonl", records)]


def _manifest(staging: Any, records: list[dict[str, Any]]) -> str:
    entries = []
    for record in records:
        key = key_of_record(record)
        entries.append(
            {
                "key": key["entity_key"],
                "kind": key["kind"],
                "external_id": key["external_id"],
                "fingerprint": key["fingerprint"],
                "guid": f"g-{key['external_id']}",
                "identity": None,
                "seen": "2026-01-01T00:00:00+00:00",
            }
        )
    return str(staging.put_jsonl(state_area(CATALOG), "manifests/r1.jsonl.gz", entries))


def test_a_parent_cycle_closed_through_an_unchanged_term_is_still_refused(staging: Any) -> None:
    """Run 1 wrote A under B. Now B moves under A: A→B→A is a cycle. Without manifests both terms go
    through ``phase_order``, which fails the cycle's members; with A free, B's parent looks "outside the
    batch", B lands at level 0 and is written under A: a parent cycle in Purview's glossary."""
    manifest = _manifest(staging, [_term("A", parent="B"), _term("B")])
    refs = _stage(staging, "r2", [_term("A", parent="B"), _term("B", parent="A")])
    plan = plan_waves(
        {"catalog": CATALOG, "run_id": "r2", "chunk_size": 10, "items_refs": refs}
        | {"manifest_ref": manifest, "journal": True}
    )
    written = [
        record["external_id"]
        for wave in plan["waves"]
        if wave["phase"] == "glossary_terms"
        for part in wave["chunks"]
        for record in staging.iter_jsonl(part["ref"])
    ]
    assert "B" not in written, "B was planned to be written under A while A is under B"
    assert plan["order_failure_count"] >= 1
