"""App settings from environment variables: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import pytest

from config import PurviewTarget, Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the machine running the tests."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.purview_capacity_units == 10
    assert settings.purview_batch_size == 1000
    assert settings.purview_batch_bytes == 4_000_000
    assert settings.upsert_batch_items == settings.batch_items == 500
    assert settings.purview_create_collections is False
    assert settings.catalogs_file == "catalogs.yaml"
    assert settings.staging_backend == "blob"
    assert settings.staging_connection_setting == "AzureWebJobsStorage"
    assert settings.chunk_size <= 1000
    assert settings.lease_minutes == 15
    assert settings.purview_retry_budget_seconds == 600


def test_fractional_capacity_units(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURVIEW_CAPACITY_UNITS", "0.5")
    settings = load_settings()
    assert settings.purview_capacity_units == 0.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be ≥ 0.01"),
        ("-1", "must be ≥ 0.01"),
        ("1e-9", "must be ≥ 0.01"),  # 2e-8 requests/s: every request would wait for years, past any lease
        ("abc", "must be a number"),
    ],
)
def test_capacity_units_out_of_range_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("PURVIEW_CAPACITY_UNITS", value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"PURVIEW_CAPACITY_UNITS: {message}" in str(caught.value)


def test_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURVIEW_ENDPOINT", "http://127.0.0.1:8081/")
    monkeypatch.setenv("PURVIEW_CAPACITY_UNITS", "4")
    monkeypatch.setenv("PURVIEW_BATCH_SIZE", "1000")
    monkeypatch.setenv("purview_create_collections", "true")
    monkeypatch.setenv("PURVIEW_PARENT_COLLECTION", "federated")
    monkeypatch.setenv("STAGING_BACKEND", "local")
    monkeypatch.setenv("STAGING_DIR", "/tmp/staging")
    monkeypatch.setenv("CHUNK_SIZE", "1000")
    monkeypatch.setenv("CATALOGS_FILE", "other.yaml")
    monkeypatch.setenv("PURVIEW_ACCOUNT_NAME", "")  # empty counts as unset
    settings = load_settings()
    assert settings.purview_target() == PurviewTarget(endpoint="http://127.0.0.1:8081")
    assert settings.purview_capacity_units == 4
    assert settings.purview_batch_size == 1000
    assert settings.purview_create_collections is True
    assert settings.purview_parent_collection == "federated"
    assert (settings.staging_backend, settings.staging_dir) == ("local", "/tmp/staging")
    assert settings.catalogs_file == "other.yaml"


def test_account_target(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PURVIEW_ACCOUNT_NAME", "contoso-purview")
    target = load_settings().purview_target()
    assert (target.account_name, target.endpoint) == ("contoso-purview", None)


def test_missing_target_says_what_to_set() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings().purview_target()
    message = str(info.value)
    assert "no Purview target" in message
    assert "PURVIEW_ACCOUNT_NAME" in message and "PURVIEW_ENDPOINT" in message


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"PURVIEW_BATCH_SIZE": "5000"}, "PURVIEW_BATCH_SIZE: must be ≤ 1000 (got '5000')"),
        ({"PURVIEW_BATCH_SIZE": "0"}, "PURVIEW_BATCH_SIZE: must be ≥ 1 (got '0')"),
        ({"CHUNK_SIZE": "1001"}, "CHUNK_SIZE: must be ≤ 1000 (got '1001')"),
        ({"CHUNK_SIZE": "ten"}, "CHUNK_SIZE: must be a whole number (got 'ten')"),
        ({"PURVIEW_CAPACITY_UNITS": "0"}, "PURVIEW_CAPACITY_UNITS: must be ≥ 0.01"),
        ({"PURVIEW_CAPACITY_UNITS": "-0.5"}, "PURVIEW_CAPACITY_UNITS: must be ≥ 0.01"),
        ({"PURVIEW_RETRY_BUDGET_SECONDS": "0"}, "PURVIEW_RETRY_BUDGET_SECONDS: must be > 0"),
        ({"PURVIEW_RETRY_BASE_DELAY_SECONDS": "-1"}, "PURVIEW_RETRY_BASE_DELAY_SECONDS: must be > 0"),
        ({"LEASE_MINUTES": "0"}, "LEASE_MINUTES: must be ≥ 1"),
        ({"BUSY_RETRY_COUNT": "-1"}, "BUSY_RETRY_COUNT: must be ≥ 0"),
        ({"CLEANUP_INTERVAL_MINUTES": "soon"}, "CLEANUP_INTERVAL_MINUTES: must be a whole number"),
        ({"STAGING_BACKEND": "s3"}, "STAGING_BACKEND: must be one of 'blob' or 'local' (got 's3')"),
        ({"PURVIEW_CREATE_COLLECTIONS": "perhaps"}, "PURVIEW_CREATE_COLLECTIONS: must be true or false"),
        ({"STAGING_CONTAINER": "Bad_Container"}, "STAGING_CONTAINER: must be a blob container name"),
        ({"PURVIEW_ENDPOINT": "ftp://x"}, "PURVIEW_ENDPOINT: must be an http(s) URL"),
        ({"PURVIEW_ENDPOINT": "localhost:8081"}, "PURVIEW_ENDPOINT: must be an http(s) URL"),
        ({"PURVIEW_ACCOUNT_NAME": "https://x.purview.azure.com"}, "for a URL use PURVIEW_ENDPOINT"),
        (
            {"PURVIEW_ACCOUNT_NAME": "contoso", "PURVIEW_ENDPOINT": "http://127.0.0.1:1"},
            "PURVIEW_ENDPOINT: set only one of PURVIEW_ACCOUNT_NAME and PURVIEW_ENDPOINT",
        ),
        (
            {"PURVIEW_RETRY_BASE_DELAY_SECONDS": "90"},
            "PURVIEW_RETRY_BASE_DELAY_SECONDS: must be ≤ PURVIEW_RETRY_MAX_DELAY_SECONDS",
        ),
        (
            {"PURVIEW_RETRY_BUDGET_SECONDS": "900", "LEASE_MINUTES": "15"},
            "PURVIEW_RETRY_BUDGET_SECONDS: must be < LEASE_MINUTES x 60",
        ),
        (
            {"PURVIEW_RETRY_BUDGET_SECONDS": "5"},
            "PURVIEW_RETRY_BUDGET_SECONDS: must be ≥ PURVIEW_REQUEST_TIMEOUT_SECONDS",
        ),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STAGING_CONNECTION_SETTING", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3cr3tKey=="),
        ("STAGING_ACCOUNT_URL", "https://a.blob.core.windows.net/?sv=2024&sig=S3cr3tKey=="),
        ("PURVIEW_ENDPOINT", "https://user:S3cr3tKey==@atlas.example.com"),
    ],
)
def test_secret_pasted_into_a_setting_is_rejected_unechoed(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value).startswith(f"{name}: must ")
    assert "S3cr3tKey" not in str(info.value)


def test_several_problems_are_listed() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHUNK_SIZE", "0")
        patch.setenv("LEASE_MINUTES", "0")
        with pytest.raises(SettingsError) as info:
            load_settings()
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("invalid app settings (2 problems):\n")


def test_every_field_has_a_description() -> None:
    assert all(field.description for field in Settings.model_fields.values())


def test_upsert_batch_items_above_chunk_size_names_both_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUNK_SIZE", "200")
    monkeypatch.setenv("UPSERT_BATCH_ITEMS", "300")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "UPSERT_BATCH_ITEMS: must be ≤ CHUNK_SIZE (200)" in str(caught.value)


def test_a_lower_chunk_size_caps_the_default_items_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHUNK_SIZE", "200")
    settings = load_settings()
    assert settings.batch_items == 200
    monkeypatch.setenv("UPSERT_BATCH_ITEMS", "150")
    assert load_settings().batch_items == 150


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PURVIEW_BATCH_BYTES", "1000", "must be ≥ 65536"),
        ("PURVIEW_BATCH_SIZE", "1001", "must be ≤ 1000"),
        ("UPSERT_BATCH_ITEMS", "0", "must be ≥ 1"),
    ],
)
def test_batch_limits_out_of_range_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{name}: {message}" in str(caught.value)
