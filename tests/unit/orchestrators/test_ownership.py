"""Pure ownership rules of a chunk: who claims, which identity a rename frees, what a dry run refuses."""

from __future__ import annotations

from orchestrators.ownership import dry_refusal, needs_claim, released_identity

TABLE = {"type_name": "azure_sql_table", "qualified_name": "mssql://s/db/dbo/t"}
KEY = {"external_id": "t", "identity": TABLE}


def test_every_asset_write_claims_even_when_its_state_holds_the_identity() -> None:
    """The claim may have moved to another catalog (adopt_from) since the state recorded it."""
    held = {"decision": "proceed", "identity": "azure_sql_table|mssql://s/db/dbo/t"}
    assert needs_claim(KEY, held)
    assert not needs_claim(KEY, {**held, "decision": "unchanged"})
    assert not needs_claim({"external_id": "g", "identity": None}, held)  # terms are not claimed


def test_only_a_moved_item_frees_its_old_identity() -> None:
    assert released_identity(KEY, {"identity": "azure_sql_table|mssql://s/db/dbo/t"}) is None
    assert released_identity(KEY, {"identity": None}) is None
    assert released_identity(KEY, {"identity": "azure_sql_table|old"}) == "azure_sql_table|old"


def test_a_dry_run_refuses_what_the_claim_would_refuse() -> None:
    request = {"catalog": "b"}
    theirs = {"catalog": "a", "external_id": "x"}
    assert "owned by catalog 'a' (external id 'x')" in (dry_refusal(request, KEY, theirs) or "")
    assert dry_refusal(request, KEY, None) is None
    assert dry_refusal(request, KEY, {"catalog": "b", "external_id": "t"}) is None
    same_catalog = {"catalog": "b", "external_id": "other"}
    assert "external id 'other'" in (dry_refusal(request, KEY, same_catalog) or "")
    adopting = {"external_id": "t", "identity": {**TABLE, "adopt_from": ["a"]}}
    assert dry_refusal(request, adopting, theirs) is None
