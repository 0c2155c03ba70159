from __future__ import annotations

from typing import Any

import pytest
import requests
from pyapacheatlas.core.util import AtlasException

from purview.client import PURVIEW_SCOPE, PurviewHttp, error_from_response, translate_exception
from purview.errors import (
    AuthError,
    ConflictError,
    DeadlineExceeded,
    NotFoundError,
    PurviewError,
    RetryableError,
    RetryBudgetExceeded,
    ThrottledError,
    TransientError,
    ValidationError,
)
from purview.retry import RetryPolicy
from tests.unit.purview.fakes import ManualClock, ScriptedSession, response


def atlas_error(code: str, message: str = "boom") -> str:
    return f'{{"requestId": "r-1", "errorCode": "{code}", "errorMessage": "{message}"}}'


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (429, '{"error": {"code": "TooManyRequests", "message": "slow down"}}', ThrottledError),
        (503, '{"error": {"code": "ServiceUnavailable", "message": "x"}}', TransientError),
        (500, atlas_error("ATLAS-500-00-001"), TransientError),
        (408, "", TransientError),
        (401, '{"error": {"code": "Unauthorized", "message": "no token"}}', AuthError),
        (403, atlas_error("ATLAS-403-00-001"), AuthError),
        (404, atlas_error("ATLAS-404-00-005"), NotFoundError),
        (404, atlas_error("ATLAS-404-00-007"), ValidationError),  # missing mandatory attribute
        (404, atlas_error("ATLAS-404-00-00A"), ValidationError),  # referenced entity not found
        (409, atlas_error("ATLAS-409-00-001"), ConflictError),
        (400, atlas_error("ATLAS-400-00-014"), ValidationError),
    ],
)
def test_error_from_response_types(status: int, body: str, cls: type[PurviewError]) -> None:
    error = error_from_response(status, body, {}, operation="op")
    assert type(error) is cls
    assert error.status == status
    assert isinstance(error, Exception)


def test_error_keeps_code_message_request_id() -> None:
    error = error_from_response(404, atlas_error("ATLAS-404-00-005", "Given instance guid x"), {})
    assert (error.error_code, error.message, error.request_id) == (
        "ATLAS-404-00-005",
        "Given instance guid x",
        "r-1",
    )
    assert "ATLAS-404-00-005" in str(error) and "HTTP 404" in str(error)


def test_retry_after_header_forms() -> None:
    assert error_from_response(429, "", {"Retry-After": "3"}).retry_after == 3.0
    assert (
        error_from_response(429, "", {"x-ms-retry-after-ms": "1500", "Retry-After": "2"}).retry_after == 1.5
    )
    dated = error_from_response(429, "", {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert dated.retry_after == 0.0  # a date in the past: retry now
    assert error_from_response(429, "", {}).retry_after is None


def test_translate_atlas_exception_is_caught_as_exception() -> None:
    with pytest.raises(BaseException) as info:  # AtlasException is a BaseException
        raise AtlasException(atlas_error("ATLAS-409-00-009", "duplicate term"))
    error = translate_exception(info.value)
    assert isinstance(error, ConflictError)
    assert error.status == 409 and error.message == "duplicate term"


def test_translate_request_exceptions() -> None:
    assert isinstance(translate_exception(requests.Timeout("slow")), TransientError)
    assert isinstance(translate_exception(requests.ConnectionError("refused")), TransientError)
    throttled = translate_exception(requests.RequestException('{"error": {"code": "TooManyRequests"}}'))
    assert isinstance(throttled, ThrottledError)
    assert isinstance(
        translate_exception(requests.RequestException("<html>bad gateway</html>")), TransientError
    )


def make_http(session: ScriptedSession, clock: ManualClock, **kwargs: Any) -> PurviewHttp:
    kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=10, budget_seconds=100))
    return PurviewHttp(
        "http://purview.test/", session=session, capacity_units=None, sleep=clock.sleep, clock=clock, **kwargs
    )


@pytest.mark.parametrize("value", ["-5000", "nan", "inf", "abc"])
def test_a_nonsense_ms_retry_after_falls_back_to_retry_after(value: str) -> None:
    """A negative x-ms-retry-after-ms made the retry sleep a negative time: ``ValueError`` out of
    ``time.sleep``, which failed the whole batch instead of retrying it."""
    error = error_from_response(429, "", {"x-ms-retry-after-ms": value, "Retry-After": "2"})
    assert error.retry_after == 2.0


def test_http_retries_429_honouring_retry_after_then_succeeds() -> None:
    session = ScriptedSession(
        [
            response(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "2"}),
            response(200, {"ok": 1}),
        ]
    )
    clock = ManualClock()
    http = make_http(session, clock)
    assert http.atlas("GET", "/types/typedefs/headers") == {"ok": 1}
    assert len(clock.sleeps) == 1 and 2.0 <= clock.sleeps[0] <= 2.5  # Retry-After, stretched by jitter
    assert http.stats.retries == 1 and http.stats.throttled == 1 and http.stats.total_calls == 2
    assert session.calls[0].url == "http://purview.test/datamap/api/atlas/v2/types/typedefs/headers"
    assert ("api-version", "2023-09-01") in session.calls[0].params
    assert session.calls[0].timeout == 30.0


def test_http_backs_off_on_5xx_and_gives_up_after_max_attempts() -> None:
    session = ScriptedSession([response(503, "") for _ in range(4)])
    clock = ManualClock()
    http = make_http(session, clock)
    with pytest.raises(TransientError):
        http.atlas("POST", "/entity/bulk", json_body={"entities": []})
    assert len(session.calls) == 4 and len(clock.sleeps) == 3
    assert all(0 <= s <= 10 for s in clock.sleeps)


def test_http_does_not_retry_permanent_errors() -> None:
    session = ScriptedSession([response(400, atlas_error("ATLAS-400-00-014"))])
    http = make_http(session, ManualClock())
    with pytest.raises(ValidationError):
        http.atlas("POST", "/entity/bulk", json_body={})
    assert len(session.calls) == 1


def test_http_deadline() -> None:
    session = ScriptedSession([response(429, "", {"Retry-After": "8"}) for _ in range(3)])
    http = make_http(session, ManualClock(), retry=RetryPolicy(max_attempts=5, budget_seconds=10))
    with pytest.raises(DeadlineExceeded) as info:
        http.atlas("GET", "/glossary")
    assert isinstance(info.value, RetryableError) and isinstance(info.value.__cause__, ThrottledError)


def test_http_connection_error_is_transient_and_retried() -> None:
    session = ScriptedSession([requests.ConnectionError("reset"), response(204)])
    http = make_http(session, ManualClock())
    assert http.atlas("DELETE", "/entity/guid/x") is None
    assert http.stats.retries == 1


class FakeToken:
    def __init__(self, token: str, expires_on: int) -> None:
        self.token, self.expires_on = token, expires_on


class FakeCredential:
    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> FakeToken:
        self.scopes.append(scopes)
        return FakeToken(f"t{len(self.scopes)}", 4_000_000_000)


def test_bearer_token_from_credential_is_cached() -> None:
    session = ScriptedSession([response(200, {}), response(200, {})])
    credential = FakeCredential()
    http = make_http(session, ManualClock(), credential=credential)
    http.atlas("GET", "/glossary")
    http.atlas("GET", "/glossary")
    assert credential.scopes == [(PURVIEW_SCOPE,)]
    assert session.calls[1].headers["Authorization"] == "Bearer t1"


def test_no_authorization_header_without_credential() -> None:
    session = ScriptedSession([response(200, {})])
    make_http(session, ManualClock()).atlas("GET", "/glossary")
    assert "Authorization" not in session.calls[0].headers


def test_pacing_takes_a_token_per_attempt() -> None:
    session = ScriptedSession([response(200, {}) for _ in range(30)])
    clock = ManualClock()
    http = PurviewHttp(
        "http://p", session=session, capacity_units=1, utilisation=1.0, sleep=clock.sleep, clock=clock
    )
    for _ in range(30):
        http.atlas("GET", "/glossary")
    # 25 ops/s with a burst of 0.1 s (2.5 tokens): the 30th call starts at (30 - 2.5) / 25 = 1.1 s
    assert clock.now == pytest.approx(1.1)
    assert http.stats.paced_seconds == pytest.approx(sum(clock.sleeps))


def test_pyapacheatlas_client_is_routed_through_the_transport() -> None:
    session = ScriptedSession(
        [response(404, atlas_error("ATLAS-404-00-005")), response(200, {"entities": []})]
    )
    http = make_http(session, ManualClock())
    client = http.pyapacheatlas_client()
    with pytest.raises(NotFoundError):
        client.get_single_entity(guid="nope")
    assert client.get_entity(guid=["a", "b"]) == {"entities": []}
    assert session.calls[0].url == "http://purview.test/catalog/api/atlas/v2/entity/guid/nope"
    assert http.stats.total_calls == 2


def test_default_credential_is_azure_identity() -> None:
    from azure.identity import DefaultAzureCredential

    from purview.client import default_credential

    assert isinstance(default_credential(), DefaultAzureCredential)


def test_a_429_slows_every_transport_sharing_the_pacer() -> None:
    from purview.ratelimit import AdaptivePacer

    clock = ManualClock()
    pacer = AdaptivePacer(20.0, clock=clock, sleep=clock.sleep)
    throttled = ScriptedSession([response(429, "", {"x-ms-retry-after-ms": "100"}), response(200, {})])
    other = ScriptedSession([response(200, {}) for _ in range(3)])
    first = PurviewHttp("http://purview.test", session=throttled, pacer=pacer, sleep=clock.sleep, clock=clock)
    second = PurviewHttp("http://purview.test", session=other, pacer=pacer, sleep=clock.sleep, clock=clock)
    first.atlas("GET", "/glossary")
    assert pacer.rate == 10.0 and first.stats.throttled == 1
    assert first.stats.as_json()["pace_lowest"] == 10.0
    start = clock.now
    for _ in range(3):
        second.atlas("GET", "/glossary")
    # the second transport now runs at the halved pace: 3 requests take ≥ (3 - burst) / 10 s
    assert clock.now - start >= (3 - pacer.bucket.burst) / 10.0 - 1e-9


def test_5xx_does_not_speed_the_pacer_up() -> None:
    from purview.ratelimit import AdaptivePacer

    clock = ManualClock()
    pacer = AdaptivePacer(20.0, clock=clock, sleep=clock.sleep)
    pacer.throttled(clock.now)
    clock.now += 5
    session = ScriptedSession([response(503, "") for _ in range(2)])
    http = make_http(session, clock, retry=RetryPolicy(max_attempts=2, budget_seconds=60))
    http.pacer = pacer
    with pytest.raises(TransientError):
        http.atlas("GET", "/glossary")
    assert pacer.rate == 10.0


def test_requests_of_one_batch_share_one_retry_budget() -> None:
    """Each request alone would get 100 s; inside ``shared_budget`` the two together get 100 s, so a batch
    ends within its objects' lease however many requests it makes."""
    throttled = response(429, "", {"Retry-After": "30"})
    session = ScriptedSession([throttled, throttled, response(200, {}), *[throttled] * 10])
    clock = ManualClock()
    http = make_http(session, clock, retry=RetryPolicy(budget_seconds=100, max_delay=60))
    with http.shared_budget() as deadline:
        assert deadline == 100
        http.atlas("GET", "/glossary")  # two 429s: ~60-75 s spent
        with http.shared_budget() as inner:
            assert inner == deadline  # nested blocks keep the batch's budget
        with pytest.raises(RetryBudgetExceeded) as info:
            http.atlas("GET", "/glossary")
    assert clock.now == pytest.approx(100)
    assert "retry budget of 100s" in str(info.value)
    session.answers[:] = [throttled, response(200, {})]
    assert http.atlas("GET", "/glossary") == {}  # outside the block: a fresh budget per request
