"""Fingerprints: stable where Purview would not change, different wherever it would."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pivot import canonical_json, fingerprint_of, parse_item
from pivot.fingerprint import SET_LIKE_FIELDS
from tests.unit.pivot.builders import asset_json, classification_json, full_asset_json, term_json

REPO_ROOT = Path(__file__).resolve().parents[3]


def fp(data: dict[str, Any]) -> str:
    return parse_item(data).fingerprint()


def reverse_lists(data: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    return {k: list(reversed(v)) if k in fields else v for k, v in data.items()}


def test_fingerprint_is_sha256_hex() -> None:
    value = fp(asset_json())
    assert len(value) == 64
    assert int(value, 16) >= 0


def test_fingerprint_ignores_dict_key_order() -> None:
    data = full_asset_json()
    shuffled = dict(reversed(list(data.items())))
    shuffled["attributes"] = dict(reversed(list(data["attributes"].items())))
    shuffled["relationships"] = dict(reversed(list(data["relationships"].items())))
    assert fp(shuffled) == fp(data)


def test_fingerprint_ignores_order_and_duplicates_of_set_like_lists() -> None:
    data = full_asset_json()
    reordered = reverse_lists(data, set(SET_LIKE_FIELDS))
    reordered["columns"] = [reverse_lists(c, set(SET_LIKE_FIELDS)) for c in data["columns"]]
    reordered["relationships"] = {"dbSchema": "schema.dbo", "readers": ["r2", "r1", "r2"]}
    reordered["column_lineage"] = [{**data["column_lineage"][0], "source_columns": ["b", "a"]}]
    reordered["owners"] = data["owners"] + data["owners"][:1]
    assert fp(reordered) == fp(data)
    term = term_json(synonyms=["a", "b"], related=["c", "d"])
    assert fp(reverse_lists(term, {"synonyms", "related"})) == fp(term)
    classification = classification_json(applies_to=["DataSet", "Process"])
    assert fp(reverse_lists(classification, {"applies_to"})) == fp(classification)


def test_fingerprint_keeps_order_where_it_matters() -> None:
    data = full_asset_json()
    assert fp({**data, "columns": list(reversed(data["columns"]))}) != fp(data)
    assert fp({**data, "attributes": {"tags": ["b", "a"]}}) != fp(
        {**data, "attributes": {"tags": ["a", "b"]}}
    )
    links = [{"display_name": "A", "url": "https://a"}, {"display_name": "B", "url": "https://b"}]
    assert fp(term_json(resources=links)) != fp(term_json(resources=list(reversed(links))))


def test_explicit_defaults_equal_omitted_fields() -> None:
    assert fp(asset_json(description=None, owners=[], attributes={}, columns=[])) == fp(asset_json())


def test_ref_shorthand_and_explicit_form_are_the_same() -> None:
    assert fp(asset_json(inputs=["a"])) == fp(asset_json(inputs=[{"external_id": "a"}]))


# One change per Purview-visible field (and per nested field); each must change the fingerprint.
ASSET_CHANGES: list[tuple[str, dict[str, Any]]] = [
    ("catalog", {"catalog": "other"}),
    ("external_id", {"external_id": "other"}),
    ("name", {"name": "other"}),
    ("description", {"description": "other"}),
    ("description None", {"description": None}),
    ("target_collection", {"target_collection": "finance"}),
    ("owners id", {"owners": [{"id": "zed@contoso.com", "role": "owner"}]}),
    ("owners role", {"owners": [{"id": "ana@contoso.com", "role": "expert"}]}),
    ("properties value", {"properties": {"layer": "silver"}}),
    ("properties key", {"properties": {"tier": "gold"}}),
    ("source_url", {"source_url": "https://dbt.contoso.com/other"}),
    ("type_name", {"type_name": "azure_sql_view"}),
    ("qualified_name", {"qualified_name": "mssql://srv/db/dbo/other"}),
    ("attributes value", {"attributes": {"rowCount": 11, "tags": ["a", "b"]}}),
    ("attributes type", {"attributes": {"rowCount": 10.0, "tags": ["a", "b"]}}),
    ("column name", {"columns": [{"name": "id2", "data_type": "int"}, {"name": "email"}]}),
    ("column data_type", {"columns": [{"name": "id", "data_type": "bigint"}, {"name": "email"}]}),
    ("column description", {"columns": [{"name": "id", "description": "pk"}, {"name": "email"}]}),
    (
        "column classification",
        {"columns": [{"name": "id", "classification_items": ["C"]}, {"name": "email"}]},
    ),
    ("column term", {"columns": [{"name": "id", "glossary_items": ["t9"]}, {"name": "email"}]}),
    ("relationship target", {"relationships": {"dbSchema": "schema.sales", "readers": ["r1", "r2"]}}),
    ("relationship one vs many", {"relationships": {"dbSchema": ["schema.dbo"], "readers": ["r1", "r2"]}}),
    ("inputs", {"inputs": ["in1"]}),
    (
        "inputs ref kind",
        {"inputs": ["in1", {"type_name": "azure_blob_path", "qualified_name": "https://b/y"}]},
    ),
    ("outputs", {"outputs": ["out1", "out2"]}),
    (
        "column_lineage",
        {
            "column_lineage": [
                {"source": "in1", "source_columns": ["a"], "target": "out1", "target_column": "c"}
            ]
        },
    ),
    ("glossary_items", {"glossary_items": ["t1"]}),
    ("classification_items", {"classification_items": ["PII"]}),
]


@pytest.mark.parametrize(("label", "change"), ASSET_CHANGES, ids=[label for label, _ in ASSET_CHANGES])
def test_every_asset_field_changes_the_fingerprint(label: str, change: dict[str, Any]) -> None:
    data = full_asset_json()
    assert fp({**data, **change}) != fp(data), label


TERM_CHANGES: list[dict[str, Any]] = [
    {"glossary": "Finance"},
    {"parent": "p2"},
    {"abbreviation": "REV"},
    {"synonyms": ["s1", "s3"]},
    {"related": ["r1"]},
    {"status": "Expired"},
    {"resources": [{"display_name": "Docs", "url": "https://docs"}]},
    {"owners": [{"id": "ana@contoso.com", "role": "steward"}]},
]


@pytest.mark.parametrize("change", TERM_CHANGES, ids=[next(iter(c)) for c in TERM_CHANGES])
def test_every_term_field_changes_the_fingerprint(change: dict[str, Any]) -> None:
    data = term_json(
        glossary="Sales",
        parent="p1",
        abbreviation="R",
        synonyms=["s1", "s2"],
        related=["r1", "r2"],
        status="Approved",
        resources=[{"display_name": "Wiki", "url": "https://wiki"}],
        owners=[{"id": "ana@contoso.com", "role": "expert"}],
    )
    assert fp({**data, **change}) != fp(data)


@pytest.mark.parametrize("change", [{"classification_name": "X.Y"}, {"applies_to": ["Process"]}])
def test_every_classification_field_changes_the_fingerprint(change: dict[str, Any]) -> None:
    data = classification_json(applies_to=["DataSet"])
    assert fp({**data, **change}) != fp(data)


def test_all_item_fields_are_covered_by_the_change_tests() -> None:
    from pivot import PivotAssetItem, PivotClassificationItem, PivotGlossaryItem

    tested = {k for _, change in ASSET_CHANGES for k in change} | {k for c in TERM_CHANGES for k in c}
    tested |= {"classification_name", "applies_to"}
    every = set(PivotAssetItem.model_fields) | set(PivotGlossaryItem.model_fields)
    every |= set(PivotClassificationItem.model_fields)
    assert every - tested == {"kind"}  # kind is part of the sync key, constant per model


@given(
    st.dictionaries(
        st.from_regex(r"^[a-z][a-z0-9_]{0,10}$", fullmatch=True),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=10,
        ),
        max_size=5,
    )
)
def test_fingerprint_ignores_key_order_of_any_attributes(attributes: dict[str, Any]) -> None:
    reordered = dict(reversed(list(attributes.items())))
    assert fp(asset_json(attributes=attributes)) == fp(asset_json(attributes=reordered))


def test_canonical_json_form() -> None:
    assert canonical_json({"b": 1, "a": ["é", 1.5]}) == '{"a":["\\u00e9",1.5],"b":1}'
    with pytest.raises(ValueError):
        canonical_json({"a": float("nan")})


def test_known_fingerprint_value() -> None:
    """Pins the algorithm: if this changes, every object in every catalog is re-upserted once."""
    payload = b'{"catalog":"glue","classification_name":"CONTOSO.PII","external_id":"pii","name":"PII"}'
    assert fp(classification_json()) == hashlib.sha256(payload).hexdigest()
    assert fp(classification_json()) == "4145bb5fe42fcc95489bef5c1e4e1274b30fafde915c917991c366a4b7ca0260"
    assert fingerprint_of(json.loads(payload)) == fp(classification_json())


def test_fingerprint_is_the_same_in_another_process_with_another_hash_seed() -> None:
    data = full_asset_json()
    script = (
        "import json, sys; from pivot import parse_item; "
        "print(parse_item(json.loads(sys.stdin.read())).fingerprint())"
    )
    values = set()
    for seed in ("1", "4242"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(data),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        values.add(result.stdout.strip())
    assert values == {fp(data)}
