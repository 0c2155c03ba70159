"""The emulator's request-rate statistics (pure windowing and the recorder over an injected clock)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from localdev.purview.rates import RateRecorder, max_in_window


def test_max_in_window_is_half_open() -> None:
    assert max_in_window([], 1.0) == 0
    assert max_in_window([0.0, 0.5, 0.999, 1.0, 1.5], 1.0) == 3
    assert max_in_window([0.0, 1.0, 2.0], 1.0) == 1


@given(st.lists(st.floats(min_value=0, max_value=100), max_size=200), st.floats(min_value=0.1, max_value=5))
def test_max_in_window_matches_brute_force(stamps: list[float], window: float) -> None:
    stamps.sort()
    brute = max((sum(1 for s in stamps if t <= s < t + window) for t in stamps), default=0)
    assert max_in_window(stamps, window) == brute


def test_recorder_separates_offered_and_admitted() -> None:
    now = [0.0]
    recorder = RateRecorder(clock=lambda: now[0])
    for i in range(30):
        now[0] = i * 0.05  # 20 requests/s offered for 1.5 s
        recorder.record(admitted=i % 3 != 0)
    summary = recorder.summary(12.5)
    assert summary["limit_per_s"] == 12.5
    assert summary["admitted"] == 20 and summary["throttled"] == 10
    one, five = summary["windows"]
    assert (one["seconds"], one["limit"], five["seconds"], five["limit"]) == (1.0, 12.5, 5.0, 62.5)
    assert one["max_offered"] == 20 and 13 <= one["max_admitted"] <= 14
    assert five["max_offered"] == 30 and five["max_admitted"] == 20
    assert summary["duration_s"] == 1.45
    recorder.reset()
    assert recorder.summary(None) == {
        "limit_per_s": None,
        "admitted": 0,
        "throttled": 0,
        "duration_s": 0.0,
        "windows": [
            {"seconds": 1.0, "limit": None, "max_offered": 0, "max_admitted": 0},
            {"seconds": 5.0, "limit": None, "max_offered": 0, "max_admitted": 0},
        ],
    }
