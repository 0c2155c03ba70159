"""Every validation rule of the item models, each with a failing input and the message it produces."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pivot import (
    MAX_ATTRIBUTE_BYTES,
    MAX_ITEM_BYTES,
    MAX_NAME_BYTES,
    Column,
    ItemRef,
    PivotAssetItem,
    PivotClassificationItem,
    PivotGlossaryItem,
    PivotItem,
    QualifiedNameRef,
    describe_validation_error,
    make_sync_key,
    parse_item,
)
from tests.unit.pivot.builders import (
    asset_json,
    classification_json,
    full_asset_json,
    process_json,
    term_json,
)


def error_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        parse_item(data)
    return describe_validation_error(info.value)


def owners(n: int, role: str) -> list[dict[str, str]]:
    return [{"id": f"user{i}@contoso.com", "role": role} for i in range(n)]


# --- valid items -----------------------------------------------------------------------------------------


def test_minimal_items_of_each_kind() -> None:
    assert isinstance(parse_item(asset_json()), PivotAssetItem)
    assert isinstance(parse_item(term_json()), PivotGlossaryItem)
    assert isinstance(parse_item(classification_json()), PivotClassificationItem)


def test_full_asset_is_valid_and_refs_are_typed() -> None:
    item = parse_item(full_asset_json())
    assert isinstance(item, PivotAssetItem)
    assert item.inputs[1] == QualifiedNameRef(type_name="azure_blob_path", qualified_name="https://b/x")
    assert item.relationships["dbSchema"] == ItemRef(external_id="schema.dbo")
    assert item.relationships["readers"] == (ItemRef(external_id="r1"), ItemRef(external_id="r2"))
    assert item.columns[0].glossary_items == (ItemRef(external_id="t1"), ItemRef(external_id="t2"))


def test_kind_defaults_when_built_in_python() -> None:
    item = PivotClassificationItem(catalog="c", external_id="e", name="n", classification_name="X")
    assert item.kind == "classification"


# --- discriminator, base fields ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, "table", "Asset"])
def test_missing_or_unknown_kind(kind: str | None) -> None:
    data = asset_json()
    if kind is None:
        del data["kind"]
    else:
        data["kind"] = kind
    assert (
        error_of(data)
        == "kind: missing or unknown, must be one of 'asset', 'glossary_term', 'classification'"
    )


def test_kind_selects_the_model_so_asset_fields_on_a_term_are_extra() -> None:
    assert "type_name: Extra inputs are not permitted" in error_of(term_json(type_name="DataSet"))


def test_pivot_item_base_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        PivotItem(catalog="c", kind="asset", external_id="e", name="n")


@pytest.mark.parametrize("catalog", ["", "Upper", "under_score", "a" * 41, "dot.ted", "sp ace", "é"])
def test_bad_catalog_name(catalog: str) -> None:
    assert error_of(asset_json(catalog=catalog)).startswith("catalog: String should match pattern")


@given(st.from_regex(r"^[a-z0-9-]{1,40}$", fullmatch=True))
def test_any_valid_catalog_name_is_accepted(catalog: str) -> None:
    assert parse_item(asset_json(catalog=catalog)).catalog == catalog


def test_external_id_must_not_be_empty_nor_huge() -> None:
    assert error_of(asset_json(external_id="")).startswith("external_id:")
    assert "external_id: value is 4098 bytes" in error_of(asset_json(external_id="é" * 2049))


def test_name_must_not_be_empty() -> None:
    assert error_of(asset_json(name="")).startswith("name: String should have at least 1 character")


def test_name_limit_is_4kb_in_utf8_bytes() -> None:
    assert parse_item(asset_json(name="x" * MAX_NAME_BYTES)).name
    assert error_of(asset_json(name="x" * (MAX_NAME_BYTES + 1))).startswith("name:")
    # 2,049 two-byte characters: few enough characters, too many bytes
    message = error_of(asset_json(name="é" * 2049))
    assert message == "name: value is 4098 bytes in UTF-8; Purview allows at most 4096"


def test_description_limit() -> None:
    assert "description: value is" in error_of(asset_json(description="é" * (MAX_ATTRIBUTE_BYTES // 2 + 1)))


def test_property_values_and_keys() -> None:
    assert "properties.k: value is" in error_of(asset_json(properties={"k": "é" * MAX_ATTRIBUTE_BYTES}))
    assert "keys must not be empty" in error_of(asset_json(properties={"": "v"}))
    assert "properties.k" in error_of(asset_json(properties={"k": 1}))


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "https://", "https://has space"])
def test_bad_source_url(url: str) -> None:
    assert error_of(asset_json(source_url=url)).startswith("source_url:")


def test_extra_fields_are_forbidden_everywhere() -> None:
    assert error_of(asset_json(colour="red")) == "colour: Extra inputs are not permitted"
    bad_column = asset_json(columns=[{"name": "a", "nullable": True}])
    assert error_of(bad_column) == "columns[0].nullable: Extra inputs are not permitted"
    bad_owner = asset_json(owners=[{"id": "a@b.c", "role": "owner", "name": "A"}])
    assert error_of(bad_owner) == "owners[0].name: Extra inputs are not permitted"


def test_items_are_frozen() -> None:
    item = parse_item(full_asset_json())
    assert isinstance(item, PivotAssetItem)
    with pytest.raises(ValidationError, match="frozen"):
        item.name = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="frozen"):
        item.columns[0].name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        item.columns.append(Column(name="x"))  # type: ignore[attr-defined]


# --- contacts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "contact_id", ["ana@contoso.com", "ana.b@contoso", "0F8FAD5B-D9CB-469F-A165-70867728950E"]
)
def test_good_contact_ids(contact_id: str) -> None:
    item = parse_item(asset_json(owners=[{"id": contact_id, "role": "owner"}]))
    assert item.owners[0].id in {contact_id, contact_id.lower()}


def test_guid_contact_is_stored_lowercase() -> None:
    guid = "0F8FAD5B-D9CB-469F-A165-70867728950E"
    assert parse_item(asset_json(owners=[{"id": guid, "role": "owner"}])).owners[0].id == guid.lower()


@pytest.mark.parametrize("contact_id", ["ana", "", "a b@c", "0f8fad5b-d9cb-469f-a165", "@contoso.com"])
def test_bad_contact_ids(contact_id: str) -> None:
    message = error_of(asset_json(owners=[{"id": contact_id, "role": "owner"}]))
    assert message == "owners[0].id: a contact id is an email/UPN (user@domain) or an Entra object id (GUID)"


def test_bad_contact_role() -> None:
    assert error_of(asset_json(owners=[{"id": "a@b.c", "role": "boss"}])).startswith("owners[0].role:")


@pytest.mark.parametrize(
    ("data", "role"),
    [
        (asset_json(owners=owners(1, "steward")), "steward"),
        (term_json(owners=owners(1, "owner")), "owner"),
        (classification_json(owners=owners(1, "expert")), "expert"),
    ],
)
def test_contact_role_must_fit_the_kind(data: dict[str, Any], role: str) -> None:
    assert f"owners: role '{role}' is not a Purview contact type for this kind" in error_of(data)


def test_at_most_20_contacts_per_role() -> None:
    assert len(parse_item(asset_json(owners=owners(20, "owner") + owners(20, "expert"))).owners) == 40
    message = error_of(asset_json(owners=owners(21, "expert")))
    assert message == "owners: 21 distinct contacts with role 'expert'; Purview allows at most 20 per role"


def test_duplicate_contacts_count_once() -> None:
    assert parse_item(asset_json(owners=owners(20, "owner") * 2))


# --- assets -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", ["", "1table", "azure sql", "a-b", "a.b"])
def test_bad_type_name(type_name: str) -> None:
    assert error_of(asset_json(type_name=type_name)).startswith("type_name:")


def test_qualified_name_required_and_bounded() -> None:
    data = asset_json()
    del data["qualified_name"]
    assert error_of(data) == "qualified_name: Field required"
    assert error_of(asset_json(qualified_name="x" * (MAX_ATTRIBUTE_BYTES + 1))).startswith("qualified_name:")


def test_attribute_value_limit_counts_serialised_json() -> None:
    assert parse_item(asset_json(attributes={"a": "x" * (MAX_ATTRIBUTE_BYTES - 2)}))
    message = error_of(asset_json(attributes={"a": "x" * (MAX_ATTRIBUTE_BYTES - 1)}))
    assert message == "attributes: attribute 'a' is 32769 bytes serialised; Purview allows at most 32768"
    nested = {"a": [{"k": "x" * 20_000}, {"k": "y" * 20_000}]}
    assert "attribute 'a' is" in error_of(asset_json(attributes=nested))


def test_attribute_values_must_be_json() -> None:
    assert "NaN or infinity" in error_of(asset_json(attributes={"a": float("nan")}))
    assert error_of(asset_json(attributes={"a": {1, 2}})).startswith("attributes.a")


@pytest.mark.parametrize(
    ("key", "field"), [("qualifiedName", "qualified_name"), ("meanings", "glossary_items")]
)
def test_reserved_attribute_names(key: str, field: str) -> None:
    message = f"attribute '{key}' has its own field: set '{field}' instead"
    assert message in error_of(asset_json(attributes={key: "x"}))
    assert f"relationship '{key}'" in error_of(asset_json(relationships={key: "x"}))


def test_attribute_names_must_be_identifiers() -> None:
    assert error_of(asset_json(attributes={"bad key": 1})).startswith(
        "attributes.bad key (key): String should match pattern"
    )


def test_key_in_both_attributes_and_relationships() -> None:
    message = error_of(asset_json(attributes={"dbSchema": "x"}, relationships={"dbSchema": "s"}))
    assert "dbSchema appear in both attributes and relationships" in message


def test_duplicate_column_names() -> None:
    columns = [{"name": "id"}, {"name": "ID"}, {"name": "id"}, {"name": "x"}, {"name": "x"}]
    assert error_of(asset_json(columns=columns)) == "columns: duplicate column names: id, x"


def test_column_fields_are_validated() -> None:
    assert error_of(asset_json(columns=[{"name": ""}])).startswith("columns[0].name:")
    assert error_of(asset_json(columns=[{"name": "a", "classification_items": ["a b"]}])).startswith(
        "columns[0].classification_items[0]:"
    )


def test_bad_references_in_every_ref_field() -> None:
    bad = {"nope": 1}
    for field in ("inputs", "outputs", "glossary_items"):
        assert error_of(asset_json(**{field: [bad]})).startswith(f"{field}[0]: a reference is")
    assert error_of(asset_json(relationships={"r": bad})).startswith("relationships.r: a reference is")
    assert error_of(asset_json(relationships={"r": ["a", bad]})).startswith("relationships.r[1]: a reference")
    assert error_of(term_json(related=[bad])).startswith("related[0]: a reference is")


def test_glossary_refs_outside_the_catalog_must_be_terms() -> None:
    table = {"type_name": "azure_sql_table", "qualified_name": "x"}
    expected = "a glossary term reference outside the catalog must have type_name 'AtlasGlossaryTerm'"
    assert expected in error_of(asset_json(glossary_items=[table]))
    assert expected in error_of(asset_json(columns=[{"name": "c", "glossary_items": [table]}]))
    assert expected in error_of(term_json(parent=table))
    assert expected in error_of(term_json(synonyms=[table]))


def test_column_lineage_must_use_the_process_inputs_and_outputs() -> None:
    good = {"source": "model.shop.raw_orders", "source_columns": ["a"], "target": "model.shop.orders",
            "target_column": "b"}  # fmt: skip
    assert parse_item(process_json(column_lineage=[good]))
    message = error_of(process_json(column_lineage=[{**good, "source": "other"}]))
    assert message == "item: column_lineage[0].source is not one of inputs"
    message = error_of(process_json(column_lineage=[good, {**good, "target": "model.shop.raw_orders"}]))
    assert message == "item: column_lineage[1].target is not one of outputs"
    assert error_of(process_json(column_lineage=[{**good, "source_columns": []}])).startswith(
        "column_lineage[0].source_columns:"
    )


def test_whole_item_limit_is_2mb() -> None:
    # 70 attributes of ~30 KB each: every value is within its own limit, the item is not.
    attributes = {f"a{i}": "x" * 30_000 for i in range(70)}
    message = error_of(asset_json(attributes=attributes))
    assert message.startswith("item: item is ")
    assert f"Purview allows at most {MAX_ITEM_BYTES} per object" in message


def test_item_limit_applies_to_every_kind() -> None:
    properties = {f"p{i}": "x" * 30_000 for i in range(70)}
    assert "item: item is" in error_of(term_json(properties=properties))
    assert "item: item is" in error_of(classification_json(properties=properties))


# --- glossary terms ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Draft", "Approved", "Alert", "Expired"])
def test_term_statuses(status: str) -> None:
    item = parse_item(term_json(status=status))
    assert isinstance(item, PivotGlossaryItem)
    assert item.status == status


@pytest.mark.parametrize("status", ["draft", "Published", ""])
def test_bad_term_status(status: str) -> None:
    message = error_of(term_json(status=status))
    assert message == "status: Input should be 'Draft', 'Approved', 'Alert' or 'Expired'"


def test_term_name_must_not_contain_at_sign() -> None:
    assert error_of(term_json(name="Revenue@Finance")).startswith("name: a term name must not contain '@'")


@pytest.mark.parametrize("field", ["parent", "synonyms", "related"])
def test_term_must_not_refer_to_itself(field: str) -> None:
    me = term_json()["external_id"]
    value: object = me if field == "parent" else ["other", me]
    assert error_of(term_json(**{field: value})) == f"item: {field} refers to the term itself"


def test_term_resources() -> None:
    item = parse_item(term_json(resources=[{"display_name": "Wiki", "url": "https://wiki/x"}]))
    assert isinstance(item, PivotGlossaryItem)
    assert item.resources[0].url == "https://wiki/x"
    assert error_of(term_json(resources=[{"display_name": "Wiki", "url": "wiki"}])).startswith(
        "resources[0].url:"
    )
    assert (
        error_of(term_json(resources=[{"url": "https://w"}])) == "resources[0].display_name: Field required"
    )


# --- classifications --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "PII-data", "pii data", "pii/x", "é", "x" * (MAX_NAME_BYTES + 1)])
def test_bad_classification_name(name: str) -> None:
    assert error_of(classification_json(classification_name=name)).startswith("classification_name:")


@given(st.from_regex(r"^[A-Za-z0-9_.]{1,60}$", fullmatch=True))
def test_any_valid_classification_name_is_accepted(name: str) -> None:
    assert parse_item(classification_json(classification_name=name))


def test_applies_to_takes_type_names() -> None:
    item = parse_item(classification_json(applies_to=["DataSet", "azure_sql_column"]))
    assert isinstance(item, PivotClassificationItem)
    assert item.applies_to == ("DataSet", "azure_sql_column")
    assert error_of(classification_json(applies_to=["not a type"])).startswith("applies_to[0]:")


def test_asset_classification_items_use_the_same_rule() -> None:
    assert error_of(asset_json(classification_items=["bad-name"])).startswith("classification_items[0]:")


# --- sync key ---------------------------------------------------------------------------------------------


def test_sync_key() -> None:
    assert parse_item(asset_json()).sync_key == "dbt-shop|asset|model.shop.orders"
    assert parse_item(term_json()).sync_key == "datahub|glossary_term|urn:li:glossaryTerm:revenue"
    assert parse_item(classification_json()).sync_key == "glue|classification|pii"
    assert make_sync_key("c", "asset", "a|b") == "c|asset|a|b"


@given(st.text(min_size=1, max_size=50))
def test_sync_key_splits_back_unambiguously(external_id: str) -> None:
    item = parse_item(asset_json(external_id=external_id))
    assert item.sync_key.split("|", 2) == ["dbt-shop", "asset", external_id]


# --- round trip -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [full_asset_json(), process_json(), term_json(parent="p", status="Approved"), classification_json()],
)
def test_json_round_trip(data: dict[str, Any]) -> None:
    item = parse_item(data)
    again = parse_item(item.model_dump(mode="json"))
    assert again == item
    assert again.model_dump_json() == item.model_dump_json()
    assert type(item).model_validate_json(item.model_dump_json()) == item
