from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purview.ratelimit import OPS_PER_CAPACITY_UNIT, AdaptivePacer, AimdController, TokenBucket
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


# --- AIMD pacing -------------------------------------------------------------------------------------------


def test_fractional_capacity_units_give_a_fractional_ceiling() -> None:
    pacer = AdaptivePacer.for_capacity_units(0.5, utilisation=0.8)
    assert pacer.ceiling == pacer.rate == 10.0
    assert AdaptivePacer.for_capacity_units(0.04, utilisation=1).ceiling == 1.0


def test_a_429_halves_the_rate_once_per_window() -> None:
    aimd = AimdController(ceiling=100, floor=1, step=5, rate=100)
    assert aimd.on_throttle(sent_at=10.0, now=10.1) and aimd.rate == 50
    # requests already in flight when the rate went down report 429s too: no further halving
    for sent in (9.9, 10.0, 10.05):
        assert not aimd.on_throttle(sent_at=sent, now=10.2)
    assert aimd.rate == 50
    # a request sent after the decrease that is still throttled: the new rate is too high as well
    assert aimd.on_throttle(sent_at=10.3, now=10.4) and aimd.rate == 25


def test_additive_increase_once_per_quiet_interval_up_to_the_ceiling() -> None:
    aimd = AimdController(ceiling=10, floor=0.5, step=2, rate=10)
    aimd.on_throttle(sent_at=0, now=0)
    assert aimd.rate == 5
    assert not aimd.on_success(now=0.5)  # less than an interval since the decrease
    assert aimd.on_success(now=1.0) and aimd.rate == 7
    assert not aimd.on_success(now=1.5)
    rates = []
    for t in range(2, 8):
        aimd.on_success(now=float(t))
        rates.append(aimd.rate)
    assert rates == [9, 10, 10, 10, 10, 10]  # never above the ceiling


def test_rate_never_falls_below_the_floor() -> None:
    aimd = AimdController(ceiling=10, floor=0.5, step=1, rate=10)
    for t in range(20):
        aimd.on_throttle(sent_at=float(t), now=float(t))
    assert aimd.rate == 0.5


@given(
    st.lists(st.tuples(st.booleans(), st.floats(min_value=0, max_value=3)), min_size=1, max_size=200),
    st.floats(min_value=0.5, max_value=500),
)
def test_rate_stays_within_floor_and_ceiling(events: list[tuple[bool, float]], ceiling: float) -> None:
    aimd = AimdController(ceiling=ceiling, floor=0.5, step=ceiling * 0.05, rate=ceiling)
    now = 0.0
    for throttled, gap in events:
        sent = now
        now += gap
        if throttled:
            aimd.on_throttle(sent_at=sent, now=now)
        else:
            aimd.on_success(now=now)
        assert 0.5 <= aimd.rate <= ceiling


def test_pacer_settles_near_what_the_server_admits() -> None:
    """Simulated server admitting 12.5 ops/s (0.5 CU) against a pacer told 10 CU (ceiling 200 ops/s):
    the pacer comes down within seconds and then offers at most ~1.1x what the server admits."""
    clock = ManualClock()
    pacer = AdaptivePacer(200.0, clock=clock, sleep=clock.sleep)
    server = TokenBucket(12.5, burst=12.5, clock=clock, sleep=lambda s: None)
    sent: list[float] = []
    throttled = 0
    for _ in range(3000):
        _, at = pacer.acquire()
        sent.append(at)
        with server._lock:
            server._refill(clock())
            admitted = server._tokens >= 1
            if admitted:
                server._tokens -= 1
        if admitted:
            pacer.succeeded()
        else:
            throttled += 1
            pacer.throttled(at)
    duration = sent[-1] - sent[0]
    steady = [t for t in sent if t >= 10.0]
    assert pacer.lowest_rate < 12.5 and pacer.decreases >= 4
    assert len(steady) / (sent[-1] - 10.0) <= 12.5 * 1.1  # the offered rate once settled
    assert throttled / len(sent) < 0.1 and 3000 / duration > 12.5 * 0.6  # few 429s, most of the capacity
