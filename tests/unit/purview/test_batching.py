from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purview.batching import MAX_ENTITIES_LIMIT, Batch, Unit, entity_bytes, iter_refs, make_batches
from tests.unit.purview.realistic_units import realistic_units


def entity(type_name: str, qn: str, **rels: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"typeName": type_name, "attributes": {"qualifiedName": qn, "name": qn}}
    if rels:
        body["relationshipAttributes"] = rels
    return body


def ref(type_name: str, qn: str) -> dict[str, Any]:
    return {"typeName": type_name, "uniqueAttributes": {"qualifiedName": qn}}


def table_unit(name: str, columns: int, *, collection: str | None = None, **rels: Any) -> Unit:
    owner = entity("t", name, **rels)
    cols = [entity("c", f"{name}#{i}", table=ref("t", name)) for i in range(columns)]
    return Unit(name, (owner, *cols), collection)


def key(e: dict[str, Any]) -> tuple[str, str]:
    return (e["typeName"], e["attributes"]["qualifiedName"])


def check_invariants(
    units: list[Unit], batches: list[Batch], limit: int, *, acyclic: bool = True, whole: bool = True
) -> None:
    all_keys = [key(e) for u in units for e in u.entities]
    placed = [key(e) for b in batches for e in b.entities]
    assert sorted(placed) == sorted(all_keys)  # every entity exactly once
    position = {key(e): i for i, b in enumerate(batches) for e in b.entities}
    for i, batch in enumerate(batches):
        assert 0 < len(batch.entities) <= limit
        guids = {e["guid"] for e in batch.entities}
        assert len(guids) == len(batch.entities)
        assert all(g.startswith("-") for g in guids)
        for e in batch.entities:
            for _, _, r in iter_refs(e):
                if "guid" in r:
                    assert r["guid"] in guids  # placeholder references stay inside the batch
                else:
                    target = (r["typeName"], r["uniqueAttributes"]["qualifiedName"])
                    if target in position and acyclic:
                        assert position[target] < i  # referenced entities were written before
    # units that fit are never split (under a byte budget too: ``check_bytes``)
    for unit in units:
        if whole and len(unit.entities) <= limit:
            assert len({position[key(e)] for e in unit.entities}) == 1
    # one collection per batch
    collection_of = {key(e): u.collection for u in units for e in u.entities}
    for batch in batches:
        assert {collection_of[key(e)] for e in batch.entities} == {batch.collection}


def test_table_with_columns_lands_in_one_batch_with_placeholders() -> None:
    units = [table_unit("a", 3), table_unit("b", 2)]
    (batch,) = make_batches(units, 100)
    owner = batch.entities[0]
    assert owner["guid"] == "-1"
    assert batch.entities[1]["relationshipAttributes"]["table"] == {"guid": "-1", "typeName": "t"}
    assert [p.index for p in batch.placements.values()] == [0, 1, 2, 3, 0, 1, 2]
    assert batch.unit_keys == ["a", "b"]


def test_units_are_not_split_across_batches() -> None:
    units = [table_unit(f"t{i}", 20) for i in range(10)]  # 21 entities each
    batches = make_batches(units, 100)
    assert [len(b.entities) for b in batches] == [84, 84, 42]
    check_invariants(units, batches, 100)


def test_referenced_units_come_first() -> None:
    process = Unit("p", (entity("Process", "p", inputs=[ref("t", "a")], outputs=[ref("t", "b")]),))
    units = [process, table_unit("a", 1), table_unit("b", 1)]
    (batch,) = make_batches(units, 10)
    assert [e["attributes"]["qualifiedName"] for e in batch.entities][-1] == "p"
    assert batch.entities[-1]["relationshipAttributes"]["inputs"] == [{"guid": "-1", "typeName": "t"}]


def test_reference_to_an_earlier_batch_stays_by_unique_attribute() -> None:
    process = Unit("p", (entity("Process", "p", inputs=[ref("t", "a")]),))
    units = [table_unit("a", 4), process]
    batches = make_batches(units, 5)
    assert len(batches) == 2
    assert batches[1].entities[0]["relationshipAttributes"]["inputs"] == [ref("t", "a")]
    check_invariants(units, batches, 5)


def test_oversized_unit_is_split_owner_first() -> None:
    unit = table_unit("big", 12)
    batches = make_batches([unit], 5)
    assert [len(b.entities) for b in batches] == [5, 5, 3]
    assert batches[0].entities[0]["attributes"]["qualifiedName"] == "big"
    assert batches[1].entities[0]["relationshipAttributes"]["table"] == ref("t", "big")
    check_invariants([unit], batches, 5)


def test_collections_get_separate_batches_and_cross_collection_order() -> None:
    a = table_unit("a", 1, collection="sales")
    b = Unit("p", (entity("Process", "p", inputs=[ref("t", "a")]),), "finance")
    c = table_unit("c", 1, collection="sales")
    batches = make_batches([b, a, c], 100)
    assert batches[0].collection == "sales"
    check_invariants([b, a, c], batches, 100)


def test_cycle_is_kept_together() -> None:
    x = Unit("x", (entity("t", "x", peer=ref("t", "y")),))
    y = Unit("y", (entity("t", "y", peer=ref("t", "x")),))
    (batch,) = make_batches([x, y], 10)
    assert all("guid" in e["relationshipAttributes"]["peer"] for e in batch.entities)


def test_external_references_are_left_alone() -> None:
    unit = Unit("x", (entity("t", "x", dbSchema=ref("schema", "elsewhere")),))
    (batch,) = make_batches([unit], 10)
    assert batch.entities[0]["relationshipAttributes"]["dbSchema"] == ref("schema", "elsewhere")


def test_input_units_are_not_mutated() -> None:
    unit = table_unit("a", 2)
    make_batches([unit], 10)
    assert "guid" not in unit.entities[0]
    assert "uniqueAttributes" in unit.entities[1]["relationshipAttributes"]["table"]


@pytest.mark.parametrize("limit", [0, MAX_ENTITIES_LIMIT + 1])
def test_limit_bounds(limit: int) -> None:
    with pytest.raises(ValueError):
        make_batches([], limit)


@st.composite
def unit_sets(draw: st.DrawFn) -> tuple[list[Unit], int]:
    limit = draw(st.integers(min_value=1, max_value=40))
    count = draw(st.integers(min_value=0, max_value=25))
    units: list[Unit] = []
    for i in range(count):
        columns = draw(st.integers(min_value=0, max_value=12))
        collection = draw(st.sampled_from([None, "a", "b"]))
        # acyclic: only reference units created before this one (in any input order below)
        refs = draw(st.lists(st.integers(min_value=0, max_value=max(0, i - 1)), max_size=3)) if i else []
        rels: dict[str, Any] = {}
        if refs:
            rels["inputs"] = [ref("t", f"u{j}") for j in sorted(set(refs))]
        if i and draw(st.booleans()):
            rels["dbSchema"] = ref("t", f"u{draw(st.integers(min_value=0, max_value=i - 1))}")
        if draw(st.booleans()):
            rels["outside"] = ref("t", f"external{i}")
        units.append(table_unit(f"u{i}", columns, collection=collection, **rels))
    order = draw(st.permutations(units))
    return list(order), limit


@settings(max_examples=120, deadline=None)
@given(unit_sets())
def test_batching_properties(case: tuple[list[Unit], int]) -> None:
    units, limit = case
    check_invariants(units, make_batches(units, limit), limit)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2, max_value=8), st.integers(min_value=2, max_value=30))
def test_cycles_never_leave_dangling_placeholders(size: int, limit: int) -> None:
    units = [Unit(f"x{i}", (entity("t", f"x{i}", peer=ref("t", f"x{(i + 1) % size}")),)) for i in range(size)]
    check_invariants(units, make_batches(units, limit), limit, acyclic=False)


GOLDEN = Path(__file__).parent / "data" / "batches_before_copy_on_write.json"


def as_json(batches: list[Batch]) -> list[dict[str, Any]]:
    return [
        {
            "collection": b.collection,
            "entities": b.entities,
            "placements": {k: [p.unit_key, p.index] for k, p in b.placements.items()},
        }
        for b in batches
    ]


def test_output_is_identical_to_the_deep_copying_implementation() -> None:
    """The golden file holds what ``make_batches`` answered when it deep-copied every payload (0cb13cc),
    for realistic units (tables with columns, lineage processes, terms, two collections) and three limits:
    split units, mixed batches, one big batch."""
    units = realistic_units(12, 2, 6)
    before = copy.deepcopy(units)
    for expected in json.loads(GOLDEN.read_text()):
        batches = make_batches(units, expected["max_entities"])
        assert json.dumps(as_json(batches)) == json.dumps(expected["batches"])  # same values, same key order
    assert units == before


def test_batches_share_no_changed_part_with_the_units() -> None:
    """Copy-on-write: what ``_link`` rewrites (the relationship map, lists with placeholders) is the batch's
    own, so rewriting one batch's reference can never reach a unit or another batch."""
    units = realistic_units(4, 2, 2)
    batches = make_batches(units, 40)
    originals = {id(e) for u in units for e in u.entities}
    originals |= {id(e.get("relationshipAttributes")) for u in units for e in u.entities}
    for batch in batches:
        for entity in batch.entities:
            assert id(entity) not in originals
            rels = entity.get("relationshipAttributes")
            if rels and any("guid" in r and r["guid"].startswith("-") for _, _, r in iter_refs(entity)):
                assert id(rels) not in originals


# region byte budget


def check_bytes(units: list[Unit], batches: list[Batch], limit: int, max_bytes: int) -> None:
    """The byte estimate never undershoots the body sent; only a lone entity may exceed the budget; a unit
    that fits both limits is never split."""
    for batch in batches:
        body = batch.body()
        assert json.loads(body) == {"entities": batch.entities}
        assert len(body) <= batch.size
        assert len(batch.entities) == 1 or batch.size <= max_bytes
    position = {key(e): i for i, b in enumerate(batches) for e in b.entities}
    for unit in units:
        unit_bytes = len('{"entities":[]}') + sum(entity_bytes(e) for e in unit.entities)
        if len(unit.entities) <= limit and unit_bytes <= max_bytes:
            assert len({position[key(e)] for e in unit.entities}) == 1


def test_the_byte_budget_packs_as_many_whole_tables_as_fit() -> None:
    units = [table_unit(f"t{i}", 5) for i in range(10)]
    one = len('{"entities":[]}') + sum(entity_bytes(e) for e in units[0].entities)
    batches = make_batches(units, 1000, max_bytes=int(2.5 * one))
    assert [len(b.unit_keys) for b in batches] == [2, 2, 2, 2, 2]
    check_bytes(units, batches, 1000, int(2.5 * one))


def test_a_table_larger_than_the_byte_budget_is_split_owner_first() -> None:
    unit = table_unit("big", 30)
    batches = make_batches([unit], 1000, max_bytes=1000)
    assert len(batches) > 1 and batches[0].entities[0]["attributes"]["qualifiedName"] == "big"
    check_invariants([unit], batches, 1000, whole=False)
    check_bytes([unit], batches, 1000, 1000)


def test_an_entity_alone_above_the_budget_still_travels_alone() -> None:
    huge = Unit("h", (entity("t", "h" * 5000),))
    (batch,) = make_batches([table_unit("a", 1), huge, table_unit("b", 1)], 1000, max_bytes=2000)[1:2]
    assert batch.unit_keys == ["h"] and batch.size > 2000


def test_default_limits_pack_about_47_tables_of_20_columns_per_call() -> None:
    """1,000 entities per call: 47 tables of 21 entities (987), whole; the byte budget does not bind."""
    tables = [table_unit(f"t{i}", 20) for i in range(100)]
    assert [len(b.unit_keys) for b in make_batches(tables, MAX_ENTITIES_LIMIT, 4_000_000)] == [47, 47, 6]
    realistic = realistic_units(100, 20, 10)  # descriptions, terms, lineage, two collections
    batches = make_batches(realistic, MAX_ENTITIES_LIMIT, max_bytes=4_000_000)
    assert as_json(batches) == as_json(make_batches(realistic, MAX_ENTITIES_LIMIT))
    assert all(b.size < 1_000_000 for b in batches)


def test_the_byte_budget_is_validated() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        make_batches([], 10, max_bytes=0)


@st.composite
def described_unit_sets(draw: st.DrawFn) -> tuple[list[Unit], int, int]:
    """``unit_sets`` with free Unicode text (escapes, astral characters) in each entity, and a byte budget."""
    units, limit = draw(unit_sets())
    text = st.text(max_size=60)
    described = [
        Unit(
            u.key,
            tuple({**e, "attributes": {**e["attributes"], "d": draw(text)}} for e in u.entities),
            u.collection,
        )
        for u in units
    ]
    return described, limit, draw(st.integers(min_value=150, max_value=6000))


@settings(max_examples=120, deadline=None)
@given(described_unit_sets())
def test_batching_properties_under_a_byte_budget(case: tuple[list[Unit], int, int]) -> None:
    units, limit, max_bytes = case
    batches = make_batches(units, limit, max_bytes)
    check_invariants(units, batches, limit, whole=False)
    check_bytes(units, batches, limit, max_bytes)


# endregion
