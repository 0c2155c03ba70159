"""The guid index a batch stages for later waves: written items by Purview's answer, others by their state."""

from __future__ import annotations

from typing import Any

from sync.chunks import batch_index


def test_written_items_use_purviews_guid_and_unwritten_ones_their_known_guid() -> None:
    decisions: dict[str, dict[str, Any]] = {
        "shop|asset|a": {"decision": "proceed", "purview_guid": "old-a"},
        "shop|asset|b": {"decision": "unchanged", "purview_guid": "g-b"},
        "shop|glossary_term|t": {"decision": "skip", "purview_guid": "g-t"},
        "shop|asset|c": {"decision": "unchanged", "purview_guid": None},
        "shop|asset|d": {"decision": "busy", "purview_guid": "g-d"},
    }
    results: list[dict[str, Any]] = [
        {"sync_key": "shop|asset|a", "guid": "new-a"},
        {"sync_key": "shop|asset|e", "guid": None},
    ]
    assert batch_index(decisions, results) == {
        "asset": {"a": "new-a", "b": "g-b"},  # busy d is not this run's; c has no guid; e failed
        "glossary_term": {"t": "g-t"},
    }


def test_an_external_id_with_bars_keeps_them() -> None:
    results = [{"sync_key": "shop|asset|db|schema|t", "guid": "g"}]
    assert batch_index({}, results) == {"asset": {"db|schema|t": "g"}}
