"""Test doubles for the gateway's HTTP: a scripted session and a manual clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

Handler = Callable[[str, str, Any, Any], "requests.Response"]


def response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    """A real ``requests.Response`` with a JSON (or raw text) body."""
    result = requests.Response()
    result.status_code = status
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    result._content = text.encode()
    result.headers.update(headers or {})
    return result


@dataclass
class Call:
    method: str
    url: str
    params: Any
    json: Any
    headers: dict[str, str]
    timeout: float | None


@dataclass
class ScriptedSession:
    """Answers requests from a list of responses (or a handler), recording every call."""

    answers: list[requests.Response | Exception] = field(default_factory=list)
    handler: Handler | None = None
    calls: list[Call] = field(default_factory=list)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> requests.Response:
        self.calls.append(Call(method, url, params, json, dict(headers or {}), timeout))
        if self.handler is not None:
            return self.handler(method, url, params, json)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class ManualClock:
    """A monotonic clock advanced by ``sleep`` (records the sleeps)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
