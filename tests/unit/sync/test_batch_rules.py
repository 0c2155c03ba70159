"""The guid index a batch stages for later waves: written items by Purview's answer, others by their state."""

from __future__ import annotations

from typing import Any

from pivot import parse_item
from sync.chunks import batch_index, compact, failed_results
from sync.pages import term_refs
from tests.unit.pivot.builders import asset_json, term_json


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


def test_a_failed_batch_fails_each_item_once_in_key_order_with_the_code() -> None:
    assert failed_results({"s|asset|b", "s|asset|a"}, "throttled", "429") == [
        {"sync_key": "s|asset|a", "status": "failed", "reason": "throttled", "error_code": "429"},
        {"sync_key": "s|asset|b", "status": "failed", "reason": "throttled", "error_code": "429"},
    ]
    assert "error_code" not in failed_results(["s|asset|a"], "lease")[0]


def test_a_plan_keeps_its_diffs_staged_and_sends_only_their_count() -> None:
    planned = {"sync_key": "s|asset|a", "action": "update", "diffs": [{"field": "name"}, {"field": "x"}]}
    result = compact(planned, dry=True)
    assert (result.action, result.diff_count) == ("update", 2)
    assert "diffs" not in result.to_json()
    written = compact({"sync_key": "s|asset|a", "status": "created", "guid": "g", "reason": None}, dry=False)
    assert (written.status, written.guid, written.diff_count) == ("created", "g", None)


def test_term_refs_are_the_same_catalog_terms_items_point_to() -> None:
    items = [
        parse_item(
            asset_json(
                glossary_items=[
                    {"external_id": "revenue"},
                    {"type_name": "AtlasGlossaryTerm", "qualified_name": "Other@Glossary"},
                ]
            )
        ),
        parse_item(term_json(parent={"external_id": "root"}, related=[{"external_id": "sibling"}])),
    ]
    assert term_refs(items) == {"revenue", "root", "sibling"}
