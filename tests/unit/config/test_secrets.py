"""Secrets: literals rejected without echo, references accepted, redaction, run-time resolution."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from config import (
    REDACTED,
    CatalogConfig,
    ConfigError,
    SecretNotSetError,
    find_literal_secrets,
    is_secret_key,
    parse_catalogs,
    redact,
    resolve_secret,
    resolve_setting,
)
from tests.unit.config.helpers import error_text, with_entry

SECRET = "Sup3r-S3cret-Value"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "token",
        "access_token",
        "secret",
        "client_secret",
        "api_key",
        "apiKey",
        "aws_secret_access_key",
        "connection_string",
        "ConnectionString",
        "sas_token",
        "sas",
        "credential",
        "credentials",
        "Authorization",
        "pwd",
    ],
)
def test_secret_key_names(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    ["server", "token_setting", "password_setting", "tokenizer", "files", "keys", "key_prefix", "username"],
)
def test_non_secret_key_names(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (f"{{password: {SECRET}}}", "source.password"),
        (f"{{token: '{SECRET}'}}", "source.token"),
        (f"{{apiKey: {SECRET}}}", "source.apiKey"),
        (f"{{auth: {{client_secret: {SECRET}}}}}", "source.auth.client_secret"),
        (f"{{headers: [{{Authorization: Bearer {SECRET}}}]}}", "source.headers[0].Authorization"),
        (f"{{tokens: [ok], api_key: [{SECRET}]}}", "source.api_key[0]"),
        ("{pin_key: 123456}", "source.pin_key"),
        (f"{{connection_string: 'AccountKey={SECRET}'}}", "source.connection_string"),
    ],
)
def test_literal_secret_is_rejected_without_echo(source: str, field: str) -> None:
    message = error_text(with_entry(f"source: {source}\n"))
    assert (
        f"catalogs.yaml:5: catalog 'sales-dbt': {field}: holds a literal secret (value not shown)" in message
    )
    assert "_setting: MY_SETTING" in message
    assert SECRET not in message
    assert "123456" not in message


def test_literal_secret_not_echoed_by_pydantic_either() -> None:
    with pytest.raises(ValidationError) as info:
        CatalogConfig.model_validate(
            {"name": "a", "connector": "dbt", "schedule": None, "source": {"token": SECRET}}
        )
    assert "token: holds a literal secret" in str(info.value)
    assert SECRET not in str(info.value)


def test_key_vault_reference_in_file_gets_advice() -> None:
    message = error_text(
        with_entry("source: {token: '@Microsoft.KeyVault(SecretUri=https://v/secrets/t)'}\n")
    )
    assert "source.token: Key Vault references are resolved only in app settings" in message
    assert "write 'token_setting: THAT_SETTING'" in message


@pytest.mark.parametrize("value", ["'not a name'", "'${DATAHUB_TOKEN}'", "5", f"'{SECRET}!'"])
def test_setting_reference_must_be_a_setting_name(value: str) -> None:
    message = error_text(with_entry(f"source: {{token_setting: {value}}}\n"))
    assert "source.token_setting: must be the name of an app setting" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    "source",
    [
        {"token_setting": "DATAHUB_TOKEN"},
        {"token": "${DATAHUB_TOKEN}"},
        {"password": None, "use_token": True},
        {"auth": {"client_secret_setting": "SP_SECRET", "client_id": "abc"}},
        {"headers": [{"Authorization": "${API_AUTH}"}]},
        {"server": "https://datahub.example.com", "tokenizer": "word"},
    ],
)
def test_references_are_accepted(source: dict[str, object]) -> None:
    assert find_literal_secrets(source) == []
    CatalogConfig(name="a", connector="dbt", schedule=None, source=source)


def test_redact_masks_secrets_and_keeps_references() -> None:
    original = {
        "server": "https://datahub.example.com",
        "token": SECRET,
        "token_setting": "DATAHUB_TOKEN",
        "password": "${DB_PASSWORD}",
        "nested": [{"client_secret": SECRET, "client_id": "abc"}],
        "credentials": {"user": "bob", "pass": SECRET, "key_setting": "K"},
        "storage": f"DefaultEndpointsProtocol=https;AccountName=a;AccountKey={SECRET};EndpointSuffix=x",
        "sas_url_is_not_a_key": f"https://a.blob.core.windows.net/c?sv=1&sig={SECRET}",
        "url": f"https://bob:{SECRET}@host/path",
        "enabled": True,
        "count": 3,
    }
    masked = redact(original)
    assert SECRET not in str(masked)
    assert masked["server"] == "https://datahub.example.com"
    assert masked["token"] == REDACTED
    assert masked["token_setting"] == "DATAHUB_TOKEN"
    assert masked["password"] == "${DB_PASSWORD}"
    assert masked["nested"] == [{"client_secret": REDACTED, "client_id": "abc"}]
    assert masked["credentials"] == {"user": REDACTED, "pass": REDACTED, "key_setting": "K"}
    assert "AccountName=a;AccountKey=********;EndpointSuffix=x" in masked["storage"]
    assert masked["url"] == "https://bob:********@host/path"
    assert masked["enabled"] is True and masked["count"] == 3
    assert original["token"] == SECRET  # the input is not modified


def test_redact_accepts_models() -> None:
    catalog = parse_catalogs(with_entry("source: {token_setting: T, server: 'https://u:p@h'}\n")).get(
        "sales-dbt"
    )
    shown = redact(catalog)
    assert shown["source"] == {"token_setting": "T", "server": "https://u:********@h"}
    assert shown["name"] == "sales-dbt"


def test_resolve_secret_from_setting_reference() -> None:
    env = {"DATAHUB_TOKEN": SECRET}
    assert resolve_secret({"token_setting": "DATAHUB_TOKEN"}, "token", environ=env) == SECRET
    assert resolve_secret({"token": "${DATAHUB_TOKEN}"}, "token", environ=env) == SECRET


def test_resolve_secret_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PF_TEST_TOKEN", SECRET)
    assert resolve_secret({"token_setting": "PF_TEST_TOKEN"}, "token") == SECRET
    assert resolve_setting("PF_TEST_TOKEN") == SECRET


@pytest.mark.parametrize("env", [{}, {"DATAHUB_TOKEN": ""}])
def test_unset_setting_names_setting_and_catalog(env: dict[str, str]) -> None:
    with pytest.raises(SecretNotSetError) as info:
        resolve_secret({"token_setting": "DATAHUB_TOKEN"}, "token", catalog="corp", environ=env)
    assert info.value.setting == "DATAHUB_TOKEN"
    assert str(info.value).startswith(
        "app setting 'DATAHUB_TOKEN' is not set (referenced by catalog 'corp': source.token_setting)"
    )


def test_unconfigured_and_literal_secrets_do_not_resolve() -> None:
    with pytest.raises(
        ConfigError, match=r"catalog 'corp': source.token: not configured; add 'token_setting"
    ):
        resolve_secret({}, "token", catalog="corp", environ={})
    with pytest.raises(ConfigError) as info:
        resolve_secret({"token": SECRET}, "token", environ={})
    assert "literal secret" in str(info.value)
    assert SECRET not in str(info.value)
