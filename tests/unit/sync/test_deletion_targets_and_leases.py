"""What deleting objects means in Purview by their sync states, and how long a batch may still write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sync.deletion import deletion_targets
from sync.leases import LEASE_MARGIN_SECONDS, lease_left


def test_each_state_goes_to_its_purview_call_and_adopted_ones_are_only_released() -> None:
    states: list[dict[str, Any]] = [
        {"kind": "asset", "purview_guid": "a1", "origin": "created"},
        {"kind": "asset", "purview_guid": "a2", "origin": "adopted", "assigned_terms": ["t"]},
        {"kind": "glossary_term", "purview_guid": "t1"},
        {"kind": "classification", "purview_guid": "typedef:PII"},
        {"kind": "asset", "purview_guid": "s1", "origin": "skipped"},  # never written
        {"kind": "asset", "purview_guid": None},  # never landed
        {"purview_guid": "old"},  # states from before kinds were recorded are assets
    ]
    targets = deletion_targets(states)
    assert targets.assets == ["a1", "old"]
    assert targets.terms == ["t1"]
    assert targets.classifications == ["PII"]
    assert [s["purview_guid"] for s in targets.release] == ["a2"]


def test_nothing_to_delete_is_nothing() -> None:
    targets = deletion_targets([])
    assert (targets.release, targets.assets, targets.terms, targets.classifications) == ([], [], [], [])


NOW = datetime(2026, 1, 1, 0, 10, tzinfo=UTC)


def test_a_batch_may_write_until_the_margin_before_its_lease_ends() -> None:
    expires = (NOW + timedelta(minutes=5)).isoformat()
    assert lease_left(expires, NOW) == 300 - LEASE_MARGIN_SECONDS
    assert lease_left(expires, NOW, margin=0) == 300


def test_a_batch_queued_past_its_lease_has_no_time_left() -> None:
    assert (lease_left((NOW + timedelta(seconds=30)).isoformat(), NOW) or 0) < 0
    assert (lease_left((NOW - timedelta(seconds=1)).isoformat(), NOW) or 0) < 0


def test_without_a_lease_there_is_no_limit() -> None:
    assert lease_left(None, NOW) is None
