"""The gateway against a real Purview emulator on loopback (started and stopped by the tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localdev.purview import EmulatorServer


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(port=0) as server:
        yield server
