"""The one step that turns what the pipeline ends with into a typed ``PurviewError`` (purview/errors.py).

It is the outermost policy, so it sees the final answer after the retries: an HTTP error answer becomes its
typed error (status, Atlas ``errorCode``, message, request id, ``Retry-After``); an azure-core exception
(connection, timeout) a ``TransientError``, a credential failure an ``AuthError``; and when the retry budget,
not the attempt cap, ended the retries, a ``RetryBudgetExceeded`` chained to that last error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import AzureError, ClientAuthenticationError, ServiceResponseTimeoutError
from azure.core.pipeline import PipelineContext, PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy

from purview.calls import CALL_OPTION, Call
from purview.errors import (
    AuthError,
    ConflictError,
    NotFoundError,
    PayloadTooLargeError,
    PurviewError,
    RetryBudgetExceeded,
    ThrottledError,
    TimedOutError,
    TransientError,
    ValidationError,
)
from purview.retry import BUDGET_SPENT, BudgetSpent, retry_after

__all__ = ["ErrorPolicy", "error_from_response"]

# Purview answers some invalid payloads with 404 (e.g. a missing mandatory attribute): these are validation.
_VALIDATION_404_CODES = frozenset({"ATLAS-404-00-007", "ATLAS-404-00-008", "ATLAS-404-00-00A"})


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


def _error_class(status: int, code: str | None) -> type[PurviewError]:
    if status == 429:
        return ThrottledError
    if status in (408, 504):
        return TimedOutError
    if status >= 500:
        return TransientError
    if status == 413:
        return PayloadTooLargeError
    if status in (401, 403):
        return AuthError
    if status == 404:
        return ValidationError if code in _VALIDATION_404_CODES else NotFoundError
    return ConflictError if status == 409 else ValidationError


def error_from_response(
    status: int, text: str, headers: Mapping[str, str] | None = None, *, operation: str | None = None
) -> PurviewError:
    """The typed error for an HTTP error answer (status ≥ 400), keeping code, message and Retry-After.
    ``headers`` must be case-insensitive (as responses' are)."""
    headers = headers or {}
    code, message, request_id = _body_fields(text)
    return _error_class(status, code)(
        message or f"HTTP {status}",
        status=status,
        error_code=code,
        request_id=request_id or headers.get("x-ms-request-id") or headers.get("x-ms-correlation-request-id"),
        retry_after=retry_after(headers),
        operation=operation,
    )


def _budget_error(context: PipelineContext, error: PurviewError) -> RetryBudgetExceeded | None:
    """A ``RetryBudgetExceeded`` around ``error`` when the budget ended the retries, else None."""
    spent: BudgetSpent | None = context.get(BUDGET_SPENT)
    if spent is None:
        return None
    return RetryBudgetExceeded(
        f"gave up after the retry budget of {spent.budget_seconds:g}s ({spent.attempts} attempts over "
        f"{spent.elapsed:.0f}s); last answer: {error}",
        status=error.status,
        error_code=error.error_code,
        request_id=error.request_id,
        operation=error.operation,
    )


class ErrorPolicy(HTTPPolicy[Any, Any]):
    """Outermost policy: keeps the request's ``Call`` in its context and raises the one typed error."""

    def send(self, request: PipelineRequest[Any]) -> PipelineResponse[Any, Any]:
        call: Call = request.context.options.pop(CALL_OPTION, None) or Call(request.http_request.method)
        request.context[CALL_OPTION] = call
        try:
            response: PipelineResponse[Any, Any] = self.next.send(request)
        except ClientAuthenticationError as exc:
            raise AuthError(f"no Purview token: {exc.message}", operation=call.operation) from exc
        except AzureError as exc:
            kind = TimedOutError if isinstance(exc, ServiceResponseTimeoutError) else TransientError
            error: PurviewError = kind(f"{type(exc).__name__}: {exc.message}", operation=call.operation)
            budget = _budget_error(request.context, error)
            if budget is None:
                raise error from exc
            error.__cause__ = exc
            raise budget from error
        answer = response.http_response
        if answer.status_code < 400:
            return response
        error = error_from_response(
            answer.status_code, answer.text(), answer.headers, operation=call.operation
        )
        budget = _budget_error(request.context, error)
        if budget is not None:
            raise budget from error
        raise error
