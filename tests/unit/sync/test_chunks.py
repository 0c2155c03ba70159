"""Chunk rules: what a lock answer means, which items reach Purview, how each result is counted."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sync.chunks import (
    MISSING_GUID,
    batch_failure,
    count_decisions,
    decision_of,
    dry_counter,
    dry_decision,
    guid_of,
    outcome_of,
    writable,
)
from sync.contracts import ChunkKey, ItemDecision, ItemResult
from sync.summary import Tally


def _key(name: str, kind: str = "asset") -> ChunkKey:
    return ChunkKey(entity_key=f"e-{name}", sync_key=name, kind=kind, external_id=name, fingerprint="f")


DECISIONS: dict[str, dict[str, Any]] = {
    "p": {"decision": "proceed"},
    "u": {"decision": "unchanged"},
    "s": {"decision": "skip"},
    "b": {"decision": "busy"},
    "r": {"decision": "refused"},
}
KEYS = [_key(name) for name in ("p", "u", "s", "b", "r")]


def test_decision_of_an_empty_answer_is_proceed() -> None:
    assert decision_of({}) == ItemDecision(decision="proceed").to_json()
    empty = ItemDecision(decision="proceed").to_json()
    assert decision_of({"decision": None, "assigned_terms": None}) == empty


def test_decision_of_keeps_what_the_lock_knows() -> None:
    begun = {
        "decision": "unchanged",
        "purview_guid": "g1",
        "assigned_terms": ("t1",),
        "assigned_classifications": ["PII"],
        "assigned_attributes": ["owner"],
        "origin": "other-catalog",
        "status": "Synced",  # the rest of a sync state is not needed
    }
    decision = decision_of(begun)
    assert (
        decision
        == ItemDecision(
            decision="unchanged",
            purview_guid="g1",
            assigned_terms=["t1"],
            assigned_classifications=["PII"],
            assigned_attributes=["owner"],
            origin="other-catalog",
        ).to_json()
    )


def test_a_dry_run_plans_every_item_with_the_state_as_prior() -> None:
    assert dry_decision(None) == {"decision": "proceed"}
    assert dry_decision({}) == {"decision": "proceed"}
    planned = dry_decision({"decision": "unchanged", "purview_guid": "g1", "assigned_terms": ["t"]})
    assert planned["decision"] == "proceed"
    assert (planned["purview_guid"], planned["assigned_terms"]) == ("g1", ["t"])
    assert ItemDecision.model_validate(planned).decision == "proceed"  # valid on the wire


def test_count_decisions_counts_what_is_not_written() -> None:
    tally = Tally()
    count_decisions(tally, KEYS, DECISIONS)
    assert tally.counts["asset"]["skipped"] == 2  # skip and busy
    assert tally.counts["asset"]["unchanged"] == 1
    assert tally.counts["asset"]["created"] == tally.counts["asset"]["failed"] == 0  # proceed: not yet
    assert tally.errors == ["b: busy (another sync holds it)"]
    assert tally.error_count == 1


def test_count_decisions_counts_per_kind() -> None:
    tally = Tally()
    keys = [_key("a", "glossary_term"), _key("b", "classification")]
    count_decisions(tally, keys, {"a": {"decision": "skip"}, "b": {"decision": "unchanged"}})
    assert tally.counts["glossary_term"]["skipped"] == 1
    assert tally.counts["classification"]["unchanged"] == 1
    assert tally.counts["asset"]["skipped"] == 0


def test_writable_keeps_order_and_drops_busy_and_refused() -> None:
    assert [key.sync_key for key in writable(KEYS, DECISIONS)] == ["p", "u", "s"]
    assert writable([], DECISIONS) == []


def test_a_failed_batch_fails_only_the_items_to_be_written() -> None:
    result = batch_failure(KEYS, DECISIONS, "staging unreachable")
    assert [(r.sync_key, r.status, r.reason) for r in result.results] == [
        ("p", "failed", "staging unreachable")
    ]
    assert result.calls == {}


def test_guid_of() -> None:
    assert guid_of("asset", ItemResult(sync_key="k", guid="g", qualified_name="q")) == "g"
    assert guid_of("classification", ItemResult(sync_key="k", qualified_name="PII")) == "typedef:PII"
    assert guid_of("classification", ItemResult(sync_key="k", guid="g", qualified_name="PII")) == "g"
    assert guid_of("asset", ItemResult(sync_key="k", qualified_name="q")) is None
    assert guid_of("classification", ItemResult(sync_key="k")) is None


def test_a_success_records_its_guid() -> None:
    outcome = outcome_of("asset", ItemResult(sync_key="k", status="created", guid="g"), None)
    assert (outcome.counter, outcome.guid, outcome.reason, outcome.failed) == ("created", "g", None, False)
    typedef = outcome_of(
        "classification", ItemResult(sync_key="k", status="updated", qualified_name="P"), None
    )
    assert (typedef.counter, typedef.guid) == ("updated", "typedef:P")


def test_a_missing_guid_is_a_failure() -> None:
    outcome = outcome_of("asset", ItemResult(sync_key="k", status="created"), None)
    assert (outcome.counter, outcome.guid, outcome.reason, outcome.failed) == (
        "failed",
        None,
        MISSING_GUID,
        True,
    )


def test_failures_keep_their_reason_or_say_failed() -> None:
    given_reason = outcome_of(
        "asset", ItemResult(sync_key="k", status="failed", guid="g", reason="409"), None
    )
    assert (given_reason.counter, given_reason.guid, given_reason.reason) == ("failed", None, "409")
    no_reason = outcome_of("asset", ItemResult(sync_key="k", status="failed"), None)
    assert no_reason.reason == "failed"
    unknown = outcome_of("asset", ItemResult(sync_key="k", status="exploded", guid="g"), None)
    assert (unknown.counter, unknown.failed) == ("failed", True)
    no_status = outcome_of("asset", ItemResult(sync_key="k", guid="g"), None)
    assert no_status.failed


def test_a_verify_write_of_an_unchanged_object_is_a_repair() -> None:
    for status in ("created", "updated"):
        outcome = outcome_of("asset", ItemResult(sync_key="k", status=status, guid="g"), "verify")
        assert (outcome.counter, outcome.guid) == ("repaired", "g")
    same = outcome_of("asset", ItemResult(sync_key="k", status="unchanged", guid="g"), "verify")
    assert same.counter == "unchanged"
    full = outcome_of("asset", ItemResult(sync_key="k", status="updated", guid="g"), "full")
    assert full.counter == "updated"
    lost = outcome_of("asset", ItemResult(sync_key="k", status="created"), "verify")
    assert lost.counter == "failed"  # a repair without a guid is still a failure


def test_dry_counter() -> None:
    assert dry_counter(ItemResult(sync_key="k", action="create")) == "created"
    assert dry_counter(ItemResult(sync_key="k", action="update")) == "updated"
    assert dry_counter(ItemResult(sync_key="k", action="fail")) == "failed"
    assert dry_counter(ItemResult(sync_key="k")) == "failed"  # no action: the plan could not be made
    assert dry_counter(ItemResult(sync_key="k", action="none")) == "unchanged"


@given(
    kind=st.sampled_from(["asset", "glossary_term", "classification"]),
    status=st.one_of(
        st.none(), st.sampled_from(["created", "updated", "unchanged", "skipped", "failed", "x"])
    ),
    guid=st.one_of(st.none(), st.just("g")),
    qualified_name=st.one_of(st.none(), st.just("q")),
    reason=st.one_of(st.none(), st.just("why")),
    begin_reason=st.one_of(st.none(), st.sampled_from(["verify", "full", "new"])),
)
def test_an_outcome_is_a_guid_or_a_reason_never_both(
    *,
    kind: str,
    status: str | None,
    guid: str | None,
    qualified_name: str | None,
    reason: str | None,
    begin_reason: str | None,
) -> None:
    result = ItemResult(sync_key="k", status=status, guid=guid, qualified_name=qualified_name, reason=reason)
    outcome = outcome_of(kind, result, begin_reason)
    if outcome.failed:
        assert outcome.guid is None and outcome.reason
    else:
        assert outcome.guid is not None
        assert outcome.guid == guid_of(kind, result)
        assert outcome.reason is None
        assert status in ("created", "updated", "unchanged", "skipped")
    assert outcome.failed == (
        status not in ("created", "updated", "unchanged", "skipped") or not guid_of(kind, result)
    )
    assert (outcome.counter == "repaired") == (
        not outcome.failed and begin_reason == "verify" and status in ("created", "updated")
    )
