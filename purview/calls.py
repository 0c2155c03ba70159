"""What a Purview call is (its operation name and whether it reads or writes) and the counting of its HTTP
attempts: by operation, by HTTP method, and as reads and writes.

A call is a read when its method is GET or HEAD, or when its caller says so (``Call.read=True``) for a POST
that only reads (search, a bulk read by body). Nothing is inferred from operation names. The run summary's
``purview_calls`` (``{"read", "write"}``) are these ``reads`` and ``writes``: every attempt counts, retried
ones included, as Purview bills and throttles attempts.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

__all__ = ["CALL_OPTION", "Call", "CallStats", "CountingPolicy"]

CALL_OPTION = "purview_call"
"""Request option (then context key) holding the ``Call`` of a request, kept across its retries."""
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True, slots=True)
class Call:
    """One gateway operation: a name for counters and errors, and an explicit read/write flag.

    >>> Call("glossary.list").counts_as_read("GET"), Call("search", read=True).counts_as_read("POST")
    (True, True)
    """

    operation: str
    read: bool | None = None
    """None: decided by the method (GET/HEAD read, others write)."""
    resizable: bool = False
    """The caller can split this request (a bulk upsert): a 408/504/read timeout is retried once at this
    size, then handed back so the caller sends smaller requests instead of burning the retry budget."""

    def counts_as_read(self, method: str) -> bool:
        return method.upper() in _READ_METHODS if self.read is None else self.read


@dataclass
class CallStats:
    """Counters of one transport (thread-safe): attempts per operation and method, reads and writes,
    retries, throttled answers, pacing waits and the shared pacer's current and lowest rate (operations/s).

    >>> stats = CallStats()
    >>> stats.attempt(Call("search", read=True), "POST")
    >>> stats.as_json()["reads"], stats.as_json()["by_method"]
    (1, {'POST': 1})
    """

    calls: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)
    reads: int = 0
    writes: int = 0
    retries: int = 0
    throttled: int = 0
    paced_seconds: float = 0.0
    pace_rate: float | None = None
    pace_lowest: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def attempt(self, call: Call, method: str) -> None:
        with self._lock:
            self.calls[call.operation] += 1
            self.methods[method.upper()] += 1
            if call.counts_as_read(method):
                self.reads += 1
            else:
                self.writes += 1

    def answered(self, status: int) -> None:
        if status == 429:
            with self._lock:
                self.throttled += 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1

    def paced(self, waited: float, rate: float, lowest: float) -> None:
        with self._lock:
            self.paced_seconds += waited
            self.pace_rate, self.pace_lowest = rate, lowest

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def as_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "calls": self.total_calls,
                "reads": self.reads,
                "writes": self.writes,
                "retries": self.retries,
                "throttled": self.throttled,
                "paced_seconds": round(self.paced_seconds, 3),
                "pace_rate": None if self.pace_rate is None else round(self.pace_rate, 2),
                "pace_lowest": None if self.pace_lowest is None else round(self.pace_lowest, 2),
                "by_method": dict(sorted(self.methods.items())),
                "by_operation": dict(sorted(self.calls.items())),
            }


class CountingPolicy(HTTPPolicy[Any, Any]):
    """Counts every HTTP attempt (it sits below the retry policy) and every 429 answer."""

    def __init__(self, stats: CallStats) -> None:
        super().__init__()
        self.stats = stats

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        call: Call = request.context.get(CALL_OPTION) or Call(request.http_request.method)
        self.stats.attempt(call, request.http_request.method)
        response: PipelineResponse[Any, Any] = self.next.send(request)
        self.stats.answered(response.http_response.status_code)
        return response
