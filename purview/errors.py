"""Typed errors of the Purview gateway. Every class derives from ``Exception`` (never ``BaseException``)::

    PurviewError                 any failure; carries status, error code, message, request id
    ├── RetryableError           worth another attempt (the retry loop only retries these)
    │   ├── ThrottledError       429: capacity exhausted; ``retry_after`` when the server said
    │   └── TransientError       5xx, 408, timeouts and connection failures
    │       ├── TimedOutError    408, 504 and read timeouts: perhaps too big a request (a bulk call splits)
    │       └── RetryBudgetExceeded  the call's retry time budget ran out (alias: DeadlineExceeded)
    ├── AuthError                401 / 403: credential or role assignment problem
    ├── NotFoundError            404: the object does not exist
    ├── ConflictError            409: already exists / concurrent change
    ├── ValidationError          400, and the 404s Purview uses for invalid payloads
    │   └── PayloadTooLargeError 413: the request body is too large (a bulk call splits)
    └── ItemError                a pivot item the gateway cannot map or place (reference, collection)

``permanent`` errors (everything but ``RetryableError``) fail the item, not the run (DESIGN §6).
"""

from __future__ import annotations

__all__ = [
    "AuthError",
    "ConflictError",
    "DeadlineExceeded",
    "ItemError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PurviewError",
    "RetryBudgetExceeded",
    "RetryableError",
    "ThrottledError",
    "TimedOutError",
    "TransientError",
    "ValidationError",
]


class PurviewError(Exception):
    """A failed Purview operation, with the context needed to act on it.

    >>> str(NotFoundError("no such entity", status=404, error_code="ATLAS-404-00-005"))
    'no such entity (HTTP 404, ATLAS-404-00-005)'
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.operation = operation

    def __str__(self) -> str:
        context = [f"HTTP {self.status}"] if self.status is not None else []
        if self.error_code:
            context.append(self.error_code)
        where = f"{self.operation}: " if self.operation else ""
        suffix = f" ({', '.join(context)})" if context else ""
        return f"{where}{self.message}{suffix}"


class RetryableError(PurviewError):
    """A failure that may succeed when tried again later."""


class ThrottledError(RetryableError):
    """HTTP 429: the Data Map capacity is exhausted; wait ``retry_after`` seconds when given."""


class TransientError(RetryableError):
    """HTTP 5xx or 408, a timeout or a broken connection."""


class TimedOutError(TransientError):
    """HTTP 408 or 504, or no answer within the read timeout: Purview may be slow, or the request too big."""


class RetryBudgetExceeded(TransientError):
    """The call's retry time budget ran out while Purview kept answering 429/5xx or timing out."""


DeadlineExceeded = RetryBudgetExceeded
"""The earlier name of ``RetryBudgetExceeded``."""


class AuthError(PurviewError):
    """HTTP 401 or 403: the credential is missing, expired or lacks a Data Map role."""


class NotFoundError(PurviewError):
    """HTTP 404: the object, or an object it references, does not exist."""


class ConflictError(PurviewError):
    """HTTP 409: the object already exists, or changed concurrently."""


class ValidationError(PurviewError):
    """Purview refused the payload (HTTP 400, or a 404 that reports an invalid payload)."""


class ItemError(PurviewError):
    """A pivot item cannot be mapped or placed (unresolved reference, missing collection, unknown type)."""


class PayloadTooLargeError(ValidationError):
    """HTTP 413: Purview (or a gateway in front of it) refused the request body as too large."""
