"""The azure-core transport: error mapping, counting by method and read flag, pacing and the bearer token,
driven through the real pipeline against a real server on 127.0.0.1."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from purview.client import PURVIEW_SCOPE, PurviewHttp
from purview.error_policy import error_from_response
from purview.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PurviewError,
    ThrottledError,
    TimedOutError,
    TransientError,
    ValidationError,
)
from purview.ratelimit import AdaptivePacer
from purview.retry import RetryOptions
from tests.unit.purview.fakes import Answer, ManualClock, ScriptedServer


def atlas_error(code: str, message: str = "boom") -> dict[str, str]:
    return {"requestId": "r-1", "errorCode": code, "errorMessage": message}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as running:
        yield running


def http_for(server: ScriptedServer, **kwargs: Any) -> PurviewHttp:
    clock = ManualClock()
    return PurviewHttp(server.url, sleep=clock.sleep, clock=clock, **kwargs)


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (429, {"error": {"code": "TooManyRequests", "message": "slow down"}}, ThrottledError),
        (503, {"error": {"code": "ServiceUnavailable", "message": "x"}}, TransientError),
        (500, atlas_error("ATLAS-500-00-001"), TransientError),
        (408, None, TimedOutError),
        (504, None, TimedOutError),
        (413, "<html>Request Entity Too Large</html>", PayloadTooLargeError),
        (401, {"error": {"code": "Unauthorized", "message": "no token"}}, AuthError),
        (403, atlas_error("ATLAS-403-00-001"), AuthError),
        (404, atlas_error("ATLAS-404-00-005"), NotFoundError),
        (404, atlas_error("ATLAS-404-00-007"), ValidationError),  # missing mandatory attribute
        (404, atlas_error("ATLAS-404-00-00A"), ValidationError),  # referenced entity not found
        (409, atlas_error("ATLAS-409-00-001"), ConflictError),
        (400, atlas_error("ATLAS-400-00-014"), ValidationError),
    ],
)
def test_the_error_step_maps_each_answer_to_its_type(
    server: ScriptedServer, status: int, body: Any, cls: type[PurviewError]
) -> None:
    server.default = Answer(status, body)
    with pytest.raises(PurviewError) as info:
        http_for(server, retry=RetryOptions(max_attempts=1)).atlas("POST", "/entity/bulk", operation="op")
    assert type(info.value) is cls and info.value.status == status and info.value.operation == "op"


def test_an_error_keeps_code_message_request_id_and_retry_after(server: ScriptedServer) -> None:
    server.default = Answer(404, {"errorCode": "ATLAS-404-00-005", "errorMessage": "Given instance guid x"})
    server.default.headers = {"x-ms-request-id": "req-7", "Retry-After": "3"}
    with pytest.raises(NotFoundError) as info:
        http_for(server).atlas("GET", "/entity/guid/x")
    error = info.value
    assert (error.error_code, error.message, error.request_id, error.retry_after) == (
        "ATLAS-404-00-005",
        "Given instance guid x",
        "req-7",
        3.0,
    )
    assert "ATLAS-404-00-005" in str(error) and "HTTP 404" in str(error)


def test_error_from_response_reads_a_non_json_body() -> None:
    error = error_from_response(502, "<html>bad gateway</html>")
    assert isinstance(error, TransientError) and error.message == "<html>bad gateway</html>"


def test_urls_query_and_headers_of_an_atlas_call(server: ScriptedServer) -> None:
    http = http_for(server)
    http.atlas("GET", "/entity/bulk", params=[("guid", "a"), ("guid", "b#1 x"), ("skip", None)])
    seen = server.seen[0]
    assert seen.path == "/datamap/api/atlas/v2/entity/bulk"
    assert seen.params == [("guid", "a"), ("guid", "b#1 x"), ("api-version", "2023-09-01")]
    assert seen.headers["Accept"] == "application/json" and seen.headers["User-Agent"] == "purview-federation"
    assert "Authorization" not in seen.headers  # the emulator path: no authentication step at all


def test_attempts_are_counted_by_method_and_read_flag(server: ScriptedServer) -> None:
    server.answers[:] = [Answer(429, headers={"Retry-After": "1"})]
    http = http_for(server)
    http.atlas("GET", "/glossary", operation="glossary.list")  # throttled once: two read attempts
    http.atlas("POST", "/entity/bulk", json_body={}, operation="entity.upsert")
    http.atlas("POST", "/search/query", json_body={}, operation="search", read=True)
    http.atlas("DELETE", "/entity/guid/x", operation="entity.delete")
    stats = http.stats.as_json()
    assert (stats["calls"], stats["reads"], stats["writes"]) == (5, 3, 2)
    assert stats["by_method"] == {"DELETE": 1, "GET": 2, "POST": 2}
    assert stats["by_operation"] == {"entity.delete": 1, "entity.upsert": 1, "glossary.list": 2, "search": 1}
    assert (stats["retries"], stats["throttled"]) == (1, 1)


def test_invalid_json_in_a_success_is_a_transient_error(server: ScriptedServer) -> None:
    server.default = Answer(200, "{not json")
    with pytest.raises(TransientError, match="invalid JSON"):
        http_for(server).atlas("GET", "/glossary")


def test_pacing_takes_a_token_per_attempt(server: ScriptedServer) -> None:
    clock = ManualClock()
    pacer = AdaptivePacer.for_capacity_units(1, utilisation=1.0, clock=clock, sleep=clock.sleep)
    http = http_for(server, pacer=pacer)
    for _ in range(30):
        http.atlas("GET", "/glossary")
    # 25 ops/s with a burst of 0.1 s (2.5 tokens): the 30th call starts at (30 - 2.5) / 25 = 1.1 s
    assert clock.now == pytest.approx(1.1)
    assert http.stats.paced_seconds == pytest.approx(sum(clock.sleeps))
    assert http.stats.as_json()["pace_rate"] == 25.0


def test_a_429_slows_every_transport_sharing_the_pacer(server: ScriptedServer) -> None:
    clock = ManualClock()
    pacer = AdaptivePacer(20.0, clock=clock, sleep=clock.sleep)
    server.answers[:] = [Answer(429, headers={"x-ms-retry-after-ms": "100"})]
    first, second = http_for(server, pacer=pacer), http_for(server, pacer=pacer)
    first.atlas("GET", "/glossary")
    assert pacer.rate == 10.0 and first.stats.throttled == 1
    assert first.stats.as_json()["pace_lowest"] == 10.0
    start = clock.now
    for _ in range(3):
        second.atlas("GET", "/glossary")
    # the second transport now runs at the halved pace: 3 requests take ≥ (3 - burst) / 10 s
    assert clock.now - start >= (3 - pacer.bucket.burst) / 10.0 - 1e-9


def test_5xx_and_dropped_connections_do_not_speed_the_pacer_up(server: ScriptedServer) -> None:
    clock = ManualClock()
    pacer = AdaptivePacer(20.0, clock=clock, sleep=clock.sleep)
    pacer.throttled(clock.now)
    clock.now += 5
    server.answers[:] = [Answer(503), Answer(drop=True)]
    server.default = Answer(503)
    with pytest.raises(TransientError):
        http_for(server, pacer=pacer, retry=RetryOptions(max_attempts=3)).atlas("GET", "/glossary")
    assert pacer.rate == 10.0 and len(server.seen) == 3


class FakeCredential:
    """An azure-core ``TokenCredential`` counting its token requests (or failing as azure-identity does)."""

    def __init__(self, fail: bool = False) -> None:
        self.scopes: list[tuple[str, ...]] = []
        self.fail = fail

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        del kwargs
        self.scopes.append(scopes)
        if self.fail:
            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")
        return AccessToken(f"t{len(self.scopes)}", 4_000_000_000)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: azure-core sends a bearer token over https only."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .sign(key, hashes.SHA256())
    )
    folder: Path = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(folder / "cert.pem"), str(folder / "key.pem")


@pytest.fixture
def tls(certificate: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """The certificate, trusted by requests (through its CA-bundle variable) for this test."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate[0])
    return certificate


def test_the_bearer_token_is_fetched_once_for_the_purview_scope(tls: tuple[str, str]) -> None:
    credential = FakeCredential()
    with ScriptedServer(tls=tls) as server:
        http = PurviewHttp(server.url, credential=credential)
        http.atlas("GET", "/glossary")
        http.atlas("GET", "/glossary")
    assert credential.scopes == [(PURVIEW_SCOPE,)]
    assert [s.headers["Authorization"] for s in server.seen] == ["Bearer t1", "Bearer t1"]


def test_a_credential_failure_is_an_auth_error_and_not_retried(tls: tuple[str, str]) -> None:
    credential = FakeCredential(fail=True)
    with ScriptedServer(tls=tls) as server:
        http = PurviewHttp(server.url, credential=credential)
        with pytest.raises(AuthError, match="no Purview token"):
            http.atlas("GET", "/glossary")
    assert server.seen == [] and len(credential.scopes) == 1


def test_a_credential_needs_https() -> None:
    with pytest.raises(ValueError, match="https"):
        PurviewHttp("http://127.0.0.1:8585", credential=FakeCredential())
