"""still_stale: an object find_stale listed is deleted only if nothing has claimed or seen it since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync.deletion import still_stale

CUTOFF = datetime(2026, 12, 1, tzinfo=UTC)
BEFORE = (CUTOFF - timedelta(days=3)).isoformat()
AFTER = (CUTOFF + timedelta(hours=1)).isoformat()


def test_a_vanished_state_has_nothing_left_to_delete() -> None:
    assert still_stale(None, CUTOFF) is False
    assert still_stale({}, CUTOFF) is False


def test_a_pending_state_belongs_to_a_sync() -> None:
    assert still_stale({"status": "Pending", "last_seen": BEFORE}, CUTOFF) is False
    assert still_stale({"status": "Pending"}, None) is False


def test_an_object_last_present_before_the_cutoff_is_still_stale() -> None:
    assert still_stale({"status": "Synced", "last_seen": BEFORE, "last_success": BEFORE}, CUTOFF) is True


def test_an_object_seen_since_is_kept() -> None:
    assert still_stale({"status": "Synced", "last_seen": AFTER}, CUTOFF) is False
    assert still_stale({"status": "Synced", "last_seen": CUTOFF.isoformat()}, CUTOFF) is False  # at: present
    # seen but failing since: last_seen counts, not only last_success
    assert still_stale({"status": "Failed", "last_seen": AFTER, "last_success": BEFORE}, CUTOFF) is False
    assert still_stale({"status": "Synced", "last_seen": BEFORE, "last_success": AFTER}, CUTOFF) is False


def test_without_a_cutoff_or_a_presence_time_the_listing_stands() -> None:
    assert still_stale({"status": "Synced", "last_seen": AFTER}, None) is True
    assert still_stale({"status": "Synced"}, CUTOFF) is True


OFFSET = st.one_of(st.none(), st.integers(-100, 100))


@given(
    status=st.sampled_from(["Synced", "Failed", "Pending", "Deleted"]),
    seen=OFFSET,
    success=OFFSET,
    has_cutoff=st.booleans(),
)
def test_only_a_state_not_present_since_the_cutoff_is_still_stale(
    status: str, seen: int | None, success: int | None, has_cutoff: bool
) -> None:
    state: dict[str, Any] = {"status": status}
    for name, offset in (("last_seen", seen), ("last_success", success)):
        if offset is not None:
            state[name] = (CUTOFF + timedelta(hours=offset)).isoformat()
    offsets = [offset for offset in (seen, success) if offset is not None]
    # the later of last_seen and last_success, in hours from the cutoff (None: never known present)
    present = max(offsets, default=None)
    expected = status != "Pending" and (not has_cutoff or present is None or present < 0)
    assert still_stale(state, CUTOFF if has_cutoff else None) is expected
