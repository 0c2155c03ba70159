from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import TypeAdapter, ValidationError

from pivot import ItemRef, QualifiedNameRef, Ref, RefOrRefs

REF = TypeAdapter[ItemRef | QualifiedNameRef](cast(Any, Ref))
REFS = TypeAdapter[object](cast(Any, RefOrRefs))


def test_plain_string_is_an_item_ref() -> None:
    assert REF.validate_python("model.a") == ItemRef(external_id="model.a")


def test_explicit_item_ref() -> None:
    assert REF.validate_python({"external_id": "model.a"}) == ItemRef(external_id="model.a")


def test_qualified_name_ref() -> None:
    ref = REF.validate_python({"type_name": "azure_sql_table", "qualified_name": "mssql://s/d/t"})
    assert ref == QualifiedNameRef(type_name="azure_sql_table", qualified_name="mssql://s/d/t")


def test_model_instances_pass_through() -> None:
    ref = QualifiedNameRef(type_name="DataSet", qualified_name="x")
    assert REF.validate_python(ref) is ref


def test_item_ref_dumps_in_explicit_form() -> None:
    assert REF.dump_python(REF.validate_python("a"), mode="json") == {"external_id": "a"}


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"foo": "x"},
        3,
        None,
        {"external_id": ""},
        {"external_id": "a", "type_name": "DataSet"},
        {"type_name": "DataSet"},
        {"qualified_name": "x"},
        {"type_name": "bad type", "qualified_name": "x"},
        {"type_name": "DataSet", "qualified_name": ""},
        "",
    ],
)
def test_bad_refs_are_rejected(bad: object) -> None:
    with pytest.raises(ValidationError):
        REF.validate_python(bad)


def test_bad_ref_message_names_the_accepted_forms() -> None:
    with pytest.raises(ValidationError, match="a reference is an external_id string"):
        REF.validate_python({"foo": "x"})


def test_ref_or_refs_one_and_many() -> None:
    assert REFS.validate_python("a") == ItemRef(external_id="a")
    assert REFS.validate_python(["a", {"type_name": "T", "qualified_name": "q"}]) == (
        ItemRef(external_id="a"),
        QualifiedNameRef(type_name="T", qualified_name="q"),
    )
    with pytest.raises(ValidationError):
        REFS.validate_python([{"nope": 1}])


def test_refs_are_frozen_and_hashable() -> None:
    ref = ItemRef(external_id="a")
    with pytest.raises(ValidationError):
        ref.external_id = "b"  # type: ignore[misc]
    assert len({ref, ItemRef(external_id="a")}) == 1
