"""The one way the gateway talks HTTP to Purview: an azure-core pipeline, and the Atlas/account URLs.

Policies, outermost first (each in its own module; azure-core owns the loop, the token and the session)::

    ErrorPolicy                  one typed PurviewError for whatever the pipeline ends with   error_policy.py
    HeadersPolicy                Accept, User-Agent
    BudgetRetryPolicy            the only retry layer: 429/408/5xx/connection, time budget     retry.py
    BearerTokenCredentialPolicy  token for https://purview.azure.net/.default (with a credential only)
    PacingPolicy                 the process's shared AIMD token bucket                        ratelimit.py
    CountingPolicy               attempts by operation, method, read/write                      calls.py
    RequestsTransport            one requests.Session (connection reuse), explicit timeouts

Without a credential the pipeline has no authentication step: the local emulator (plain http on loopback)
needs none, and azure-core refuses to send a bearer token over plain http anyway.

Why not pyapacheatlas: it uses module-level ``requests`` functions (no session), loses the status and
``Retry-After``, raises a ``BaseException`` and never retries. The gateway issues the requests it would issue
(same paths and bodies) through this pipeline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import requests
from azure.core import PipelineClient
from azure.core.credentials import TokenCredential
from azure.core.pipeline.policies import BearerTokenCredentialPolicy, HeadersPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

from purview.calls import CALL_OPTION, Call, CallStats, CountingPolicy
from purview.error_policy import ErrorPolicy
from purview.errors import TransientError
from purview.ratelimit import AdaptivePacer, PacingPolicy
from purview.retry import DEADLINE_OPTION, BudgetRetryPolicy, RetryOptions

__all__ = ["PURVIEW_SCOPE", "PurviewHttp", "account_endpoint"]

PURVIEW_SCOPE = "https://purview.azure.net/.default"
"""Token audience of the Purview data planes."""
ATLAS_PATH = "/datamap/api/atlas/v2"
API_VERSION = "2023-09-01"
COLLECTIONS_API_VERSION = "2019-11-01-preview"

Params = Mapping[str, Any] | Sequence[tuple[str, Any]] | None


def account_endpoint(account_name: str) -> str:
    """The base URL of a Purview account: ``https://{account}.purview.azure.com``."""
    return f"https://{account_name.lower()}.purview.azure.com"


class PurviewHttp:
    """HTTP to one Purview account (or the emulator); safe to share between threads.

    >>> http = PurviewHttp("http://127.0.0.1:8585")   # emulator: no credential, no pacing
    >>> http.atlas_url("/entity/bulk")
    'http://127.0.0.1:8585/datamap/api/atlas/v2/entity/bulk'

    ``pacer``: the process's shared ``AdaptivePacer`` (None: no pacing). ``session``: a ``requests.Session``
    to send with (tests record with one). ``sleep``/``clock`` drive the retry waits and budget (tests).
    """

    api_version = API_VERSION
    collections_api_version = COLLECTIONS_API_VERSION

    def __init__(
        self,
        endpoint: str,
        *,
        credential: TokenCredential | None = None,
        retry: RetryOptions | None = None,
        pacer: AdaptivePacer | None = None,
        timeout: float = 30.0,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.credential = credential
        if credential is not None and not self.endpoint.lower().startswith("https://"):
            raise ValueError("a credential needs an https endpoint (the emulator takes none)")
        self.stats = CallStats()
        self.retry = BudgetRetryPolicy(retry, on_retry=self.stats.retried, sleep=sleep, clock=clock)
        self.pacer = pacer
        self._clock = clock
        policies: list[Any] = [
            ErrorPolicy(),
            HeadersPolicy({"Accept": "application/json", "User-Agent": "purview-federation"}),
            self.retry,
        ]
        if credential is not None:
            policies.append(BearerTokenCredentialPolicy(credential, PURVIEW_SCOPE))
        if pacer is not None:
            policies.append(PacingPolicy(pacer, self.stats))
        policies.append(CountingPolicy(self.stats))
        transport = RequestsTransport(session=session, connection_timeout=timeout, read_timeout=timeout)
        self._client: PipelineClient[HttpRequest, Any] = PipelineClient(
            self.endpoint, policies=policies, transport=transport
        )
        self._budget = threading.local()

    def atlas_url(self, path: str) -> str:
        return f"{self.endpoint}{ATLAS_PATH}{path}"

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
        budget = self.retry.options.budget_seconds
        self._budget.deadline = self._clock() + (budget if seconds is None else min(budget, seconds))
        try:
            yield self._budget.deadline
        finally:
            self._budget.deadline = None

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        json_body: Any = None,
        content: bytes | None = None,
        operation: str | None = None,
        read: bool | None = None,
        resizable: bool = False,
    ) -> Any:
        """One Purview operation through the pipeline; the decoded JSON (None for no content).

        ``content``: a body already serialised as JSON (a bulk upsert, measured while packing), instead of
        ``json_body``. ``read``: whether it counts as a read; by default GET/HEAD do and every other method
        writes. ``resizable``: the caller splits the request on a size failure (see ``Call.resizable``).
        """
        pairs = params.items() if isinstance(params, Mapping) else params or []
        query = urlencode([(k, v) for k, v in pairs if v is not None], doseq=True)  # as requests does
        full = f"{url}{'&' if '?' in url else '?'}{query}" if query else url
        if content is not None:
            request = HttpRequest(method, full, content=content, headers={"Content-Type": "application/json"})
        else:
            request = HttpRequest(method, full, json=json_body)
        call = Call(operation or f"{method} {url.removeprefix(self.endpoint)}", read, resizable)
        options: dict[str, Any] = {
            CALL_OPTION: call,
            DEADLINE_OPTION: getattr(self._budget, "deadline", None),
        }
        response = self._client.send_request(request, **options)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise TransientError(
                f"invalid JSON in the answer: {response.text()[:200]}", operation=call.operation
            ) from exc

    def atlas(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json_body: Any = None,
        content: bytes | None = None,
        operation: str | None = None,
        read: bool | None = None,
        resizable: bool = False,
    ) -> Any:
        """An Atlas-plane operation: ``path`` below the Atlas prefix, e.g. ``/entity/bulk``."""
        query = [*(params.items() if isinstance(params, Mapping) else params or [])]
        return self.request(
            method,
            self.atlas_url(path),
            params=[*query, ("api-version", API_VERSION)],
            json_body=json_body,
            content=content,
            operation=operation or path,
            read=read,
            resizable=resizable,
        )

    def atlas_url_length(self, path: str) -> int:
        """Characters of an Atlas URL with no query but the API version (what a guid list adds to)."""
        return len(self.atlas_url(path)) + len(f"?api-version={API_VERSION}")

    def account(self, method: str, path: str, *, json_body: Any = None, operation: str | None = None) -> Any:
        """An account-plane operation (collections): ``path`` below ``/account``."""
        return self.request(
            method,
            f"{self.endpoint}/account{path}",
            params=[("api-version", COLLECTIONS_API_VERSION)],
            json_body=json_body,
            operation=operation or f"account{path.split('?', maxsplit=1)[0]}",
        )
