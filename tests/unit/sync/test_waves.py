"""Chunking and import order: examples plus hypothesis properties (coverage, parents first, cycles)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import waves as policy
from sync.waves import MAX_CHUNK_SIZE, OrderFailure, Phase, chunk, phase_of, phase_order


def term(external_id: str, parent: Any = None) -> dict[str, Any]:
    item: dict[str, Any] = {"kind": "glossary_term", "external_id": external_id, "name": external_id}
    if parent is not None:
        item["parent"] = {"external_id": parent} if isinstance(parent, str) else parent
    return item


def asset(external_id: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "asset", "external_id": external_id, "inputs": [], "outputs": [], **fields}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["external_id"] for item in items]


# chunk ------------------------------------------------------------------------------------------------------


def test_chunk_examples() -> None:
    assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert chunk([], 10) == []
    assert chunk(range(3), 1000) == [[0, 1, 2]]


@pytest.mark.parametrize("size", [0, -1, MAX_CHUNK_SIZE + 1])
def test_chunk_size_is_bounded(size: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        chunk([1], size)


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=MAX_CHUNK_SIZE))
def test_chunks_cover_every_item_once_in_order(items: list[int], size: int) -> None:
    parts = chunk(items, size)
    assert [x for part in parts for x in part] == items
    assert all(1 <= len(part) <= size for part in parts)
    assert all(len(part) == size for part in parts[:-1])  # only the last part may be short
    assert len(parts) == -(-len(items) // size)


# phases -----------------------------------------------------------------------------------------------------


def test_phase_of_each_kind() -> None:
    assert phase_of({"kind": "classification"}) is Phase.CLASSIFICATIONS
    assert phase_of(term("t")) is Phase.GLOSSARY_TERMS
    assert phase_of(asset("a")) is Phase.ASSETS
    assert phase_of(asset("p", inputs=[{"external_id": "a"}])) is Phase.PROCESSES
    assert phase_of(asset("p", outputs=[{"type_name": "x", "qualified_name": "y"}])) is Phase.PROCESSES
    with pytest.raises(ValueError, match="unknown pivot item kind 'dataset'"):
        phase_of({"kind": "dataset", "external_id": "d"})


def test_phase_order_example() -> None:
    items = [
        asset("proc", inputs=[{"external_id": "t1"}]),
        asset("t1"),
        term("child", "root"),
        {"kind": "classification", "external_id": "PII"},
        term("grandchild", "child"),
        term("root"),
        term("outside", {"type_name": "AtlasGlossaryTerm", "qualified_name": "Finance@Glossary"}),
        term("orphan", "not-in-batch"),
    ]
    plan = phase_order(items)
    assert [(wave.phase, wave.level, ids(wave.items)) for wave in plan.waves] == [
        (Phase.CLASSIFICATIONS, 0, ["PII"]),
        (Phase.GLOSSARY_TERMS, 0, ["root", "outside", "orphan"]),
        (Phase.GLOSSARY_TERMS, 1, ["child"]),
        (Phase.GLOSSARY_TERMS, 2, ["grandchild"]),
        (Phase.ASSETS, 0, ["t1"]),
        (Phase.PROCESSES, 0, ["proc"]),
    ]
    assert plan.failures == []


def test_plain_string_parent_is_understood() -> None:
    plan = phase_order([{**term("b"), "parent": "a"}, term("a")])
    assert [ids(wave.items) for wave in plan.waves] == [["a"], ["b"]]


def test_empty_input() -> None:
    assert phase_order([]) == policy.PhasePlan([], [])


def test_cycle_members_and_their_descendants_fail() -> None:
    items = [term("a", "c"), term("b", "a"), term("c", "b"), term("d", "a"), term("e", "d"), term("ok")]
    plan = phase_order(items)
    assert [ids(wave.items) for wave in plan.waves] == [["ok"]]
    reasons = {failure.external_id: failure.reason for failure in plan.failures}
    assert set(reasons) == {"a", "b", "c", "d", "e"}
    for member in "abc":
        assert reasons[member].startswith("glossary term parent cycle: ")
        assert all(name in reasons[member] for name in "abc")
    assert reasons["d"].startswith("an ancestor term is in a parent cycle")
    assert reasons["e"].startswith("an ancestor term is in a parent cycle")


def test_self_parent_is_a_cycle() -> None:
    plan = phase_order([term("a", "a")])
    assert plan.waves == []
    assert plan.failures == [OrderFailure("a", "glossary term parent cycle: a → a")]


def test_deep_chain_does_not_recurse() -> None:
    depth = 5_000
    items = [term(f"t{i}", f"t{i - 1}" if i else None) for i in reversed(range(depth))]
    plan = phase_order(items)
    assert len(plan.waves) == depth
    assert [ids(wave.items) for wave in plan.waves[:2]] == [["t0"], ["t1"]]


@st.composite
def term_forests(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Terms whose parent is any term of the batch, none, or one outside it (so cycles happen)."""
    count = draw(st.integers(min_value=0, max_value=30))
    names = [f"t{i}" for i in range(count)]
    parents = st.one_of(st.none(), st.just("elsewhere"), st.sampled_from(names)) if names else st.none()
    return [term(name, draw(parents)) for name in draw(st.permutations(names))]


@given(term_forests())
def test_every_term_is_placed_once_or_failed_and_parents_come_first(terms: list[dict[str, Any]]) -> None:
    plan = phase_order(terms)
    wave_of = {item["external_id"]: index for index, wave in enumerate(plan.waves) for item in wave.items}
    failed = {failure.external_id for failure in plan.failures}
    placed = [item["external_id"] for wave in plan.waves for item in wave.items]
    assert len(placed) == len(set(placed))
    assert set(placed) | failed == {t["external_id"] for t in terms}
    assert not set(placed) & failed
    parent_of = {t["external_id"]: t.get("parent", {}).get("external_id") for t in terms}
    for name, index in wave_of.items():
        parent = parent_of[name]
        if parent in parent_of:  # a parent in the batch is placed, in an earlier wave
            assert wave_of[parent] < index
        if index > 0:  # and every term below level 0 has its parent in the wave right before
            assert wave_of[parent] == index - 1
    # a term fails exactly when following its parents inside the batch runs into a cycle
    for name in parent_of:
        seen: set[str | None] = set()
        node: str | None = name
        while node in parent_of and node not in seen:
            seen.add(node)
            node = parent_of[node]
        assert (name in failed) == (node in seen)
