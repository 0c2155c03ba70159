"""Run-summary bookkeeping: a failure that crossed a durable boundary reads once."""

from __future__ import annotations

from sync.summary import failure_text


def test_the_sdks_repeated_message_and_traceback_are_dropped() -> None:
    first = "Orchestrator function 'extract_segment' failed: source incomplete: a.jsonl: missing"
    assert failure_text(Exception(f"{first} \n source incomplete: a.jsonl: missing")) == first
    assert failure_text("x" * 900) == "x" * 500
    assert failure_text("plain") == "plain"
