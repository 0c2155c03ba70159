"""Fixtures for the staging backend tests: a real Azurite (from npm) on loopback, and a controllable clock.

Azurite is started once per session on a free 127.0.0.1 port with its data in a temporary folder; each test
gets its own container, so tests stay independent. The connection string uses Azurite's well-known, publicly
documented development account (``devstoreaccount1``), built in helpers.py, never in product code.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.staging.helpers import REPO_ROOT, Azurite, Clock, require_azurite

AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 2.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
            pytest.fail(f"azurite-blob exited with code {process.returncode} before listening:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"azurite-blob did not listen on 127.0.0.1:{port} within {START_TIMEOUT_SECONDS:.0f} s")


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    require_azurite(AZURITE_BLOB)
    port = _free_port()
    location = tmp_path_factory.mktemp("azurite")
    command = [
        str(AZURITE_BLOB),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--location",
        str(location),
        "--silent",
        "--skipApiVersionCheck",
    ]
    log = location / "azurite.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would stall Azurite
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=location)
    try:
        _wait_until_listening(process, port, log)
        yield Azurite(port)
    finally:
        process.terminate()
        try:  # Azurite's graceful stop waits for idle keep-alive connections of the SDK's pool
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def container_name() -> str:
    """A fresh container per test (created by the staging backend on its first put)."""
    return f"staging-{uuid.uuid4().hex[:20]}"
