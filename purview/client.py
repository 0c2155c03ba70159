"""The one way the gateway talks HTTP to Purview: a session, a token, pacing, retries and typed errors.

Why not plain pyapacheatlas calls: pyapacheatlas 0.16 uses module-level ``requests`` functions (no session,
no connection reuse), keeps no status code or ``Retry-After`` (a 429 looks like a 400), raises
``AtlasException`` (a ``BaseException``) and never retries. So ``PurviewHttp`` owns a ``requests.Session``,
explicit timeouts, the adaptive pacer and the retry loop, and turns every failure into a ``PurviewError``
(``error_from_response`` for HTTP answers, ``translate_exception`` for exceptions, pyapacheatlas' included).
The gateway issues the requests pyapacheatlas would issue (same paths and bodies); ``pyapacheatlas_client``
gives a ``PurviewClient`` whose HTTP goes through this same transport, for operations the gateway lacks.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import requests

from purview.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PurviewError,
    ThrottledError,
    TransientError,
    ValidationError,
)
from purview.ratelimit import AdaptivePacer
from purview.retry import RetryPolicy, call_with_retry, parse_retry_after

__all__ = [
    "PURVIEW_SCOPE",
    "CallStats",
    "HttpSession",
    "PurviewHttp",
    "TokenCredential",
    "account_endpoint",
    "default_credential",
    "error_from_response",
    "translate_exception",
]

logger = logging.getLogger(__name__)

PURVIEW_SCOPE = "https://purview.azure.net/.default"
"""Token audience of the Purview data planes."""

# Purview answers some invalid payloads with 404 (e.g. a missing mandatory attribute): these are validation.
_VALIDATION_404_CODES = frozenset({"ATLAS-404-00-007", "ATLAS-404-00-008", "ATLAS-404-00-00A"})


class HttpSession(Protocol):
    """What the transport needs from a ``requests.Session`` (tests pass a scripted one)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = ...,
        json: Any = ...,
        headers: Any = ...,
        timeout: Any = ...,
    ) -> requests.Response: ...


class TokenCredential(Protocol):
    """What the gateway needs from an azure-identity credential (DefaultAzureCredential, managed identity)."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


def default_credential(managed_identity_client_id: str | None = None) -> TokenCredential:
    """``DefaultAzureCredential``: the managed identity in Azure (a user-assigned one when its client id is
    given), developer logins (Azure CLI, VS Code...) locally. The emulator needs no credential at all."""
    from azure.identity import DefaultAzureCredential

    credential: TokenCredential = DefaultAzureCredential(
        managed_identity_client_id=managed_identity_client_id
    )
    return credential


def account_endpoint(account_name: str) -> str:
    """The base URL of a Purview account: ``https://{account}.purview.azure.com``."""
    return f"https://{account_name.lower()}.purview.azure.com"


def _body_fields(text: str) -> tuple[str | None, str | None, str | None]:
    """(error code, message, request id) from an Atlas-plane or account-plane error body."""
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return None, text[:500] or None, None
    if not isinstance(body, dict):
        return None, text[:500] or None, None
    if isinstance(body.get("error"), dict):
        inner = body["error"]
        return inner.get("code"), inner.get("message"), body.get("requestId")
    return body.get("errorCode"), body.get("errorMessage") or body.get("message"), body.get("requestId")


def error_from_response(
    status: int, text: str, headers: Mapping[str, str] | None = None, *, operation: str | None = None
) -> PurviewError:
    """The typed error for an HTTP error answer (status ≥ 400), keeping code, message and Retry-After."""
    headers = headers or {}
    code, message, request_id = _body_fields(text)
    request_id = request_id or headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id")
    retry_after = None
    if "x-ms-retry-after-ms" in headers:
        try:
            retry_after = float(headers["x-ms-retry-after-ms"]) / 1000
        except ValueError:
            retry_after = None
        if retry_after is not None and not 0 <= retry_after < math.inf:  # nonsense: a negative sleep raised
            retry_after = None
    if retry_after is None:
        retry_after = parse_retry_after(headers.get("Retry-After"))
    kwargs: dict[str, Any] = {
        "status": status,
        "error_code": code,
        "request_id": request_id,
        "retry_after": retry_after,
        "operation": operation,
    }
    text_message = message or f"HTTP {status}"
    cls: type[PurviewError]
    if status == 429:
        cls = ThrottledError
    elif status == 408 or status >= 500:
        cls = TransientError
    elif status in (401, 403):
        cls = AuthError
    elif status == 404:
        cls = ValidationError if code in _VALIDATION_404_CODES else NotFoundError
    elif status == 409:
        cls = ConflictError
    else:
        cls = ValidationError
    return cls(text_message, **kwargs)


def translate_exception(exc: BaseException, *, operation: str | None = None) -> PurviewError:
    """Turn a pyapacheatlas ``AtlasException`` or a ``requests`` exception into a ``PurviewError``.

    pyapacheatlas keeps only the body text, so the status is inferred from the Atlas error code
    (``ATLAS-404-00-005`` → 404) when there is one; anything unrecognisable counts as transient.
    """
    if isinstance(exc, PurviewError):
        return exc
    if isinstance(exc, requests.Timeout | requests.ConnectionError):
        return TransientError(f"{type(exc).__name__}: {exc}", operation=operation)
    response = getattr(exc, "response", None)
    if isinstance(response, requests.Response) and response is not None and response.status_code >= 400:
        return error_from_response(response.status_code, response.text, response.headers, operation=operation)
    text = str(exc.args[0]) if exc.args else str(exc)
    code, _, _ = _body_fields(text)
    if code and code.startswith("ATLAS-") and code[6:9].isdigit():
        return error_from_response(int(code[6:9]), text, operation=operation)
    if code in ("TooManyRequests", "Throttled"):
        return error_from_response(429, text, operation=operation)
    return TransientError(f"{type(exc).__name__}: {text[:500]}", operation=operation)


@dataclass
class CallStats:
    """Counters of one gateway: HTTP attempts per operation, retries, throttled answers, pacing waits, and
    the shared pacer's current and lowest rate (operations/s)."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    throttled: int = 0
    paced_seconds: float = 0.0
    pace_rate: float | None = None
    pace_lowest: float | None = None

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "calls": self.total_calls,
            "retries": self.retries,
            "throttled": self.throttled,
            "paced_seconds": round(self.paced_seconds, 3),
            "pace_rate": None if self.pace_rate is None else round(self.pace_rate, 2),
            "pace_lowest": None if self.pace_lowest is None else round(self.pace_lowest, 2),
            "by_operation": dict(sorted(self.calls.items())),
        }


class PurviewHttp:
    """HTTP transport to one Purview account (or emulator, or Atlas server); safe to share between threads.

    >>> http = PurviewHttp("http://127.0.0.1:8585", capacity_units=0.5)   # emulator: no credential
    >>> http.atlas_url("/entity/bulk")
    'http://127.0.0.1:8585/datamap/api/atlas/v2/entity/bulk'
    """

    def __init__(
        self,
        endpoint: str,
        *,
        credential: TokenCredential | None = None,
        session: HttpSession | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        capacity_units: float | None = 10,
        utilisation: float = 0.8,
        pacer: AdaptivePacer | None = None,
        atlas_path: str = "/datamap/api/atlas/v2",
        api_version: str | None = "2023-09-01",
        collections_api_version: str = "2019-11-01-preview",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.credential = credential
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        if pacer is None and capacity_units:
            pacer = AdaptivePacer.for_capacity_units(
                capacity_units, utilisation=utilisation, sleep=sleep, clock=clock
            )
        self.pacer = pacer
        self.atlas_path = atlas_path
        self.api_version = api_version
        self.collections_api_version = collections_api_version
        self.stats = CallStats()
        self._session = session
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._token: tuple[str, float] | None = None
        self._budget = threading.local()

    # region plumbing
    @property
    def session(self) -> HttpSession:
        """The HTTP session, created on first use (never at import)."""
        with self._lock:
            if self._session is None:
                self._session = requests.Session()
            return self._session

    def atlas_url(self, path: str) -> str:
        return f"{self.endpoint}{self.atlas_path}{path}"

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "purview-federation"}
        if self.credential is None:
            return headers
        with self._lock:
            if self._token is None or self._token[1] - 300 < time.time():
                token = self.credential.get_token(PURVIEW_SCOPE)
                self._token = (token.token, float(token.expires_on))
            headers["Authorization"] = f"Bearer {self._token[0]}"
        return headers

    def _attempt(self, method: str, url: str, params: Any, body: Any, operation: str) -> Any:
        waited, sent_at = self.pacer.acquire() if self.pacer is not None else (0.0, 0.0)
        with self._stats_lock:
            self.stats.paced_seconds += waited
            self.stats.calls[operation] += 1
        try:
            response = self.session.request(
                method, url, params=params, json=body, headers=self._headers(), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise translate_exception(exc, operation=operation) from exc
        if response.status_code >= 400:
            error = error_from_response(
                response.status_code, response.text, response.headers, operation=operation
            )
            if isinstance(error, ThrottledError):
                self._paced(throttled_at=sent_at)
                with self._stats_lock:
                    self.stats.throttled += 1
            elif not isinstance(error, TransientError):  # a 4xx answer is still a served request
                self._paced()
            raise error
        self._paced()
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(
                f"invalid JSON in the answer: {response.text[:200]}", operation=operation
            ) from exc

    @contextmanager
    def shared_budget(self, seconds: float | None = None) -> Iterator[float]:
        """All requests of this thread inside the block share one retry budget (a batch's), so a batch
        cannot outlive its objects' leases however many requests it makes; nested blocks keep the outer
        one. ``seconds`` shortens the budget (what is left of the objects' lease when the batch starts).
        Yields the shared deadline (a ``clock()`` instant)."""
        outer: float | None = getattr(self._budget, "deadline", None)
        if outer is not None:
            yield outer
            return
        budget = self.retry.budget_seconds if seconds is None else min(self.retry.budget_seconds, seconds)
        self._budget.deadline = self._clock() + budget
        try:
            yield self._budget.deadline
        finally:
            self._budget.deadline = None

    def _paced(self, *, throttled_at: float | None = None) -> None:
        """Tell the shared pacer how the attempt went (a 429 slows every thread of the process down)."""
        if self.pacer is None:
            return
        if throttled_at is None:
            self.pacer.succeeded()
        else:
            self.pacer.throttled(throttled_at)
        with self._stats_lock:
            self.stats.pace_rate = self.pacer.rate
            self.stats.pace_lowest = self.pacer.lowest_rate

    def _on_retry(self, error: Exception, wait: float) -> None:
        del error, wait
        with self._stats_lock:
            self.stats.retries += 1

    # endregion

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        operation: str | None = None,
    ) -> Any:
        """One Purview operation with pacing and retries; returns the decoded JSON (None for no content)."""
        name = operation or f"{method} {url.removeprefix(self.endpoint)}"
        return call_with_retry(
            lambda: self._attempt(method, url, params, json_body, name),
            self.retry,
            describe=name,
            sleep=self._sleep,
            clock=self._clock,
            on_retry=self._on_retry,
            deadline=getattr(self._budget, "deadline", None),
        )

    def atlas(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        json_body: Any = None,
        operation: str | None = None,
    ) -> Any:
        """An Atlas-plane operation: ``path`` below the Atlas prefix, e.g. ``/entity/bulk``."""
        query: list[tuple[str, Any]] = list(params.items() if isinstance(params, Mapping) else params or [])
        if self.api_version and self.atlas_path.startswith("/datamap"):
            query.append(("api-version", self.api_version))
        return self.request(
            method, self.atlas_url(path), params=query, json_body=json_body, operation=operation or path
        )

    def account(self, method: str, path: str, *, json_body: Any = None, operation: str | None = None) -> Any:
        """An account-plane operation (collections): ``path`` below ``/account``."""
        return self.request(
            method,
            f"{self.endpoint}/account{path}",
            params=[("api-version", self.collections_api_version)],
            json_body=json_body,
            operation=operation or f"account{path.split('?', maxsplit=1)[0]}",
        )

    def pyapacheatlas_client(self) -> Any:
        """A pyapacheatlas ``PurviewClient`` for this endpoint whose HTTP goes through this transport.

        Its methods then raise ``PurviewError`` subclasses (with status and ``Retry-After``) instead of
        ``AtlasException``, and share the session, pacing, retries and counters.
        """
        from pyapacheatlas.core import PurviewClient

        client = PurviewClient(account_name="routed", authentication=None)
        client.endpoint_url = f"{self.endpoint}/catalog/api/atlas/v2"
        client.glossary.endpoint_url = client.endpoint_url
        client.collections.endpoint_url = f"{self.endpoint}/"
        client.discovery.endpoint_url = f"{self.endpoint}/catalog/api"
        for target in (client, client.glossary, client.collections, client.discovery):
            for method in ("GET", "POST", "PUT", "DELETE"):
                setattr(target, f"_{method.lower()}_http", _Routed(self, method))
        return client


class _RoutedResponse:
    """The part of pyapacheatlas' ``AtlasResponse`` its client methods read."""

    def __init__(self, body: Any, method: str) -> None:
        self.body = body
        self.method = method
        self.status_code = 200 if body is not None else 204
        self.is_successful = True


class _Routed:
    """Stands in for pyapacheatlas' ``_get_http``/``_post_http``/... on one client object."""

    def __init__(self, http: PurviewHttp, method: str) -> None:
        self.http = http
        self.method = method

    def __call__(
        self, url: str, params: Any = None, json: Any = None, files: Any = None, **kwargs: Any
    ) -> _RoutedResponse:
        del kwargs
        if files:
            raise ValueError("file uploads are not routed through the gateway transport")
        return _RoutedResponse(
            self.http.request(self.method, url, params=params, json_body=json), self.method
        )
