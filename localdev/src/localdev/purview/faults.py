"""Fault injection: capacity-unit throttling (429 + Retry-After), latency, random 5xx and timeouts, and
opt-in request-size limits (413 body, 414 URL, 504 for a bulk upsert of too many entities).

One capacity unit is 25 Data Map operations per second (Purview docs); one HTTP request is one operation.
The limiter is a token bucket holding one second of capacity, so a burst of ``25 * N`` requests passes and
the rest are answered 429 with ``Retry-After`` (whole seconds, as HTTP requires) and ``x-ms-retry-after-ms``.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any

__all__ = ["OPS_PER_CAPACITY_UNIT", "FaultConfig", "Faults"]

OPS_PER_CAPACITY_UNIT = 25


@dataclass
class FaultConfig:
    """Operator knobs; ``capacity_units=None`` means unlimited."""

    capacity_units: float | None = None
    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_s: float = 30.0
    seed: int | None = None
    max_body_bytes: int | None = None
    """Answer 413 to a request whose body is longer (a front end's body limit); None: no limit."""
    max_url_bytes: int | None = None
    """Answer 414 to a request whose URL (scheme to query) is longer; None: no limit."""
    max_bulk_entities: int | None = None
    """Answer 504 to a bulk upsert of more entities (a call Purview cannot finish in time); None: no limit."""

    def validate(self) -> None:
        if self.capacity_units is not None and self.capacity_units <= 0:
            raise ValueError("capacity_units must be positive")
        for name in ("error_rate", "timeout_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.latency_ms < 0 or self.timeout_s < 0:
            raise ValueError("latency_ms and timeout_s must not be negative")
        for name in ("max_body_bytes", "max_url_bytes", "max_bulk_entities"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer (or null: no limit)")

    @classmethod
    def from_mapping(cls, data: dict[str, Any], base: FaultConfig | None = None) -> FaultConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        merged = {**asdict(base or cls()), **data}
        config = cls(**merged)
        config.validate()
        return config


class Faults:
    """Decides, per request, whether to throttle, delay, fail or time out."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(config or FaultConfig())

    def configure(self, config: FaultConfig) -> None:
        config.validate()
        with self._lock:
            self.config = config
            self.random = random.Random(config.seed)
            rate = self.rate
            self._tokens = max(rate, 1.0) if rate else 0.0
            self._stamp = time.monotonic()

    @property
    def rate(self) -> float:
        cu = self.config.capacity_units
        return float(cu * OPS_PER_CAPACITY_UNIT) if cu else 0.0

    def take(self) -> float:
        """Take one operation from the bucket: 0.0 when allowed, else seconds until a token is free."""
        with self._lock:
            rate = self.rate
            if not rate:
                return 0.0
            now = time.monotonic()
            self._tokens = min(max(rate, 1.0), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / rate

    def roll(self) -> str:
        """'timeout', 'error' or '' for this request."""
        with self._lock:
            if self.config.timeout_rate and self.random.random() < self.config.timeout_rate:
                return "timeout"
            if self.config.error_rate and self.random.random() < self.config.error_rate:
                return "error"
            return ""

    @staticmethod
    def retry_after_header(wait_s: float) -> dict[str, str]:
        return {
            "Retry-After": str(max(1, math.ceil(wait_s))),
            "x-ms-retry-after-ms": str(max(1, math.ceil(wait_s * 1000))),
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self.config)
