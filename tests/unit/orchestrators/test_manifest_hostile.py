"""The orchestrators' manifest steps without a host, under hostile conditions: an adversarial review's
holes, each a test that failed before its fix."""

from __future__ import annotations

from typing import Any

from orchestrators.ingest_events import ingest_events
from sync.summary import Tally
from tests.unit.orchestrators.harness import Call, drive
from tests.unit.orchestrators.test_ingest_and_cleanup import BATCH

DROPPED = [f"state.shop/journal/ingest-{n}.jsonl" for n in range(2000)]


def _push(call: Call) -> Any:
    if call.name == "decode_events":
        return {"ref": "ingest-1/raw/000000.jsonl", "records": 1}
    if call.name == "transform_page":
        return {"items_ref": "ingest-1/items/0"}
    if call.name == "plan_waves":
        return {
            "waves": [{"phase": "assets", "chunks": [{"ref": "c", "id": "000-0000", "count": 1}]}],
            "journal_ref": "state.shop/journal/ingest-1.jsonl",
        }
    if call.name == "manifest" and call.operation == "journal":
        return {"seq": 2001, "dropped": DROPPED}  # the journal overflowed: 2,000 pieces nobody needs
    if call.name == "upsert_chunk":
        tally = Tally()
        tally.count("asset", "updated", 1)
        return {"tally": tally.to_json()}
    return {}


def test_journal_pieces_dropped_on_overflow_are_deleted_from_staging() -> None:
    """A push-only catalog never publishes a manifest, so its pieces (one staged file per batch, in the state
    area that the staging retention never cleans) only leave the journal by overflow; the entity answers
    them as ``dropped`` for the caller to delete, and ``import_waves`` ignores it: they stay forever."""
    run = drive(ingest_events, BATCH, _push)
    assert run.error is None and run.of("manifest", "journal"), run.names()
    pruned = [ref for call in run.of("prune_state") for ref in call.input["refs"]]
    assert sorted(pruned) == sorted(DROPPED), "overflowed journal pieces are never deleted"
