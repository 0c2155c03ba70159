"""The size ceiling of bulk upserts: one scale of the configured maxima, halved below a call that failed for
its size, an eighth up after fast, full calls, never above the maxima (pure rule), shared by a gateway's
threads."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from purview.sizing import AdaptiveCeiling, Ceiling, CeilingRule

RULE = CeilingRule(max_entities=1000, max_size=4_000_000, fast_seconds=10)


def test_a_failure_halves_the_binding_share_of_the_failed_call() -> None:
    assert RULE.ceiling(RULE.lowered(1.0, entities=987, size=350_000)) == Ceiling(493, 1_974_000)
    assert RULE.ceiling(RULE.lowered(1.0, entities=40, size=3_000_000)) == Ceiling(
        375, 1_500_000
    )  # bytes bind
    assert RULE.lowered(0.1, entities=400, size=900_000) == 0.1  # never above the ceiling it had
    assert RULE.ceiling(RULE.lowered(1.0, entities=1, size=10)) == Ceiling(1, 2000)


@settings(max_examples=200)
@given(st.floats(0.0001, 1.0), st.integers(1, 1000), st.integers(1, 4_000_000))
def test_after_a_failure_the_split_parts_are_strictly_smaller(scale: float, entities: int, size: int) -> None:
    """Termination of the split: under the new ceiling a part carries fewer entities or fewer bytes."""
    low = RULE.ceiling(RULE.lowered(scale, entities=entities, size=size))
    assert low.entities < entities or low.size < size or entities == 1
    assert low.entities <= max(1, RULE.ceiling(scale).entities)


def test_fast_full_calls_climb_an_eighth_and_stop_at_the_top() -> None:
    scale = RULE.raised(0.08, entities=80, size=90_000, seconds=0.2)
    assert scale == pytest.approx(0.09)
    calls = 0
    while RULE.ceiling(scale) != RULE.top:
        top = RULE.ceiling(scale)
        scale = RULE.raised(scale, entities=top.entities, size=top.size, seconds=0.2)
        calls += 1
    assert calls <= 21  # from 9 % back to the maxima within a few dozen calls
    assert scale == 1.0


@pytest.mark.parametrize(
    ("entities", "size", "seconds"),
    [(80, 90_000, 10.5), (30, 100_000, 0.1)],  # slow; or too small to tell (< half the ceiling)
)
def test_slow_or_small_calls_do_not_climb(entities: int, size: int, seconds: float) -> None:
    assert RULE.raised(0.08, entities=entities, size=size, seconds=seconds) == 0.08


def test_a_call_full_in_bytes_only_counts_as_full() -> None:
    assert RULE.raised(0.08, entities=3, size=200_000, seconds=0.1) == pytest.approx(0.09)


def test_the_top_stays_the_top() -> None:
    assert RULE.raised(1.0, entities=1000, size=4_000_000, seconds=0.1) == 1.0


def test_rule_validation() -> None:
    with pytest.raises(ValueError):
        CeilingRule(max_entities=0, max_size=1, fast_seconds=1)
    with pytest.raises(ValueError):
        CeilingRule(max_entities=1, max_size=1, fast_seconds=0)


def test_the_adaptive_ceiling_counts_moves_and_is_shared_by_threads() -> None:
    ceiling = AdaptiveCeiling(RULE)
    threads = [
        threading.Thread(target=ceiling.failed, kwargs={"entities": 1000 - i, "size": 4_000_000})
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ceiling.current == Ceiling(500, 2_000_000) and ceiling.lowered == 1  # the same news: one halving
    ceiling.succeeded(entities=500, size=1, seconds=0.1)
    assert ceiling.current == Ceiling(562, 2_250_000) and ceiling.raised == 1
