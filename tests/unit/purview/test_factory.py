"""``gateway_from_settings``: the one way the app (and tests) build a gateway from its settings."""

from __future__ import annotations

import pytest
from azure.identity import DefaultAzureCredential

from config import Settings, SettingsError
from purview import AdaptivePacer, GatewayOptions, RetryOptions, TypeBootstrap, gateway_from_settings
from tests.unit.purview.fakes import Answer, ScriptedServer
from tests.unit.purview.test_client import FakeCredential


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_an_endpoint_gets_no_authentication_and_the_settings_numbers() -> None:
    settings = Settings(
        purview_endpoint="http://127.0.0.1:8081",
        purview_capacity_units=2,
        purview_batch_size=250,
        purview_batch_bytes=100_000,
        purview_parent_collection="federated",
        purview_create_collections=True,
        purview_retry_budget_seconds=120,
        purview_retry_base_delay_seconds=0.5,
        purview_retry_max_delay_seconds=20,
        purview_request_timeout_seconds=10,
    )
    gateway = gateway_from_settings(settings, credential=FakeCredential())
    assert gateway.http.endpoint == "http://127.0.0.1:8081" and gateway.http.credential is None
    assert gateway.http.retry.options == RetryOptions(budget_seconds=120, base_delay=0.5, max_delay=20)
    assert gateway.options == GatewayOptions(
        batch_size=250,
        batch_bytes=100_000,
        fast_seconds=10 / 3,
        parent_collection="federated",
        create_collections=True,
    )
    assert gateway.ceiling.current.entities == 250 and gateway.ceiling.current.size == 100_000
    assert gateway.http.pacer is not None and gateway.http.pacer.ceiling == 2 * 25 * 0.8


def test_an_account_gets_https_and_a_default_azure_credential() -> None:
    gateway = gateway_from_settings(Settings(purview_account_name="Contoso-Purview"))
    assert gateway.http.endpoint == "https://contoso-purview.purview.azure.com"
    assert isinstance(gateway.http.credential, DefaultAzureCredential)
    shared = FakeCredential()
    assert (
        gateway_from_settings(Settings(purview_account_name="contoso"), credential=shared).http.credential
        is shared
    )


def test_shared_pacer_and_types_are_used() -> None:
    pacer, types = AdaptivePacer(5.0), TypeBootstrap()
    gateway = gateway_from_settings(Settings(purview_endpoint="http://127.0.0.1:1"), pacer=pacer, types=types)
    assert gateway.http.pacer is pacer and gateway.types is types


def test_no_target_says_what_to_set() -> None:
    with pytest.raises(SettingsError, match="PURVIEW_ENDPOINT"):
        gateway_from_settings(Settings())


def test_a_built_gateway_talks_to_its_endpoint() -> None:
    with ScriptedServer(default=Answer(200, {"entities": []})) as server:
        gateway = gateway_from_settings(Settings(purview_endpoint=server.url))
        gateway.http.atlas("GET", "/glossary", operation="glossary.list")
    assert server.seen[0].path == "/datamap/api/atlas/v2/glossary"
    assert gateway.stats()["reads"] == 1


@pytest.mark.parametrize("size", [0, 1001])
def test_gateway_options_refuse_a_batch_size_purview_refuses(size: int) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        GatewayOptions(batch_size=size)
