"""host.json and local.settings.json handling of ``serve``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from localdev.durable.app_settings import durable_settings, load_local_settings, resolve_setting


def test_durable_settings_from_host_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    host_json = {
        "extensions": {
            "durableTask": {
                "hubName": "%HUB_UNDER_TEST%",
                "maxConcurrentActivityFunctions": 7,
                "maxConcurrentOrchestratorFunctions": 3,
            },
            "http": {"routePrefix": "/v1/"},
        }
    }
    (tmp_path / "host.json").write_text(json.dumps(host_json))
    monkeypatch.setenv("HUB_UNDER_TEST", "MyHub")
    settings = durable_settings(tmp_path)
    assert (settings.hub_name, settings.max_activities, settings.max_orchestrators) == ("MyHub", 7, 3)
    assert settings.route_prefix == "v1"
    monkeypatch.delenv("HUB_UNDER_TEST")
    assert durable_settings(tmp_path).hub_name == "TestHub"  # unresolved reference: the default
    assert durable_settings(tmp_path / "missing").route_prefix == "api"


def test_local_settings_do_not_override_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"Values": {"LOCALDEV_TEST_A": "from-file", "LOCALDEV_TEST_B": "from-file"}}
    (tmp_path / "local.settings.json").write_text(json.dumps(values))
    monkeypatch.setenv("LOCALDEV_TEST_A", "from-env")
    monkeypatch.delenv("LOCALDEV_TEST_B", raising=False)
    try:
        assert load_local_settings(tmp_path) == ["LOCALDEV_TEST_B"]
        assert os.environ["LOCALDEV_TEST_A"] == "from-env"
        assert resolve_setting("%LOCALDEV_TEST_B%") == "from-file"
        assert resolve_setting("0 */5 * * * *") == "0 */5 * * * *"
    finally:
        os.environ.pop("LOCALDEV_TEST_B", None)
