"""Pure ownership rules of a chunk: who claims, which identity a rename frees, what a dry run refuses."""

from __future__ import annotations

from typing import Any

from sync.contracts import ChunkKey, Identity
from sync.ownership import (
    claim_request,
    counter_of,
    dry_refusal,
    identity_text,
    needs_claim,
    refusal,
    released_identity,
)

TABLE = {"type_name": "azure_sql_table", "qualified_name": "mssql://s/db/dbo/t"}


def key_of(external_id: str = "t", identity: dict[str, Any] | None = TABLE) -> ChunkKey:
    return ChunkKey(
        entity_key=f"shop|asset|{external_id}",
        sync_key=f"shop|asset|{external_id}",
        kind="asset",
        external_id=external_id,
        fingerprint="f",
        identity=Identity.model_validate(identity) if identity else None,
    )


KEY = key_of()


def test_every_asset_write_claims_even_when_its_state_holds_the_identity() -> None:
    """The claim may have moved to another catalog (adopt_from) since the state recorded it."""
    held = {"decision": "proceed", "identity": "azure_sql_table|mssql://s/db/dbo/t"}
    assert needs_claim(KEY, held)
    assert not needs_claim(KEY, {**held, "decision": "unchanged"})
    assert not needs_claim(key_of("g", None), held)  # terms are not claimed


def test_only_a_moved_item_frees_its_old_identity() -> None:
    assert released_identity(KEY, {"identity": "azure_sql_table|mssql://s/db/dbo/t"}) is None
    assert released_identity(KEY, {"identity": None}) is None
    assert released_identity(KEY, {"identity": "azure_sql_table|old"}) == "azure_sql_table|old"


def test_a_dry_run_refuses_what_the_claim_would_refuse() -> None:
    request = "b"
    theirs = {"catalog": "a", "external_id": "x"}
    assert "owned by catalog 'a' (external id 'x')" in (dry_refusal(request, KEY, theirs) or "")
    assert dry_refusal(request, KEY, None) is None
    assert dry_refusal(request, KEY, {"catalog": "b", "external_id": "t"}) is None
    same_catalog = {"catalog": "b", "external_id": "other"}
    assert "external id 'other'" in (dry_refusal(request, KEY, same_catalog) or "")
    adopting = key_of(identity={**TABLE, "adopt_from": ["a"]})
    assert dry_refusal(request, adopting, theirs) is None


def test_identity_text_is_type_bar_qualified_name() -> None:
    assert identity_text(Identity.model_validate(TABLE)) == "azure_sql_table|mssql://s/db/dbo/t"
    assert identity_text(None) is None


def test_claim_request_carries_adopt_from_and_the_item() -> None:
    key = key_of(identity={**TABLE, "adopt_from": ["legacy"]})
    request = claim_request("shop", key, "2026-01-01T00:00:00+00:00")
    assert request == {
        **TABLE,
        "catalog": "shop",
        "external_id": "t",
        "adopt_from": ["legacy"],
        "now": "2026-01-01T00:00:00+00:00",
    }


def test_refusal_names_the_owner_and_the_way_out() -> None:
    text = refusal({"owner_catalog": "sales", "owner_external_id": "orders"})
    assert "owned by catalog 'sales' (external id 'orders')" in text and "adopt_from" in text


def test_writes_of_verify_runs_count_as_repairs() -> None:
    assert counter_of("updated", "verify") == "repaired"
    assert counter_of("created", "verify") == "repaired"
    assert counter_of("updated", "full") == "updated"  # a full run rewrites everything on purpose
    assert counter_of("unchanged", "verify") == "unchanged"
    assert counter_of("updated", "changed") == "updated"
    assert counter_of("failed", "verify") == "failed"


def test_a_moved_item_retires_its_old_entity_as_its_origin_says() -> None:
    from sync.ownership import retirement

    begun = {
        "identity": "azure_sql_table|old",
        "purview_guid": "g-old",
        "origin": "adopted",
        "assigned_terms": ["t1"],
        "assigned_classifications": [],
        "assigned_attributes": ["custom:team"],
    }
    left = retirement("shop", KEY, begun, "g-new")
    assert left is not None and left["purview_guid"] == "g-old" and left["origin"] == "adopted"
    assert left["assigned_terms"] == ["t1"] and left["catalog"] == "shop" and left["kind"] == "asset"
    assert (
        retirement("shop", KEY, {**begun, "identity": identity_text(KEY.identity)}, "g-new") is None
    )  # not moved
    assert retirement("shop", KEY, begun, "g-old") is None  # still the same entity
    assert retirement("shop", KEY, {**begun, "purview_guid": None}, "g-new") is None  # never landed
    assert (retirement("shop", KEY, {**begun, "origin": None}, "g-new") or {})["origin"] == "created"
