"""Review of the ``manifest`` entity: holes found by an adversarial reading (each test fails on the current
code; the lead fixes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from entities import manifest as m

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _do(
    state: m.ManifestBook, name: str, payload: dict[str, Any] | None = None
) -> tuple[m.ManifestBook, dict[str, Any]]:
    transition = m.apply(state, m.parse_operation(name, payload), NOW)
    assert transition.result is not None
    return transition.new_state, transition.result


def test_a_forget_signalled_while_a_run_is_in_flight_is_not_undone_by_that_run_s_publish() -> None:
    """r2 read the trusted book and freed objects from r1's manifest; mid-run the operator edits sync states
    by hand and signals ``forget``. r2's manifest carries r1's fingerprints for the objects it freed, yet
    publishing it makes the catalog's manifest trusted again: the operator's edit is never reconciled (the
    run after r2 skips those objects), although docs/sync.md promises the next run asks every state."""
    book, _ = _do(m.ManifestBook(), "journal", {"ref": "state.c/journal/r1.jsonl"})
    book, _ = _do(
        book, "publish", {"ref": "state.c/manifests/r1.jsonl.gz", "run_id": "r1", "read_upto": 0, "own": [1]}
    )
    read_by_r2 = book.last_seq  # r2 plans on this book: trusted, free path
    assert book.current is not None and book.current.trusted
    book, _ = _do(book, "forget")
    book, answer = _do(
        book, "publish", {"ref": "state.c/manifests/r2.jsonl.gz", "run_id": "r2", "read_upto": read_by_r2}
    )
    assert not (answer["accepted"] and book.current is not None and book.current.trusted), (
        "a manifest planned before the forget was published as trusted"
    )
