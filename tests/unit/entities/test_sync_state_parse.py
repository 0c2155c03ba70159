"""Input validation of sync_state operations and the JSON round trip of its state and results."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import pytest

from entities import catalog, identity_claim, keys, machine, sync_state
from entities.keys import encode_key
from entities.sync_state import (
    MAX_ERROR_LENGTH,
    OPERATION_NAMES,
    BeginRequest,
    CompleteRequest,
    DeleteRequest,
    FailRequest,
    GetRequest,
    InvalidOperationError,
    SyncState,
    apply,
    parse_operation,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)
BEGIN: dict[str, Any] = {
    "correlation_id": "run-1",
    "catalog": "hive",
    "kind": "asset",
    "external_id": "db/t@x",
    "fingerprint": "f1",
}


def test_operation_names() -> None:
    assert OPERATION_NAMES == ("begin", "complete", "fail", "delete", "get")


def test_parses_each_operation() -> None:
    assert parse_operation("begin", BEGIN) == BeginRequest(**BEGIN)
    assert parse_operation("complete", {"correlation_id": "r", "purview_guid": "g"}) == CompleteRequest(
        correlation_id="r", purview_guid="g"
    )
    assert parse_operation("fail", {"correlation_id": "r", "error": "e"}) == FailRequest(
        correlation_id="r", error="e"
    )
    assert parse_operation("delete", {"force": True}) == DeleteRequest(force=True)
    assert parse_operation("get", {}) == GetRequest()


@pytest.mark.parametrize("name", ["get", "delete"])
def test_null_payload_allowed_where_nothing_is_required(name: str) -> None:
    """HTTP DELETE on an entity signals ``delete`` with no input."""
    assert parse_operation(name, None).name == name


def test_unknown_operation_names_the_known_ones() -> None:
    with pytest.raises(
        InvalidOperationError, match="unknown operation; expected one of begin, complete"
    ) as info:
        parse_operation("Begin", BEGIN)
    assert info.value.operation == "Begin"


@pytest.mark.parametrize("payload", [[], "text", 0, 1.5, True])
def test_payload_must_be_an_object(payload: Any) -> None:
    with pytest.raises(InvalidOperationError, match="payload must be a JSON object"):
        parse_operation("begin", payload)


@pytest.mark.parametrize(
    ("name", "payload", "field"),
    [
        ("begin", None, "correlation_id"),
        ("begin", {**BEGIN, "fingerprint": ""}, "fingerprint"),
        ("begin", {**BEGIN, "extra": 1}, "extra"),
        ("begin", {**BEGIN, "lease_seconds": 0}, "lease_seconds"),
        ("begin", {**BEGIN, "lease_seconds": 10**6}, "lease_seconds"),
        ("begin", {**BEGIN, "now": "2024-01-01T00:00:00"}, "now"),
        ("begin", {**BEGIN, "external_id": "\ud800"}, "external_id"),
        ("complete", {"correlation_id": "r"}, "purview_guid"),
        ("complete", {"correlation_id": "r", "purview_guid": ""}, "purview_guid"),
        ("complete", {"correlation_id": "r", "purview_guid": "g", "assigned_terms": [""]}, "assigned_terms"),
        ("fail", {"correlation_id": "r", "error": ""}, "error"),
        ("fail", {"error": "e"}, "correlation_id"),
        ("delete", {"force": "maybe"}, "force"),
        ("get", {"x": 1}, "x"),
    ],
)
def test_bad_payload_is_rejected_with_the_field(name: str, payload: Any, field: str) -> None:
    with pytest.raises(InvalidOperationError, match=field):
        parse_operation(name, payload)


def test_begin_must_match_the_entity_key() -> None:
    key = encode_key("hive", "asset", "db/t@x")
    assert isinstance(parse_operation("begin", BEGIN, entity_key=key), BeginRequest)
    with pytest.raises(InvalidOperationError, match=re.escape("not 'hive|asset|other'")):
        parse_operation("begin", BEGIN, entity_key="hive|asset|other")


def test_long_error_is_truncated_not_rejected() -> None:
    parsed = parse_operation("fail", {"correlation_id": "r", "error": "x" * (MAX_ERROR_LENGTH * 2)})
    assert isinstance(parsed, FailRequest)
    assert len(parsed.error) == MAX_ERROR_LENGTH


def test_assigned_sets_are_normalised() -> None:
    parsed = parse_operation(
        "complete", {"correlation_id": "r", "purview_guid": "g", "assigned_terms": ["b", "a", "b"]}
    )
    assert isinstance(parsed, CompleteRequest)
    assert parsed.assigned_terms == ("a", "b")


def test_times_are_normalised_to_utc() -> None:
    parsed = parse_operation("begin", {**BEGIN, "now": "2024-01-01T02:00:00+02:00"})
    assert isinstance(parsed, BeginRequest)
    assert parsed.now == NOW
    assert parsed.now is not None
    assert parsed.now.tzinfo is UTC


def test_state_json_round_trip_through_text() -> None:
    """Entity state is stored as JSON text: the dict must survive json.dumps/loads unchanged."""
    state = apply(None, parse_operation("begin", BEGIN), NOW).new_state
    assert state is not None
    text = json.dumps(state.to_json())
    assert SyncState.from_json(json.loads(text)) == state
    assert json.loads(text)["sync_start"] == "2024-01-01T00:00:00Z"
    assert state.key() == encode_key("hive", "asset", "db/t@x")


def test_stored_state_is_validated() -> None:
    state = apply(None, parse_operation("begin", BEGIN), NOW).new_state
    assert state is not None
    with pytest.raises(ValueError, match="lease_expires"):
        SyncState.from_json({**state.to_json(), "lease_expires": None})
    with pytest.raises(ValueError, match="version"):
        SyncState.from_json({**state.to_json(), "version": 2})


def test_results_are_plain_json() -> None:
    transition = apply(None, parse_operation("begin", BEGIN), NOW)
    assert transition.result is not None
    assert json.loads(json.dumps(transition.result)) == transition.result


def _public_names(module: ModuleType) -> set[str]:
    """Classes and functions defined in the module, plus its annotated (``Final``) constants."""
    defined = {
        name
        for name, value in vars(module).items()
        if (isinstance(value, type) or callable(value))
        and getattr(value, "__module__", "") == module.__name__
    }
    return {name for name in defined | set(module.__annotations__) if not name.startswith("_")}


@pytest.mark.parametrize("module", [sync_state, keys, catalog, identity_claim, machine])
def test_all_lists_the_public_api(module: ModuleType) -> None:
    exported = set(module.__all__)
    assert all(hasattr(module, name) for name in exported)
    assert _public_names(module) <= exported
