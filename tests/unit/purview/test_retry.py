"""The one retry layer (azure-core's RetryPolicy with a time budget), driven through the real pipeline against
a real HTTP server on 127.0.0.1; a manual clock stands in for the waits so budgets of minutes take no time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from purview.client import PurviewHttp
from purview.errors import (
    DeadlineExceeded,
    NotFoundError,
    PayloadTooLargeError,
    RetryBudgetExceeded,
    ThrottledError,
    TimedOutError,
    TransientError,
)
from purview.retry import SIZE_FAILURE_RETRIES, RetryOptions, retry_after
from tests.unit.purview.fakes import Answer, ManualClock, ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def http_for(server: ScriptedServer, clock: ManualClock, **retry: Any) -> PurviewHttp:
    return PurviewHttp(server.url, retry=RetryOptions(**retry), sleep=clock.sleep, clock=clock)


def throttled(seconds: str = "30", header: str = "Retry-After") -> Answer:
    return Answer(429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, {header: seconds})


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"Retry-After": " 0.5 "}, 0.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "nan"}, None),
        ({}, None),
        ({"x-ms-retry-after-ms": "1500", "Retry-After": "2"}, 1.5),  # the finer header wins
        ({"X-Ms-Retry-After-Ms": "250"}, 0.25),
        ({"x-ms-retry-after-ms": "-5000", "Retry-After": "2"}, 2.0),  # nonsense falls back
        ({"x-ms-retry-after-ms": "nan", "Retry-After": "2"}, 2.0),
        ({"x-ms-retry-after-ms": "inf", "Retry-After": "2"}, 2.0),
        ({"x-ms-retry-after-ms": "abc"}, None),
    ],
)
def test_retry_after_headers(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(CaseInsensitiveDict(headers)) == expected


def test_retry_after_http_date() -> None:
    now = datetime(2026, 11, 23, 21, 0, 0, tzinfo=UTC)
    assert retry_after({"Retry-After": "Mon, 23 Nov 2026 21:00:07 GMT"}, now=now) == 7.0
    assert retry_after({"Retry-After": "Mon, 23 Nov 2026 20:59:00 GMT"}, now=now) == 0.0


def test_a_429_is_retried_after_its_jittered_retry_after(server: ScriptedServer) -> None:
    server.answers[:] = [throttled("2"), Answer(200, {"ok": 1})]
    clock = ManualClock()
    http = http_for(server, clock)
    assert http.atlas("GET", "/types/typedefs/headers") == {"ok": 1}
    assert len(clock.sleeps) == 1 and 2.0 <= clock.sleeps[0] <= 2.5  # never shortened, at most +25 %
    assert (http.stats.retries, http.stats.throttled, http.stats.total_calls) == (1, 1, 2)


def test_x_ms_retry_after_ms_is_honoured(server: ScriptedServer) -> None:
    server.answers[:] = [throttled("400", header="x-ms-retry-after-ms"), Answer(204)]
    clock = ManualClock()
    assert http_for(server, clock).atlas("DELETE", "/entity/guid/x") is None
    assert 0.4 <= clock.sleeps[0] <= 0.5


def test_a_real_wait_is_taken_between_attempts(server: ScriptedServer) -> None:
    """Without an injected clock the policy really sleeps: the second attempt arrives ≥ 0.3 s later."""
    server.answers[:] = [throttled("300", header="x-ms-retry-after-ms")]
    http = PurviewHttp(server.url)
    http.atlas("GET", "/glossary")
    assert server.seen[1].at - server.seen[0].at >= 0.3


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_a_post_is_retried_on_every_transient_status(server: ScriptedServer, status: int) -> None:
    """azure-core alone retries a POST only on 500/503/504; Atlas upserts are idempotent."""
    server.answers[:] = [Answer(status)]
    clock = ManualClock()
    http_for(server, clock, base_delay=0.5).atlas("POST", "/entity/bulk", json_body={"entities": []})
    assert [s.method for s in server.seen] == ["POST", "POST"]
    assert server.seen[1].json == {"entities": []}  # the body is sent again
    assert 0 <= clock.sleeps[0] <= 0.5  # full jitter below the first backoff step


def test_backoff_is_full_jitter_below_a_doubling_capped_ceiling(server: ScriptedServer) -> None:
    server.answers[:] = [Answer(503) for _ in range(6)]
    clock = ManualClock()
    http_for(server, clock, base_delay=0.5, max_delay=3).atlas("GET", "/glossary")
    ceilings = [min(3.0, 0.5 * 2**n) for n in range(6)]  # 0.5, 1, 2, 3, 3, 3
    assert len(clock.sleeps) == 6 and all(0 <= s <= c for s, c in zip(clock.sleeps, ceilings, strict=True))
    assert len(set(clock.sleeps)) == 6  # jittered, not a fixed ladder


def test_permanent_errors_are_not_retried(server: ScriptedServer) -> None:
    server.answers[:] = [Answer(404, {"errorCode": "ATLAS-404-00-005", "errorMessage": "gone"})]
    with pytest.raises(NotFoundError):
        http_for(server, ManualClock()).atlas("GET", "/entity/guid/x")
    assert len(server.seen) == 1


def test_the_budget_ends_the_retries_and_says_so(server: ScriptedServer) -> None:
    server.default = throttled("30")
    clock = ManualClock()
    with pytest.raises(RetryBudgetExceeded) as info:
        http_for(server, clock, budget_seconds=45).atlas("GET", "/glossary", operation="glossary.list")
    # the last wait is cut to what is left of the budget, and the last attempt lands on its end
    assert len(server.seen) == 3 and clock.now == pytest.approx(45)
    assert 30 <= clock.sleeps[0] <= 37.5 and sum(clock.sleeps) == pytest.approx(45)
    assert info.value.status == 429 and isinstance(info.value.__cause__, ThrottledError)
    assert info.value.operation == "glossary.list"
    assert "retry budget of 45s" in str(info.value) and "3 attempts" in str(info.value)
    assert DeadlineExceeded is RetryBudgetExceeded  # the earlier name still works


def test_retry_after_is_capped_by_max_delay(server: ScriptedServer) -> None:
    server.answers[:] = [throttled("500")]
    clock = ManualClock()
    http_for(server, clock, max_delay=7, budget_seconds=100).atlas("GET", "/glossary")
    assert clock.sleeps == [7]


def test_no_attempt_cap_by_default_only_the_budget(server: ScriptedServer) -> None:
    """Sustained throttling once used up 6 attempts in seconds; now only the budget (600 s) bounds them."""
    server.answers[:] = [throttled("1") for _ in range(49)]
    clock = ManualClock()
    assert http_for(server, clock).atlas("GET", "/glossary") is None
    assert len(server.seen) == 50 and clock.now < 600


def test_an_attempt_cap_reraises_the_last_error_not_a_budget_error(server: ScriptedServer) -> None:
    server.default = Answer(503)
    clock = ManualClock()
    with pytest.raises(TransientError) as info:
        http_for(server, clock, max_attempts=3).atlas("GET", "/glossary")
    assert len(server.seen) == 3 and len(clock.sleeps) == 2
    assert not isinstance(info.value, RetryBudgetExceeded) and info.value.status == 503


def test_requests_of_one_batch_share_one_retry_budget(server: ScriptedServer) -> None:
    """Each request alone would get 100 s; inside ``shared_budget`` the two together get 100 s, so a batch
    ends within its objects' lease however many requests it makes."""
    server.answers[:] = [throttled(), throttled(), Answer(200, {}), *[throttled()] * 10]
    clock = ManualClock()
    http = http_for(server, clock, budget_seconds=100, max_delay=60)
    with http.shared_budget() as deadline:
        assert deadline == 100
        http.atlas("GET", "/glossary")  # two 429s: ~60-75 s spent
        with http.shared_budget() as inner:
            assert inner == deadline  # nested blocks keep the batch's budget
        with pytest.raises(RetryBudgetExceeded) as info:
            http.atlas("GET", "/glossary")
    assert clock.now == pytest.approx(100)
    assert "retry budget of 100s" in str(info.value)
    server.answers[:] = [throttled()]
    assert http.atlas("GET", "/glossary") is None  # outside the block: a fresh budget per request


def test_a_batch_budget_ends_with_the_lease(server: ScriptedServer) -> None:
    """What is left of the objects' lease (``shared_budget(left)``) cuts the 600 s budget short."""
    server.default = Answer(503)
    clock = ManualClock()
    http = http_for(server, clock)
    with http.shared_budget(20), pytest.raises(RetryBudgetExceeded):
        http.atlas("POST", "/entity/bulk", json_body={})
    assert clock.now == pytest.approx(20)


def test_a_dropped_connection_is_transient_and_retried(server: ScriptedServer) -> None:
    server.answers[:] = [Answer(drop=True), Answer(200, {"ok": 1})]
    http = http_for(server, ManualClock())
    assert http.atlas("POST", "/entity/bulk", json_body={}) == {"ok": 1}
    assert http.stats.retries == 1 and len(server.seen) == 2


def test_a_read_timeout_is_retried(server: ScriptedServer) -> None:
    server.answers[:] = [Answer(200, {"late": 1}, delay=2.0), Answer(200, {"ok": 1})]
    http = PurviewHttp(server.url, timeout=0.2, retry=RetryOptions(base_delay=0.01, budget_seconds=5))
    started = time.monotonic()
    assert http.atlas("GET", "/glossary") == {"ok": 1}
    assert time.monotonic() - started < 1.5 and http.stats.retries == 1  # it did not wait for the late one


def test_a_refused_connection_ends_as_a_budget_error_chained_to_the_azure_error() -> None:
    with ScriptedServer() as gone:
        url = gone.url
    http = PurviewHttp(url, retry=RetryOptions(budget_seconds=0.3, base_delay=0.05, max_delay=0.1))
    with pytest.raises(RetryBudgetExceeded) as info:
        http.atlas("GET", "/glossary")
    cause = info.value.__cause__
    assert isinstance(cause, TransientError) and "ServiceRequestError" in str(cause)
    assert http.stats.retries >= 2


def test_options_validation() -> None:
    with pytest.raises(ValueError):
        RetryOptions(max_attempts=0)
    with pytest.raises(ValueError):
        RetryOptions(budget_seconds=0)
    with pytest.raises(ValueError):
        RetryOptions(retry_after_jitter=2)


@pytest.mark.parametrize("status", [408, 504])
def test_a_resizable_call_is_handed_back_after_one_retry_of_a_size_failure(
    server: ScriptedServer, status: int
) -> None:
    """A bulk upsert its caller can split: retried once at this size, then a TimedOutError, budget intact."""
    server.default = Answer(status)
    clock = ManualClock()
    http = http_for(server, clock, budget_seconds=600)
    with pytest.raises(TimedOutError) as caught:
        http.atlas("POST", "/entity/bulk", json_body={"entities": []}, resizable=True)
    assert not isinstance(caught.value, RetryBudgetExceeded) and caught.value.status == status
    assert len(server.seen) == 1 + SIZE_FAILURE_RETRIES == 2
    assert sum(clock.sleeps) < 60  # not the 600 s budget


def test_a_call_that_cannot_be_split_keeps_retrying_a_504_until_the_budget(server: ScriptedServer) -> None:
    server.default = Answer(504)
    clock = ManualClock()
    with pytest.raises(RetryBudgetExceeded):
        http_for(server, clock, budget_seconds=30, max_delay=2).atlas("POST", "/entity/bulk", json_body={})
    assert len(server.seen) > 2


def test_a_resizable_call_still_retries_429_and_503_under_the_budget(server: ScriptedServer) -> None:
    """Only a size failure is handed back; throttling and other 5xx say nothing about the size."""
    server.answers[:] = [throttled("1"), Answer(503), Answer(503), Answer(504), Answer(200, {"ok": 1})]
    http = http_for(server, ManualClock())
    assert http.atlas("POST", "/entity/bulk", json_body={}, resizable=True) == {"ok": 1}
    assert len(server.seen) == 5


def test_a_413_is_never_retried(server: ScriptedServer) -> None:
    server.default = Answer(413, "<html>413 Request Entity Too Large</html>")
    for resizable in (False, True):
        with pytest.raises(PayloadTooLargeError):
            http_for(server, ManualClock()).atlas("POST", "/entity/bulk", json_body={}, resizable=resizable)
    assert len(server.seen) == 2  # one attempt each


def test_a_read_timeout_of_a_resizable_call_is_retried_once_then_handed_back(server: ScriptedServer) -> None:
    server.default = Answer(200, {"late": 1}, delay=1.0)
    http = PurviewHttp(server.url, timeout=0.2, retry=RetryOptions(base_delay=0.01, budget_seconds=30))
    started = time.monotonic()
    with pytest.raises(TimedOutError, match="ServiceResponseTimeoutError"):
        http.atlas("POST", "/entity/bulk", json_body={}, resizable=True)
    assert time.monotonic() - started < 1.0 and http.stats.retries == 1
