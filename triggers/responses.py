"""JSON responses of the HTTP API: every error is ``{"error": {"code", "message"}}`` with a fitting status."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func

__all__ = ["error_response", "json_response"]


def json_response(
    body: Any, status_code: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status_code=status_code,
        mimetype="application/json",
        headers=headers,
    )


def error_response(status_code: int, code: str, message: str) -> func.HttpResponse:
    return json_response({"error": {"code": code, "message": message}}, status_code)
