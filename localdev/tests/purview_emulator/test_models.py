"""Model-level checks without HTTP: exports, value checks, and relationship consistency under random edits."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import localdev.purview
from localdev.purview.models import Backend
from localdev.purview.models.typedefs import check_value
from localdev.purview.seed_types import seed_typedefs


def test_every_module_declares_its_exports() -> None:
    names = [m.name for m in pkgutil.walk_packages(localdev.purview.__path__, "localdev.purview.")]
    assert "localdev.purview.models.entities" in names
    for name in [*names, "localdev.purview"]:
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        assert exported is not None, name
        for symbol in exported:
            assert hasattr(module, symbol), f"{name}.{symbol}"


def test_seed_typedefs_are_consistent() -> None:
    defs = seed_typedefs()
    names = {d["name"] for group in defs.values() for d in group}
    assert len(names) == sum(len(group) for group in defs.values())  # no duplicates
    for d in defs["entityDefs"]:
        assert set(d["superTypes"]) <= names, d["name"]
    for r in defs["relationshipDefs"]:
        assert {r["endDef1"]["type"], r["endDef2"]["type"]} <= names, r["name"]


@pytest.mark.parametrize(
    ("type_name", "value", "ok", "normalised"),
    [
        ("int", "12", True, 12),
        ("int", True, False, True),
        ("long", 3.0, True, 3),
        ("boolean", "False", True, False),
        ("boolean", 1, False, 1),
        ("string", 5, True, "5"),
        ("string", {"a": 1}, False, {"a": 1}),
        ("array<string>", ["a", 1], True, ["a", "1"]),
        ("array<int>", "x", False, "x"),
        ("map<string,string>", {"k": "v"}, True, {"k": "v"}),
        ("double", "1.5", True, 1.5),
        ("AtlasGlossaryTermAssignmentStatus", "VALIDATED", True, "VALIDATED"),
        ("AtlasGlossaryTermAssignmentStatus", "NOPE", False, "NOPE"),
    ],
)
def test_check_value(type_name: str, value: Any, ok: bool, normalised: Any) -> None:
    enums = {"AtlasGlossaryTermAssignmentStatus": {"VALIDATED", "OTHER"}}
    assert check_value(type_name, value, enums) == (ok, normalised)


def _upsert(backend: Backend, entities: list[dict[str, Any]]) -> dict[str, Any]:
    with backend.lock, backend.store.transaction():
        result: dict[str, Any] = backend.entities.upsert(entities, {}, collection_id=None, ts=1)
    return result


def _table(name: str) -> dict[str, Any]:
    return {"typeName": "azure_sql_table", "attributes": {"name": name, "qualifiedName": f"db/{name}"}}


def _column(name: str, table: str) -> dict[str, Any]:
    return {
        "typeName": "azure_sql_column",
        "attributes": {"name": name, "qualifiedName": f"col/{name}", "data_type": "int"},
        "relationshipAttributes": {
            "table": {"typeName": "azure_sql_table", "uniqueAttributes": {"qualifiedName": f"db/{table}"}}
        },
    }


_ops = st.lists(
    st.one_of(
        st.tuples(st.just("attach"), st.sampled_from("cdefg"), st.sampled_from("AB")),
        st.tuples(st.just("replace"), st.sampled_from("AB"), st.sets(st.sampled_from("cdefg"), max_size=3)),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_ops)
def test_both_ends_stay_consistent(ops: list[tuple[Any, ...]]) -> None:
    """Random column moves and owned-array replacements keep table.columns and column.table in agreement."""
    backend = Backend()
    _upsert(backend, [_table("A"), _table("B")])
    for op in ops:
        if op[0] == "attach":
            _upsert(backend, [_column(op[1], op[2])])
            continue
        _, table, columns = op
        guids = [backend.entities.find_active("azure_sql_column", f"col/{c}") for c in sorted(columns)]
        refs = [{"guid": g} for g in guids if g]
        body = {**_table(table), "relationshipAttributes": {"columns": refs}}
        _upsert(backend, [body])
    tables = {t: backend.entities.find_active("azure_sql_table", f"db/{t}") for t in "AB"}
    owner_of: dict[str, str] = {}
    for letter, guid in tables.items():
        assert guid is not None
        entity = backend.entities.get(guid)["entity"]
        for column in entity["relationshipAttributes"]["columns"]:
            assert column["guid"] not in owner_of  # a column belongs to one table at most
            owner_of[column["guid"]] = letter
    rows = backend.store.execute(
        "SELECT guid FROM entities WHERE type_name = 'azure_sql_column' AND status = 'ACTIVE'"
    ).fetchall()
    for (guid,) in rows:
        table_ref = backend.entities.get(guid)["entity"]["relationshipAttributes"]["table"]
        if table_ref is None:
            assert guid not in owner_of
        else:
            assert owner_of[guid] == {v: k for k, v in tables.items()}[table_ref["guid"]]
    backend.close()
