from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purview.ratelimit import OPS_PER_CAPACITY_UNIT, TokenBucket
from tests.unit.purview.fakes import ManualClock


def test_sized_from_capacity_units() -> None:
    bucket = TokenBucket.for_capacity_units(4, utilisation=0.5)
    assert bucket.rate == 4 * OPS_PER_CAPACITY_UNIT * 0.5
    assert bucket.burst == pytest.approx(bucket.rate * 0.2)


@given(
    st.floats(min_value=0.1, max_value=20),
    st.integers(min_value=1, max_value=300),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_rate_never_exceeds_the_bucket(capacity_units: float, requests: int, utilisation_part: float) -> None:
    clock = ManualClock()
    utilisation = 0.1 + 0.9 * utilisation_part
    bucket = TokenBucket.for_capacity_units(
        capacity_units, utilisation=utilisation, clock=clock, sleep=clock.sleep
    )
    for _ in range(requests):
        bucket.acquire()
    # n requests need at least (n - burst) / rate seconds
    assert clock.now >= (requests - bucket.burst) / bucket.rate - 1e-9
    assert (requests - bucket.burst) / clock.now <= bucket.rate * (1 + 1e-9) if clock.now else True


def test_idle_time_refills_up_to_burst_only() -> None:
    clock = ManualClock()
    bucket = TokenBucket(10, burst=2, clock=clock, sleep=clock.sleep)
    clock.now = 100.0
    waits = [bucket.acquire() for _ in range(4)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(0.1)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)
    with pytest.raises(ValueError):
        TokenBucket.for_capacity_units(1, utilisation=1.5)
