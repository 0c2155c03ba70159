"""``upsert_batch`` parses its items once and looks terms up only for the terms they refer to (issue #12)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from activities import resources, upsert
from pivot import AnyPivotItem, parse_item
from sync.contracts import BatchRequest
from tests.unit.activities.batches import batch_world, table

CATALOG = "cpu"


def _table(n: int, terms: list[str] | None = None) -> dict[str, Any]:
    return table(CATALOG, n, terms or [])


@pytest.fixture
def staged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with batch_world(tmp_path, monkeypatch, CATALOG) as (_, ref):
        yield ref


def _ask(ref: str, index_ref: str | None = None) -> BatchRequest:
    return BatchRequest.model_validate(
        {
            "catalog": CATALOG,
            "run_id": "run-1",
            "phase": "assets",
            "ref": ref,
            "batch_id": "c0-000",
            "index_ref": index_ref,
            "decisions": {f"{CATALOG}|asset|t{n}": {"decision": "proceed"} for n in range(3)},
        }
    )


def test_a_batch_parses_each_item_once(staged: str, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    def counting_parse(record: dict[str, Any]) -> AnyPivotItem:
        parsed.append(record["external_id"])
        return parse_item(record)

    monkeypatch.setattr(upsert, "parse_item", counting_parse)
    run = inspect.unwrap(upsert.upsert_batch.build().get_user_function())  # the activity's own code
    output = asyncio.run(run(_ask(staged).to_json(), None))  # no terms: the durable client is not needed
    assert [r["status"] for r in output["results"]] == ["created"] * 3
    assert sorted(parsed) == ["t0", "t1", "t2"]


def test_a_batch_without_terms_does_not_read_the_term_index(staged: str) -> None:
    items = [parse_item(_table(0))]
    ask = _ask(staged, index_ref="run-1/index/never-written.json")  # reading it would raise
    assert upsert._wanted_terms(ask, items) == set()
    assert upsert._term_guids(ask, items, {}) == {}


def test_term_guids_are_only_the_batchs_the_runs_index_first(staged: str) -> None:
    index = {"glossary_term": {"a": "g-a", "b": "g-b", **{f"x{n}": f"g-x{n}" for n in range(1000)}}}
    index_ref = resources.staging().put_json("run-1", "index/merged-terms.json", index)
    items = [parse_item(_table(0, ["a", "c"])), parse_item(_table(1, ["d"]))]
    ask = _ask(staged, index_ref)
    assert upsert._wanted_terms(ask, items) == {"c", "d"}  # what earlier runs must resolve
    earlier = {"a": "stale", "c": "g-c"}
    assert upsert._term_guids(ask, items, earlier) == {"a": "g-a", "c": "g-c"}
