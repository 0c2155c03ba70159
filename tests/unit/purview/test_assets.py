"""The per-item decision of an asset upsert (pure): what to write, delete, move and assign."""

from __future__ import annotations

import copy
from typing import Any

from pivot import PivotAssetItem
from purview.assets import AssetWork, _decide
from purview.mapping import EntityRef, map_asset
from purview.reads import CurrentEntity
from purview.results import PriorState
from tests.unit.pivot.builders import asset_json

TERM = "term-guid-1"


def item(**overrides: Any) -> PivotAssetItem:
    data = asset_json(
        target_collection="sales",
        glossary_items=["t1"],
        classification_items=["PII"],
        columns=[
            {"name": "id", "data_type": "int", "classification_items": ["KEY"]},
            {"name": "email", "data_type": "varchar", "glossary_items": ["t1"]},
        ],
    )
    data.update(overrides)
    return PivotAssetItem.model_validate(data)


def work_for(
    pivot: PivotAssetItem, current: CurrentEntity | None, prior: PriorState | None = None
) -> AssetWork:
    mapped = map_asset(
        pivot,
        resolve_ref=lambda ref: EntityRef("x", "y"),
        resolve_term=lambda ref: TERM,
    )
    work = AssetWork(pivot, prior or PriorState(), mapped=mapped, collection="sales", current=current)
    guids = {EntityRef(pivot.type_name, pivot.qualified_name): "g-table"}
    _decide(work, guids.get)
    return work


def as_read(pivot: PivotAssetItem) -> CurrentEntity:
    """What Purview would hold after writing ``pivot`` (with its assignments)."""
    mapped = map_asset(pivot, resolve_ref=lambda ref: EntityRef("x", "y"), resolve_term=lambda ref: TERM)

    def read(payload: dict[str, Any], guid: str, terms: bool, classes: list[str]) -> dict[str, Any]:
        body = copy.deepcopy(payload)
        rels = body.setdefault("relationshipAttributes", {})
        for name, value in list(rels.items()):
            rels[name] = {"guid": "g-table", "typeName": value["typeName"]}
        rels["meanings"] = [{"guid": TERM, "relationshipGuid": f"rel-{guid}"}] if terms else []
        body.update(guid=guid, collectionId="sales", classifications=[{"typeName": c} for c in classes])
        return body

    entity = read(mapped.entity, "g-table", True, ["PII"])
    children = {
        c["attributes"]["qualifiedName"]: read(c, f"g-{c['attributes']['name']}", name == "email", classes)
        for c, name, classes in zip(mapped.columns, ["id", "email"], [["KEY"], []], strict=True)
    }
    return CurrentEntity(entity, children)


def test_new_asset_writes_everything_with_assignments_in_the_payload() -> None:
    work = work_for(item(), None)
    assert work.write_owner and work.write_columns == [0, 1] and not work.move
    owner, id_column, email_column = work.payloads()
    assert owner["relationshipAttributes"]["meanings"] == [{"guid": TERM}]
    assert owner["classifications"] == [{"typeName": "PII"}]
    assert id_column["classifications"] == [{"typeName": "KEY"}]
    assert email_column["relationshipAttributes"]["meanings"] == [{"guid": TERM}]
    assert work.terms.owned == {TERM, f"{TERM}@email"}
    assert work.classifications.owned == {"PII", "KEY@id"}


def test_identical_asset_writes_nothing_and_keeps_ownership() -> None:
    prior = PriorState(
        guid="g-table", assigned_terms=(TERM, f"{TERM}@email"), assigned_classifications=("PII", "KEY@id")
    )
    work = work_for(item(), as_read(item()), prior)
    assert work.changes == 0 and work.payloads() == [] and work.diffs == []
    assert work.guid == "g-table" and work.column_guids == {"id": "g-id", "email": "g-email"}
    assert work.terms.owned == {TERM, f"{TERM}@email"}


def test_one_changed_column_writes_only_that_column_without_assignments() -> None:
    changed = item(
        columns=[
            {"name": "id", "data_type": "bigint", "classification_items": ["KEY"]},
            {"name": "email", "data_type": "varchar", "glossary_items": ["t1"]},
        ]
    )
    work = work_for(changed, as_read(item()))
    assert not work.write_owner and work.write_columns == [0]
    (payload,) = work.payloads()
    assert payload["attributes"]["data_type"] == "bigint" and "classifications" not in payload
    assert [d.path for d in work.diffs] == ["columns[id].attributes.data_type"]


def test_removed_column_is_deleted_and_new_one_created() -> None:
    current = as_read(item())
    fewer = item(
        columns=[
            {"name": "id", "data_type": "int", "classification_items": ["KEY"]},
            {"name": "phone", "classification_items": ["PII"]},
        ]
    )
    work = work_for(fewer, current)
    assert work.delete_columns == {"mssql://srv/db/dbo/orders#email": "g-email"}
    assert work.write_columns == [1] and work.new_targets == {"phone"}
    (payload,) = work.payloads()
    assert payload["classifications"] == [{"typeName": "PII"}]


def test_other_collection_means_a_move() -> None:
    current = as_read(item())
    current.entity["collectionId"] = "finance"
    work = work_for(item(), current)
    assert work.move and [d.path for d in work.diffs] == ["collection"]


def test_existing_entity_assignments_go_through_the_endpoints() -> None:
    prior = PriorState(assigned_terms=(TERM,), assigned_classifications=("PII",))
    work = work_for(item(glossary_items=[], classification_items=["NEW"]), as_read(item()), prior)
    assert work.terms.remove == {"": {TERM}}
    assert work.classifications.add == {"": {"NEW"}} and work.classifications.remove == {"": {"PII"}}
    assert work.payloads() == []  # nothing to write in the entity itself
    assert work.relationship_guids[("", TERM)] == "rel-g-table"
    assert {d.path for d in work.diffs} == {"terms", "classifications"}


def foreign(pivot: PivotAssetItem) -> CurrentEntity:
    """The asset as a scan or a person left it: no provenance, their own name, label, contact and column."""
    read = as_read(pivot)
    entity = copy.deepcopy(read.entity)
    entity["customAttributes"] = {"scanned_by": "scanner"}
    entity["labels"] = ["gold"]
    entity["contacts"] = {"Owner": [{"id": "person-1"}]}
    entity["attributes"]["name"] = "Orders (scanned)"
    children = dict(read.children)
    children["mssql://x#scanned_only"] = {"guid": "g-scan", "typeName": "column", "attributes": {}}
    return CurrentEntity(entity, children)


def test_an_asset_found_in_purview_on_the_first_write_is_adopted_with_only_managed_fields() -> None:
    pivot = item(description=None)
    work = work_for(pivot, foreign(pivot))
    assert work.origin == "adopted" and work.adopted
    assert work.delete_columns == {}  # the scan's column stays
    assert not work.move
    payload = work.payloads()[0] if work.write_owner else work.mapped.entity  # type: ignore[union-attr]
    assert "name" not in payload["attributes"] and "description" not in payload["attributes"]
    assert "contacts" not in payload
    assert payload["labels"] == ["federation_" + pivot.catalog, "gold"]
    assert payload["customAttributes"]["scanned_by"] == "scanner"


def test_existing_assets_skip_and_fail_leave_the_asset_alone() -> None:
    from purview.assets import AssetContext

    pivot = item()
    for policy in ("skip", "fail"):
        mapped = map_asset(pivot, resolve_ref=lambda ref: EntityRef("x", "y"), resolve_term=lambda ref: TERM)
        work = AssetWork(pivot, PriorState(), mapped=mapped, collection="sales", current=foreign(pivot))
        _decide(work, {}.get, AssetContext(existing_assets=policy))
        assert work.changes == 0 and not work.write_owner
        if policy == "skip":
            assert work.origin == "skipped" and work.ok
        else:
            assert not work.ok and "existing_assets: fail" in str(work.error)


def test_own_provenance_means_created_and_a_known_prior_keeps_its_origin() -> None:
    pivot = item()
    assert work_for(pivot, as_read(pivot)).origin == "created"  # its sync state was lost
    later = work_for(pivot, foreign(pivot), PriorState(guid="g-table", origin="adopted"))
    assert later.origin is None and later.adopted


def test_a_renamed_item_landing_on_a_foreign_asset_adopts_it_rather_than_taking_it_over() -> None:
    """The prior guid belongs to the entity the sync wrote under the old qualifiedName; the entity found under
    the new one is someone else's (other guid, no provenance): it must be adopted, not treated as created."""
    pivot = item()
    work = work_for(pivot, foreign(pivot), PriorState(guid="g-old-name", origin="created"))
    assert work.origin == "adopted" and work.adopted
    assert work.delete_columns == {}, "the scan's column must not be deleted"
    assert not work.move


def test_a_skipped_asset_stays_skipped_when_its_item_changes() -> None:
    """existing_assets: skip means never written: a later change of the item must not write it either."""
    from purview.assets import AssetContext

    pivot = item(description="changed at the source")
    mapped = map_asset(pivot, resolve_ref=lambda ref: EntityRef("x", "y"), resolve_term=lambda ref: TERM)
    prior = PriorState(guid="g-table", origin="skipped")
    work = AssetWork(pivot, prior, mapped=mapped, collection="sales", current=foreign(pivot))
    _decide(work, {}.get, AssetContext(existing_assets="skip"))
    assert work.origin == "skipped"
    assert work.changes == 0 and not work.write_owner and work.delete_columns == {}


def test_an_adopted_asset_whose_source_drops_a_column_loses_only_the_syncs_assignments_on_it() -> None:
    """The column stays (others may use it), but the classification and term the sync put on it go, and the
    sync state no longer lists them (else they would stay forever, unlisted)."""
    full = item()
    held = foreign(full)  # the sync adopted it earlier and classified id, termed email
    prior = PriorState(
        guid="g-table",
        origin="adopted",
        assigned_terms=(TERM, f"{TERM}@email"),
        assigned_classifications=("PII", "KEY@id"),
    )
    dropped = item(columns=[{"name": "email", "data_type": "varchar", "glossary_items": ["t1"]}])
    work = work_for(dropped, held, prior)
    assert work.delete_columns == {}
    assert work.classifications.remove == {"id": {"KEY"}}
    assert work.target_guid("id") == "g-id"
    assert "KEY@id" not in work.classifications.owned


def test_writing_an_adopted_asset_whose_columns_exist_records_their_guids() -> None:
    """A scan made the table with the same columns: the adopted column payloads carry no ``name`` (the sync
    never renames), and the write must still attribute each returned guid to its column (no KeyError)."""
    from purview.client import PurviewHttp
    from purview.reads import GuidCache
    from purview.sizing import AdaptiveCeiling, CeilingRule
    from purview.writes import write_assets
    from tests.unit.purview.fakes import ScriptedSession, response

    pivot = item(
        columns=[
            {"name": "id", "data_type": "bigint", "classification_items": ["KEY"]},
            {"name": "email", "data_type": "varchar", "glossary_items": ["t1"]},
        ]
    )
    work = work_for(pivot, foreign(item()))
    assert work.adopted and work.write_columns == [0]
    assert "name" not in work.payloads()[-1]["attributes"]

    def handler(method: str, url: str, params: Any, body: Any) -> Any:
        if url.endswith("/entity/bulk") and method == "POST":
            guids = {e["guid"]: f"new-{e['attributes']['qualifiedName']}" for e in body["entities"]}
            return response(200, {"guidAssignments": guids})
        return response(200, {})

    http = PurviewHttp("http://p", session=ScriptedSession(handler=handler))
    ceiling = AdaptiveCeiling(CeilingRule(max_entities=100, max_size=1_000_000, fast_seconds=10))
    write_assets(http, [work], ceiling=ceiling, cache=GuidCache())
    assert work.ok, work.error
    assert work.column_guids["id"].endswith("#id")


def test_an_adopted_entity_keeps_others_custom_attributes_and_lineage_and_the_sync_owns_its_additions() -> (
    None
):
    from purview.assets import _managed_only

    wanted = {
        "typeName": "Process",
        "attributes": {"qualifiedName": "p", "name": "load", "description": None},
        "customAttributes": {"team": "sales", "scanner": "ours", "federation_catalog": "shop"},
        "relationshipAttributes": {
            "inputs": [{"typeName": "t", "uniqueAttributes": {"qualifiedName": "mine"}}],
        },
    }
    current = {
        "customAttributes": {"scanner": "theirs"},
        "relationshipAttributes": {"inputs": [{"guid": "g-theirs"}, {"guid": "g-old-mine"}]},
    }
    guids = {EntityRef("t", "mine"): "g-mine", EntityRef("t", "old"): "g-old-mine"}
    owned = frozenset({"rel:inputs:t|old"})  # written by an earlier run, no longer in the source
    payload, mine = _managed_only(wanted, current, owned, guids.get)
    assert payload["attributes"] == {"qualifiedName": "p"}  # no name, no null clearing a value
    assert payload["customAttributes"] == {"scanner": "theirs", "team": "sales", "federation_catalog": "shop"}
    assert payload["relationshipAttributes"]["inputs"][1:] == [
        {"guid": "g-theirs"}
    ]  # theirs kept, old dropped
    assert mine == {"custom:team", "custom:federation_catalog", "rel:inputs:t|mine"}


def test_an_asset_this_app_created_for_a_catalog_adopted_from_is_inherited_as_created() -> None:
    """adopt_from moves ownership: the new owner deletes it when its item goes (it is not someone else's)."""
    from purview.assets import AssetContext

    pivot = item()
    theirs = as_read(pivot)
    theirs.entity["customAttributes"] = {"federation_catalog": "legacy"}
    for adopt_from, origin in ((frozenset({"legacy"}), "created"), (frozenset(), "adopted")):
        mapped = map_asset(pivot, resolve_ref=lambda ref: EntityRef("x", "y"), resolve_term=lambda ref: TERM)
        work = AssetWork(pivot, PriorState(), mapped=mapped, collection="sales", current=theirs)
        _decide(work, {}.get, AssetContext(adopt_from=adopt_from))
        assert work.origin == origin
