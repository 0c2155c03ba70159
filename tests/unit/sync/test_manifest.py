"""Pure manifest rules: when an object may skip its sync state, and what the next manifest says."""

from __future__ import annotations

from typing import Any

from sync.manifest import draft_manifest, free_index, is_free, part_entries

SEEN = "2026-01-02T00:00:00+00:00"


def _key(external_id: str, fingerprint: str = "f1", qualified_name: str | None = None) -> dict[str, Any]:
    return {
        "entity_key": f"c|asset|{external_id}",
        "sync_key": f"c|asset|{external_id}",
        "kind": "asset",
        "external_id": external_id,
        "fingerprint": fingerprint,
        "identity": {"type_name": "t", "qualified_name": qualified_name or external_id, "adopt_from": []},
    }


def _entry(external_id: str, fingerprint: str | None = "f1", guid: str | None = "g") -> dict[str, Any]:
    return {
        "key": f"c|asset|{external_id}",
        "kind": "asset",
        "external_id": external_id,
        "fingerprint": fingerprint,
        "guid": guid,
        "identity": f"t|{external_id}",
        "seen": "2026-01-01T00:00:00+00:00",
    }


def test_only_an_untouched_object_with_the_same_content_guid_and_identity_is_free() -> None:
    assert is_free(_key("a"), _entry("a"), set())
    assert not is_free(_key("a", "f2"), _entry("a"), set())  # changed
    assert not is_free(_key("a"), _entry("a"), {"c|asset|a"})  # touched by a push, a deletion, a crashed run
    assert not is_free(_key("a"), _entry("a", fingerprint=None), set())  # suspect
    assert not is_free(_key("a"), _entry("a", guid=None), set())  # never landed
    assert not is_free(_key("a", qualified_name="moved"), _entry("a"), set())  # renamed: claims again
    assert not is_free(_key("a"), None, set())  # new


def test_the_free_index_resolves_references_to_free_objects() -> None:
    assert free_index([_entry("a", guid="g1"), _entry("b", guid="g2")]) == {"asset": {"a": "g1", "b": "g2"}}


def test_a_batch_part_lists_what_landed_or_was_unchanged_and_leaves_failures_out() -> None:
    keys = {k["sync_key"]: k for k in (_key("new"), _key("same"), _key("broken"), _key("noguid"))}
    decisions = {
        "c|asset|new": {"decision": "proceed"},
        "c|asset|same": {"decision": "unchanged", "purview_guid": "g-same"},
        "c|asset|broken": {"decision": "proceed"},
        "c|asset|noguid": {"decision": "proceed"},
    }
    results = [
        {"sync_key": "c|asset|new", "status": "created", "guid": "g-new"},
        {"sync_key": "c|asset|broken", "status": "failed", "reason": "400"},
        {"sync_key": "c|asset|noguid", "status": "updated"},
    ]
    part = {e["external_id"]: e for e in part_entries(keys, decisions, results)}
    assert set(part) == {"new", "same"}
    assert (part["new"]["guid"], part["new"]["fingerprint"], part["new"]["identity"]) == (
        "g-new",
        "f1",
        "t|new",
    )
    assert part["same"]["guid"] == "g-same"


def test_the_next_manifest_carries_what_the_run_did_not_meet_and_suspects_what_others_touched() -> None:
    draft = draft_manifest(
        base=[_entry("free"), _entry("gone"), _entry("written"), _entry("failed"), _entry("pushed")],
        free=["c|asset|free"],
        own=[
            {"key": "c|asset|written", "seen": True},
            {"key": "c|asset|failed", "seen": True},
            {"key": "c|asset|marker", "kind": "asset", "external_id": "marker"},
        ],
        parts=[{**_entry("written", fingerprint="f2", guid="g2"), "seen": None}],
        touched_by_others=["c|asset|pushed", "c|asset|written"],
        seen=SEEN,
    )
    e = draft.entries
    assert e["c|asset|free"]["seen"] == SEEN and e["c|asset|free"]["fingerprint"] == "f1"
    assert e["c|asset|gone"]["seen"] == "2026-01-01T00:00:00+00:00"  # not met: its old presence stays
    assert e["c|asset|failed"]["fingerprint"] is None and e["c|asset|failed"]["seen"] == SEEN
    assert e["c|asset|marker"]["fingerprint"] is None and e["c|asset|marker"]["seen"] is None
    # written by this run, but a push touched it too: its sync state may be newer than what this run wrote
    assert e["c|asset|written"]["fingerprint"] is None and e["c|asset|written"]["guid"] == "g2"
    assert e["c|asset|pushed"]["fingerprint"] is None
    assert sorted(draft.check) == ["c|asset|failed", "c|asset|marker", "c|asset|pushed", "c|asset|written"]
