"""The pure manifest rules under hostile input: an adversarial review's holes, each a test that failed
before its fix."""

from __future__ import annotations

from sync.manifest import draft_manifest

SEEN = "2026-01-02T00:00:00+00:00"


def test_an_object_written_and_then_deleted_by_a_marker_of_the_same_run_is_not_clean() -> None:
    """x is on page 1 (new or changed: written, a clean part entry) and its delete marker on page 2: the
    run's piece names it twice, and the marker deletes it from Purview and its sync state *after* the import.
    The part entry still wins the draft, so the manifest says x is in Purview with this fingerprint, and the
    next run that lists x unchanged frees it: it is never recreated."""
    item = {"key": "c|asset|x", "kind": "asset", "external_id": "x", "seen": True}
    marker = {"key": "c|asset|x", "kind": "asset", "external_id": "x"}
    part = {
        "key": "c|asset|x",
        "kind": "asset",
        "external_id": "x",
        "fingerprint": "f1",
        "guid": "g",
        "identity": "t|x",
        "raw": None,
        "seen": None,
    }
    draft = draft_manifest(
        base=[], free=[], own=[item, marker], parts=[part], touched_by_others=[], seen=SEEN
    )
    assert draft.entries["c|asset|x"]["fingerprint"] is None, "a deleted object is recorded clean"
    assert "c|asset|x" in draft.check
