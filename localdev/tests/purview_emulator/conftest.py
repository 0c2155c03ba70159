"""Fixtures for driving the Purview emulator: one server per session, reset before every test.

Reusable elsewhere (gateway, e2e): re-export the fixtures from another conftest
(``from purview_emulator.conftest import emulator_session, emulator, atlas_client``) or use
``localdev.purview.testing.running_emulator`` directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from localdev.purview import EmulatorServer, datamap_client, pyapacheatlas_client
from localdev.purview.faults import FaultConfig


class Http:
    """Raw HTTP against the emulator (for response-shape checks)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    server = EmulatorServer(port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def emulator(emulator_session: EmulatorServer) -> EmulatorServer:
    """A clean emulator: state, counters and faults reset."""
    emulator_session.reset()
    emulator_session.faults.configure(FaultConfig())
    emulator_session.backend.options.hard_delete = False
    emulator_session.backend.options.bulk_classifications_new_only = True
    emulator_session.backend.options.strict_attributes = False
    return emulator_session


@pytest.fixture
def atlas_client(emulator: EmulatorServer) -> Any:
    return pyapacheatlas_client(emulator.url, timeout=30)


@pytest.fixture
def datamap(emulator: EmulatorServer) -> Any:
    return datamap_client(emulator.url)


@pytest.fixture
def http(emulator: EmulatorServer) -> Http:
    return Http(emulator.url)


A = "/catalog/api/atlas/v2"
D = "/datamap/api/atlas/v2"


def table_with_columns(
    name: str = "t", columns: tuple[str, ...] = ("a", "b"), server: str = "s"
) -> list[dict[str, Any]]:
    """An azure_sql_table and its columns as pyapacheatlas would upload them (placeholder guids)."""
    qn = f"mssql://{server}/db/dbo/{name}"
    out: list[dict[str, Any]] = [
        {"typeName": "azure_sql_table", "guid": "-1", "attributes": {"name": name, "qualifiedName": qn}}
    ]
    for i, col in enumerate(columns, start=2):
        out.append(
            {
                "typeName": "azure_sql_column",
                "guid": f"-{i}",
                "attributes": {"name": col, "qualifiedName": f"{qn}#{col}", "data_type": "int"},
                "relationshipAttributes": {"table": {"guid": "-1", "typeName": "azure_sql_table"}},
            }
        )
    return out
