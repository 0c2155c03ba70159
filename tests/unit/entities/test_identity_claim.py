"""The identity claim machine: first writer owns an identity; others are refused naming the owner."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from entities.identity_claim import (
    ClaimRequest,
    GetRequest,
    InvalidOperationError,
    ReleaseRequest,
    apply,
    parse_operation,
)
from entities.keys import identity_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)
IDENTITY = {"type_name": "azure_sql_table", "qualified_name": "mssql://srv/db/dbo/orders"}


def claim(catalog: str, external_id: str, *adopt_from: str) -> ClaimRequest:
    return ClaimRequest(**IDENTITY, catalog=catalog, external_id=external_id, adopt_from=adopt_from)


def test_first_writer_owns_and_others_are_refused_with_the_owner_named() -> None:
    first = apply(None, claim("a", "orders"), NOW)
    assert first.result is not None and first.result["granted"] and first.result["reason"] == "new"
    assert first.new_state is not None and first.new_state.catalog == "a"
    again = apply(first.new_state, claim("a", "orders"), NOW)
    assert again.result is not None and again.result["reason"] == "same_owner" and again.result["granted"]
    other = apply(first.new_state, claim("b", "orders-copy"), NOW)
    assert other.new_state is first.new_state
    assert other.result == {
        "granted": False,
        "reason": "owned",
        "owner_catalog": "a",
        "owner_external_id": "orders",
        "previous_catalog": None,
    }


def test_same_catalog_other_external_id_is_refused_until_the_owner_releases() -> None:
    owned = apply(None, claim("a", "old-id"), NOW).new_state
    refused = apply(owned, claim("a", "new-id"), NOW)
    assert refused.result is not None and not refused.result["granted"]
    assert apply(owned, ReleaseRequest(catalog="a", external_id="new-id"), NOW).new_state is owned
    released = apply(owned, ReleaseRequest(catalog="a", external_id="old-id"), NOW)
    assert released.new_state is None and released.result == {"released": True}
    granted = apply(released.new_state, claim("a", "new-id"), NOW)
    assert granted.result is not None and granted.result["granted"]


def test_adopt_from_moves_ownership_only_from_the_named_catalogs() -> None:
    owned = apply(None, claim("a", "orders"), NOW).new_state
    refused = apply(owned, claim("b", "orders", "c"), NOW)
    assert refused.result is not None and not refused.result["granted"]
    moved = apply(owned, claim("b", "orders", "a"), NOW)
    assert moved.result is not None and moved.result["reason"] == "adopted"
    assert moved.result["previous_catalog"] == "a"
    assert moved.new_state is not None and moved.new_state.catalog == "b"


def test_get_and_invalid_operations() -> None:
    owned = apply(None, claim("a", "orders"), NOW).new_state
    assert apply(owned, GetRequest(), NOW).result == owned.to_json() if owned else False
    with pytest.raises(InvalidOperationError):
        parse_operation("steal", {})
    with pytest.raises(InvalidOperationError):
        parse_operation("claim", {"catalog": "a"})


def test_identity_keys_are_safe_and_distinct() -> None:
    key = identity_key("azure_sql_table", "mssql://srv/db/dbo/orders#x?y@z")
    assert not set(key) & set("@/\\?#")
    assert key != identity_key("azure_sql_view", "mssql://srv/db/dbo/orders#x?y@z")
    assert len(identity_key("t", "q" * 5000)) <= 200


def test_identity_key_of_the_stored_text_is_the_identity_key() -> None:
    from entities.keys import identity_key_of

    assert identity_key_of("azure_sql_table|mssql://s/db|x") == identity_key(
        "azure_sql_table", "mssql://s/db|x"
    )
