"""Every (state, operation) pair of the sync_state transition table, with the exact new state and result.

Actors: run ``A`` is the caller of most operations, ``B`` another run, ``Z`` a stranger that owns nothing.
Expected outcomes are written out, not recomputed, so a change to the table shows up here as a diff.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from entities.sync_state import (
    BeginRequest,
    CompleteRequest,
    DeleteRequest,
    FailRequest,
    GetRequest,
    Operation,
    Status,
    SyncState,
    apply,
)

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=10)  # a lease taken at T0 (15 min) is still valid at NOW
OLD = T0 - timedelta(hours=1)  # a lease taken at OLD expired before NOW
NOW_S, NEW_LEASE_S, VALID_LEASE_S = "2024-01-01T12:10:00Z", "2024-01-01T12:25:00Z", "2024-01-01T12:15:00Z"
IDENTITY = {"catalog": "hive", "kind": "asset", "external_id": "db.t"}


def _state(status: Status, corr: str, start: datetime = T0, **fields: Any) -> SyncState:
    base: dict[str, Any] = {
        **IDENTITY,
        "status": status,
        "correlation_id": corr,
        "fingerprint": "f1",
        "sync_start": start,
        "purview_guid": "g1",
        "last_seen_run": corr,
        "last_seen": start,
        "assigned_terms": ("t0",),
        "attempts": 1,
    }
    if status is Status.PENDING:
        base["lease_expires"] = start + timedelta(minutes=15)
    else:
        base["sync_end"] = start + timedelta(minutes=1)
    if status is Status.COMPLETED:
        base["last_success"] = start + timedelta(minutes=1)
    if status is Status.FAILED:
        base["last_error"] = "earlier error"
    return SyncState(**{**base, **fields})


STATES: dict[str, SyncState | None] = {
    "none": None,
    "pending_own_valid": _state(Status.PENDING, "A"),
    "pending_own_expired": _state(Status.PENDING, "A", OLD),
    "pending_other_valid": _state(Status.PENDING, "B"),
    "pending_other_expired": _state(Status.PENDING, "B", OLD),
    "completed_same_run": _state(Status.COMPLETED, "A"),
    "completed_same_fp": _state(Status.COMPLETED, "B"),
    "completed_changed_fp": _state(Status.COMPLETED, "B", fingerprint="f0"),
    "completed_no_guid": _state(Status.COMPLETED, "B", purview_guid=None),
    "failed_same_run": _state(Status.FAILED, "A"),
    "failed_other_run": _state(Status.FAILED, "B"),
}

OPERATIONS: dict[str, Operation] = {
    "begin": BeginRequest(correlation_id="A", fingerprint="f1", **IDENTITY),
    "complete_A": CompleteRequest(correlation_id="A", purview_guid="g2", assigned_terms=("t1",)),
    "complete_Z": CompleteRequest(correlation_id="Z", purview_guid="g2"),
    "fail_A": FailRequest(correlation_id="A", error="boom"),
    "fail_Z": FailRequest(correlation_id="Z", error="boom"),
    "delete": DeleteRequest(),
    "delete_force": DeleteRequest(force=True),
    "get": GetRequest(),
}

SAME = "same"  # new state is the input state
GONE = "gone"  # entity destructed


def _begin(decision: str, reason: str, **fields: Any) -> dict[str, Any]:
    result: dict[str, Any] = {
        "decision": decision,
        "reason": reason,
        "holder": None,
        "lease_expires": None,
        "previous_holder": None,
        "purview_guid": "g1",
        "assigned_terms": ["t0"],
        "assigned_classifications": [],
        "assigned_attributes": [],
        "origin": None,
        "identity": None,
    }
    return {**result, **fields}


def _proceed(reason: str, **fields: Any) -> dict[str, Any]:
    return _begin("proceed", reason, **{"holder": "A", "lease_expires": NEW_LEASE_S, **fields})


def _pending(attempts: int) -> dict[str, Any]:
    return {
        "status": Status.PENDING,
        "correlation_id": "A",
        "fingerprint": "f1",
        "sync_start": NOW,
        "sync_end": None,
        "lease_expires": NOW + timedelta(minutes=15),
        "last_seen_run": "A",
        "last_seen": NOW,
        "attempts": attempts,
    }


def _ack(accepted: bool, reason: str | None, status: str | None) -> dict[str, Any]:
    return {"accepted": accepted, "reason": reason, "status": status}


COMPLETED = {
    "status": Status.COMPLETED,
    "purview_guid": "g2",
    "sync_end": NOW,
    "lease_expires": None,
    "last_success": NOW,
    "last_error": None,
    "assigned_terms": ("t1",),
}
COMPLETED_Z = {**COMPLETED, "assigned_terms": ("t0",)}  # complete_Z gives no terms: stored ones are kept
FAILED = {"status": Status.FAILED, "sync_end": NOW, "lease_expires": None, "last_error": "boom"}
NEW_STATE = {**IDENTITY, **_pending(1)}

NO_STATE = _ack(False, "no_state", None)
NOT_OWNER = _ack(False, "not_owner", "Pending")
NOT_PENDING_C = _ack(False, "not_pending", "Completed")
NOT_PENDING_F = _ack(False, "not_pending", "Failed")
DELETED = {"deleted": True, "reason": None}
LEASED = {"deleted": False, "reason": "leased"}

# (state, operation) -> (SAME | GONE | changed fields, result); "get" rows are checked separately below.
EXPECTED: dict[tuple[str, str], tuple[str | dict[str, Any], dict[str, Any] | None]] = {
    ("none", "begin"): (NEW_STATE, _proceed("new", purview_guid=None, assigned_terms=[])),
    ("none", "complete_A"): (SAME, NO_STATE),
    ("none", "complete_Z"): (SAME, NO_STATE),
    ("none", "fail_A"): (SAME, NO_STATE),
    ("none", "fail_Z"): (SAME, NO_STATE),
    ("none", "delete"): (SAME, {"deleted": False, "reason": "no_state"}),
    ("none", "delete_force"): (SAME, {"deleted": False, "reason": "no_state"}),
    ("pending_own_valid", "begin"): (_pending(2), _proceed("rebegin")),
    ("pending_own_valid", "complete_A"): (COMPLETED, _ack(True, None, "Completed")),
    ("pending_own_valid", "complete_Z"): (SAME, NOT_OWNER),
    ("pending_own_valid", "fail_A"): (FAILED, _ack(True, None, "Failed")),
    ("pending_own_valid", "fail_Z"): (SAME, NOT_OWNER),
    ("pending_own_valid", "delete"): (SAME, LEASED),
    ("pending_own_valid", "delete_force"): (GONE, DELETED),
    ("pending_own_expired", "begin"): (_pending(2), _proceed("rebegin")),
    ("pending_own_expired", "complete_A"): (COMPLETED, _ack(True, None, "Completed")),
    ("pending_own_expired", "complete_Z"): (SAME, NOT_OWNER),
    ("pending_own_expired", "fail_A"): (FAILED, _ack(True, None, "Failed")),
    ("pending_own_expired", "fail_Z"): (SAME, NOT_OWNER),
    ("pending_own_expired", "delete"): (GONE, DELETED),
    ("pending_own_expired", "delete_force"): (GONE, DELETED),
    ("pending_other_valid", "begin"): (
        SAME,
        _begin("busy", "leased", holder="B", lease_expires=VALID_LEASE_S),
    ),
    ("pending_other_valid", "complete_A"): (SAME, NOT_OWNER),
    ("pending_other_valid", "complete_Z"): (SAME, NOT_OWNER),
    ("pending_other_valid", "fail_A"): (SAME, NOT_OWNER),
    ("pending_other_valid", "fail_Z"): (SAME, NOT_OWNER),
    ("pending_other_valid", "delete"): (SAME, LEASED),
    ("pending_other_valid", "delete_force"): (GONE, DELETED),
    ("pending_other_expired", "begin"): (_pending(2), _proceed("takeover", previous_holder="B")),
    ("pending_other_expired", "complete_A"): (SAME, NOT_OWNER),
    ("pending_other_expired", "complete_Z"): (SAME, NOT_OWNER),
    ("pending_other_expired", "fail_A"): (SAME, NOT_OWNER),
    ("pending_other_expired", "fail_Z"): (SAME, NOT_OWNER),
    ("pending_other_expired", "delete"): (GONE, DELETED),
    ("pending_other_expired", "delete_force"): (GONE, DELETED),
    ("completed_same_run", "begin"): (SAME, _begin("skip", "same_run")),
    ("completed_same_fp", "begin"): (
        {"last_seen_run": "A", "last_seen": NOW, "last_success": NOW},
        _begin("unchanged", "same_fingerprint"),
    ),
    ("completed_changed_fp", "begin"): (_pending(1), _proceed("changed")),
    ("completed_no_guid", "begin"): (_pending(1), _proceed("guid_unknown", purview_guid=None)),
    ("failed_same_run", "begin"): (_pending(2), _proceed("retry")),
    ("failed_other_run", "begin"): (_pending(2), _proceed("retry")),
}
# Completed and Failed states: nobody owns them, and they hold no lease, so both deletes destruct.
_FINISHED = {
    "completed_same_run": NOT_PENDING_C,
    "completed_same_fp": NOT_PENDING_C,
    "completed_changed_fp": NOT_PENDING_C,
    "completed_no_guid": NOT_PENDING_C,
    "failed_same_run": NOT_PENDING_F,
    "failed_other_run": NOT_PENDING_F,
}
for _name, _rejection in _FINISHED.items():
    EXPECTED.update(
        {(_name, op): (SAME, _rejection) for op in ("complete_A", "complete_Z", "fail_A", "fail_Z")}
    )
    EXPECTED.update({(_name, "delete"): (GONE, DELETED), (_name, "delete_force"): (GONE, DELETED)})


def test_table_covers_every_pair() -> None:
    pairs = {(s, o) for s in STATES for o in OPERATIONS if o != "get"}
    assert set(EXPECTED) == pairs


@pytest.mark.parametrize(("state_name", "op_name"), sorted(EXPECTED))
def test_transition(state_name: str, op_name: str) -> None:
    state = STATES[state_name]
    outcome, result = EXPECTED[(state_name, op_name)]

    transition = apply(state, OPERATIONS[op_name], NOW)

    assert transition.result == result
    if outcome == SAME:
        assert transition.new_state == state
    elif outcome == GONE:
        assert transition.new_state is None
    else:
        assert isinstance(outcome, dict)
        base = state.model_dump() if state is not None else {}
        assert transition.new_state == SyncState.model_validate({**base, **outcome})
    if transition.new_state is not None:
        assert SyncState.from_json(transition.new_state.to_json()) == transition.new_state


@pytest.mark.parametrize("state_name", sorted(STATES))
def test_get_returns_state_and_changes_nothing(state_name: str) -> None:
    state = STATES[state_name]
    transition = apply(state, OPERATIONS["get"], NOW)
    assert transition.new_state == state
    assert transition.result == (state.to_json() if state is not None else None)


def test_complete_without_assigned_sets_keeps_stored_ones() -> None:
    state = _state(Status.PENDING, "Z", assigned_classifications=("PII",))
    new = apply(state, OPERATIONS["complete_Z"], NOW).new_state
    assert new == SyncState.model_validate(
        {**state.model_dump(), **COMPLETED_Z, "assigned_classifications": ("PII",)}
    )


def test_request_clock_wins_over_entity_clock() -> None:
    begin = BeginRequest(correlation_id="A", fingerprint="f1", now=NOW, **IDENTITY)
    new = apply(None, begin, NOW + timedelta(days=1)).new_state
    assert new is not None
    assert new.sync_start == NOW


def test_lease_expiry_is_exclusive() -> None:
    """At exactly lease_expires the lease is over, so another run takes over."""
    state = _state(Status.PENDING, "B")
    assert state.lease_expires is not None
    assert apply(state, OPERATIONS["begin"], state.lease_expires).result == _proceed(
        "takeover", previous_holder="B", lease_expires="2024-01-01T12:30:00Z"
    )


def test_custom_lease_is_stored() -> None:
    begin = BeginRequest(correlation_id="A", fingerprint="f1", lease_seconds=60, **IDENTITY)
    new = apply(None, begin, NOW).new_state
    assert new is not None
    assert new.lease_expires == NOW + timedelta(seconds=60)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        apply(None, OPERATIONS["get"], datetime(2024, 1, 1))


@pytest.mark.parametrize(
    ("mode", "identity", "decision", "reason"),
    [
        ("normal", "t|q", "unchanged", "same_fingerprint"),
        ("verify", "t|q", "proceed", "verify"),
        ("full", "t|q", "proceed", "full"),
        ("normal", "t|other", "proceed", "identity"),
        ("normal", None, "unchanged", "same_fingerprint"),
    ],
)
def test_begin_modes_and_identity_of_an_unchanged_object(
    mode: str, identity: str | None, decision: str, reason: str
) -> None:
    """Verify/full runs take unchanged objects; an object whose claim is missing or renamed is re-written."""
    state = _state(Status.COMPLETED, "Z").model_copy(update={"identity": "t|q", "origin": "adopted"})
    op = BeginRequest(
        correlation_id="R",
        catalog="c",
        kind="asset",
        external_id="x",
        fingerprint=state.fingerprint,
        identity=identity,
        mode=mode,
    )
    result = apply(state, op, NOW).result
    assert result is not None
    assert (result["decision"], result["reason"]) == (decision, reason)
    assert result["origin"] == "adopted" and result["identity"] == "t|q"


def test_complete_records_origin_once_found_and_identity() -> None:
    pending = _state(Status.PENDING, "Z")
    done = apply(
        pending, CompleteRequest(correlation_id="Z", purview_guid="g", origin="adopted", identity="t|q"), NOW
    )
    assert done.new_state is not None and (done.new_state.origin, done.new_state.identity) == (
        "adopted",
        "t|q",
    )
    again = apply(
        done.new_state.model_copy(update={"status": Status.PENDING, "lease_expires": NOW}),
        CompleteRequest(correlation_id="Z", purview_guid="g"),
        NOW,
    )
    assert again.new_state is not None and again.new_state.origin == "adopted"


def test_fail_keeps_the_identity_whose_claim_the_object_holds() -> None:
    pending = _state(Status.PENDING, "Z")
    failed = apply(pending, FailRequest(correlation_id="Z", error="boom", identity="t|q"), NOW).new_state
    assert failed is not None and failed.identity == "t|q" and failed.status is Status.FAILED
    refused = apply(pending, FailRequest(correlation_id="Z", error="owned by catalog 'a'"), NOW).new_state
    assert refused is not None and refused.identity is None
