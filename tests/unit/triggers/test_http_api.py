"""The HTTP API answers from configuration with JSON bodies and JSON errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from activities import resources
from tests.unit.triggers.conftest import use_catalogs
from triggers import http_api


@pytest.fixture
def catalogs_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from use_catalogs(
        tmp_path,
        monkeypatch,
        "catalogs:\n"
        "  - name: sales\n"
        "    connector: pivotfile\n"
        "    schedule: '0 0 2 * * *'\n"
        "    source: {files: ['x/*.jsonl'], token: '${SALES_TOKEN}'}\n",
    )


def _get(route: str, **params: str) -> func.HttpResponse:
    request = func.HttpRequest(
        method="GET", url=f"http://localhost/api/{route}", body=b"", route_params=params
    )
    handler = http_api.get_catalog if params else http_api.list_catalogs
    return handler.build().get_user_function()(request)  # type: ignore[no-any-return]


def test_list_catalogs(catalogs_file: Path) -> None:
    response = _get("catalogs")
    assert response.status_code == 200
    body = json.loads(response.get_body())
    assert [c["name"] for c in body["catalogs"]] == ["sales"]
    assert body["catalogs"][0]["deletion"]["max_delete_fraction"] == 0.2


def test_invalid_configuration_is_a_json_500_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("catalogs:\n  - name: Sales\n    connector: pivotfile\n    schedule: null\n")
    monkeypatch.setenv("CATALOGS_FILE", str(path))
    resources.reset()
    try:
        response = _get("catalogs")
    finally:
        resources.reset()
    assert response.status_code == 500
    error = json.loads(response.get_body())["error"]
    assert error["code"] == "InvalidConfiguration"
    assert "bad.yaml" in error["message"] and "name" in error["message"]
