"""Test doubles for the gateway's HTTP: a real local HTTP server answering from a script, a scripted
``requests.Session`` (both under the real azure-core pipeline) and a manual clock."""

from __future__ import annotations

import io
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
import urllib3

Handler = Callable[[str, str, Any, Any], "requests.Response"]


def response(status: int, body: Any = None, headers: dict[str, str] | None = None) -> requests.Response:
    """A real ``requests.Response`` with a JSON (or raw text) body, readable as a stream like a sent one."""
    result = requests.Response()
    result.status_code = status
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    result.raw = urllib3.HTTPResponse(
        body=io.BytesIO(text.encode()), preload_content=False, status=status, headers=headers or {}
    )
    result.headers.update(headers or {})
    return result


@dataclass
class Call:
    method: str
    url: str
    params: list[tuple[str, str]]
    json: Any
    headers: dict[str, str]
    timeout: Any


class ScriptedSession(requests.Session):
    """Answers requests from a list of responses (or a handler), recording every call: the URL without its
    query, the query as (name, value) pairs, and the decoded JSON body."""

    def __init__(
        self, answers: list[requests.Response | Exception] | None = None, handler: Handler | None = None
    ) -> None:
        super().__init__()
        self.answers = list(answers or [])
        self.handler = handler
        self.calls: list[Call] = []

    def request(  # type: ignore[override]
        self, method: str, url: str, *, data: Any = None, headers: Any = None, timeout: Any = None, **_: Any
    ) -> requests.Response:
        parts = urlsplit(url)
        body = json.loads(data) if data else None
        params = parse_qsl(parts.query)
        self.calls.append(Call(method, url.split("?", 1)[0], params, body, dict(headers or {}), timeout))
        if self.handler is not None:
            return self.handler(method, url.split("?", 1)[0], params, body)
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


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (read timeout) leaves a broken pipe: expected here, not worth a traceback."""
        del request, client_address


@dataclass
class Answer:
    """What the scripted server answers to one request: a status, a JSON (or text) body and headers; or, with
    ``drop``, it closes the connection without answering; ``delay`` seconds before answering."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    json: Any
    at: float


class ScriptedServer:
    """A real HTTP server on 127.0.0.1 (a free port) answering from a queue of ``Answer``s, then the
    ``default``; it records every request it receives. With ``tls`` (a (cert, key) file pair) it speaks https.

    >>> with ScriptedServer([Answer(429)]) as server:
    ...     requests.get(server.url + "/x").status_code, requests.get(server.url + "/x").status_code
    (429, 200)
    """

    def __init__(
        self, answers: list[Answer] | None = None, *, default: Answer | None = None, tls: Any = None
    ) -> None:
        self.answers = list(answers or [])
        self.default = default or Answer()
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self, seen: Seen) -> Answer:
        with self._lock:
            self.seen.append(seen)
            return self.answers.pop(0) if self.answers else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                answer = server._next(
                    Seen(
                        self.command,
                        parts.path,
                        parse_qsl(parts.query),
                        dict(self.headers.items()),
                        json.loads(raw) if raw else None,
                        time.monotonic(),
                    )
                )
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                body = answer.body if isinstance(answer.body, str) else json.dumps(answer.body)
                data = b"" if answer.body is None else body.encode()
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

        return Handler
