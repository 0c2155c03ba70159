"""``transform_page`` with a manifest (real pivotfile connector, local staging): a raw line the manifest holds
unchanged is matched by its digest and never parsed; everything else is transformed as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities.extract import transform_page
from activities.plan import plan_waves
from sync.manifest import state_area
from tests.unit.activities.batches import local_catalog, table

CATALOG = "tp"


@pytest.fixture
def staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with local_catalog(tmp_path, monkeypatch, CATALOG) as staged:
        yield staged


def _raw(staging: Any, run_id: str, items: list[dict[str, Any]]) -> str:
    lines = [
        {"file": "data/a.jsonl", "line": n + 1, "text": json.dumps(item)} for n, item in enumerate(items)
    ]
    return str(staging.put_jsonl(run_id, "raw/000000.jsonl", lines))


def _transform(run_id: str, ref: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = transform_page(
        {"catalog": CATALOG, "run_id": run_id, "page": 0, "ref": ref, **extra}
    )
    return out


def _landed(staging: Any, keys_ref: str) -> str:
    """A manifest of what a run that wrote these keys would publish."""
    entries = [
        {
            "key": k["entity_key"],
            "kind": k["kind"],
            "external_id": k["external_id"],
            "fingerprint": k["fingerprint"],
            "guid": f"g-{k['external_id']}",
            "identity": f"{k['identity']['type_name']}|{k['identity']['qualified_name']}",
            "raw": k["raw"],
            "seen": "2026-01-01T00:00:00+00:00",
        }
        for k in staging.iter_jsonl(keys_ref)
    ]
    return str(staging.put_jsonl(state_area(CATALOG), "manifests/r1.jsonl.gz", entries))


def test_unchanged_lines_become_stubs_and_the_plan_leaves_them_out(staging: Any) -> None:
    tables = [table(CATALOG, n) for n in range(3)]
    first = _transform("r1", _raw(staging, "r1", tables))
    assert first["unchanged"] == 0 and first["report"]["records_read"] == 3
    manifest = _landed(staging, "r1/keys/000000.jsonl")

    edited = [tables[0], {**tables[1], "description": "changed"}, tables[2]]
    again = _transform("r2", _raw(staging, "r2", edited), manifest_ref=manifest)
    assert again["unchanged"] == 2 and again["counts"] == {"asset": 3}
    assert again["report"]["records_read"] == 3 and again["report"]["items_produced"] == {"asset": 3}
    items = list(staging.iter_jsonl(again["items_ref"]))
    assert [(i["external_id"], bool(i.get("stub"))) for i in items] == [
        ("t0", True),
        ("t2", True),
        ("t1", False),
    ]
    assert items[0]["qualified_name"] == "mssql://srv/db/dbo/t0"  # what the run's asset index needs

    plan = plan_waves(
        {
            "catalog": CATALOG,
            "run_id": "r2",
            "chunk_size": 10,
            "items_refs": [again["items_ref"]],
            "manifest_ref": manifest,
        }
    )
    chunked = [
        r["external_id"] for w in plan["waves"] for c in w["chunks"] for r in staging.iter_jsonl(c["ref"])
    ]
    assert chunked == ["t1"] and plan["unchanged"] == {"asset": 2}
    assert set(staging.get_json(plan["asset_index_ref"])) == {"t0", "t1", "t2"}


def test_a_journaled_object_is_transformed_in_full(staging: Any) -> None:
    tables = [table(CATALOG, n) for n in range(2)]
    _transform("r1", _raw(staging, "r1", tables))
    manifest = _landed(staging, "r1/keys/000000.jsonl")
    piece = staging.put_jsonl(state_area(CATALOG), "journal/push.jsonl", [{"key": f"{CATALOG}|asset|t1"}])
    again = _transform("r2", _raw(staging, "r2", tables), manifest_ref=manifest, journal_refs=[piece])
    items = list(staging.iter_jsonl(again["items_ref"]))
    assert [(i["external_id"], bool(i.get("stub"))) for i in items] == [("t0", True), ("t1", False)]


def test_a_stub_the_plan_would_not_free_fails_the_plan_instead_of_importing_nothing(staging: Any) -> None:
    tables = [table(CATALOG, 0)]
    _transform("r1", _raw(staging, "r1", tables))
    manifest = _landed(staging, "r1/keys/000000.jsonl")
    again = _transform("r2", _raw(staging, "r2", tables), manifest_ref=manifest)
    piece = staging.put_jsonl(state_area(CATALOG), "journal/late.jsonl", [{"key": f"{CATALOG}|asset|t0"}])
    with pytest.raises(RuntimeError, match="staged as unchanged"):
        plan_waves(
            {
                "catalog": CATALOG,
                "run_id": "r2",
                "chunk_size": 10,
                "items_refs": [again["items_ref"]],
                "manifest_ref": manifest,
                "journal_refs": [piece],
            }
        )
