"""``decode_events`` decodes a pushed batch's staged bodies with the catalog's connector: a garbled event is
counted and named alone, and every other event's records are staged."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from activities import resources
from activities.extract import decode_events
from sync.contracts import DecodedEvents, DecodeRequest
from tests.unit.activities.batches import batch_world, table

CATALOG = "push"


def test_a_garbled_event_fails_alone_and_the_others_are_staged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with batch_world(tmp_path, monkeypatch, CATALOG):
        good = base64.b64encode(json.dumps([table(CATALOG, 0), table(CATALOG, 1)]).encode()).decode()
        not_json = base64.b64encode(b"{not json").decode()
        events = [{"body": good}, {"body": "%%% not base64 %%%"}, {"body": not_json}]
        ref = resources.staging().put_jsonl("ingest-1", "events/000000.jsonl", events)
        activity = decode_events.build().get_user_function()
        output = DecodedEvents.model_validate(
            activity(DecodeRequest(catalog=CATALOG, run_id="ingest-1", ref=ref, batch="b-7").to_json())
        )
        staged = list(resources.staging().iter_jsonl(output.ref))
    assert output.error_count == 1 and output.errors[0].startswith("event 1 of b-7: cannot decode:")
    assert [json.loads(r["text"])["external_id"] for r in staged[:2]] == ["t0", "t1"]
    assert staged[2]["text"] == "{not json"  # kept for transform to reject with its locator, not dropped
    assert output.records == 3
