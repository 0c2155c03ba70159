"""Secrets in configuration: references only, redaction before display, resolution at run time.

catalogs.yaml is checked into source control, so a secret never appears in it literally. A key whose name
looks secret (``password``, ``token``, ``client_secret``, ``api_key``, ``connection_string``, ``sas_token`` …)
must hold a reference, in one of two forms:

- ``token_setting: DATAHUB_TOKEN`` — the key gets the suffix ``_setting``; the value is an app-setting name;
- ``token: ${DATAHUB_TOKEN}`` — the whole value is ``${NAME}`` naming an app setting / environment variable.

In Azure the app setting itself may be a Key Vault reference (``@Microsoft.KeyVault(SecretUri=…)``): the
platform resolves those in app settings only, so a Key Vault reference written directly in catalogs.yaml is
rejected with that advice. Function App settings are environment variables at run time; ``resolve_setting``
reads them when the connector needs the value, never at load time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from config._validation import Loc, format_loc
from config.errors import ConfigError, SecretNotSetError

__all__ = [
    "REDACTED",
    "find_literal_secrets",
    "is_secret_key",
    "redact",
    "resolve_secret",
    "resolve_setting",
    "secret_setting_name",
]

REDACTED = "********"
SETTING_SUFFIX = "_setting"

#: Key names (after normalisation to snake_case) that are secret when equal to or ending in ``_<word>``.
_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "key",
    "apikey",
    "credential",
    "credentials",
    "connection_string",
    "connectionstring",
    "conn_str",
    "sas",
    "sas_url",
    "authorization",
    "cookie",
)
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]{0,254})\}")
_KEY_VAULT_REF = re.compile(r"\s*@Microsoft\.KeyVault\(", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: Inline secrets inside otherwise harmless strings (storage connection strings, SAS URLs, URL user-info).
_INLINE = re.compile(r"(?i)\b(AccountKey|SharedAccessKey|SharedAccessSignature|password|pwd|sig)=([^;&\s]+)")
_USERINFO = re.compile(r"(://[^/\s:@]+):[^/\s@]+@")


def _normalise(key: str) -> str:
    return _CAMEL.sub("_", key).replace("-", "_").lower()


def is_secret_key(key: str) -> bool:
    """Whether a configuration key name looks like it holds a secret (``*_setting`` keys hold names: no)."""
    name = _normalise(key)
    if name.endswith(SETTING_SUFFIX):
        return False
    return any(name == word or name.endswith("_" + word) for word in _SECRET_WORDS)


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and _ENV_REF.fullmatch(value.strip()) is not None


def find_literal_secrets(source: Mapping[str, Any], loc: Loc = ()) -> list[tuple[Loc, str]]:
    """Every place in ``source`` where a secret-looking key holds a literal value, with the fix.

    The messages name the key and never contain the value.
    """
    problems: list[tuple[Loc, str]] = []
    for raw_key, value in source.items():
        key = str(raw_key)
        here = (*loc, key)
        if _normalise(key).endswith(SETTING_SUFFIX):
            if value is not None and not (isinstance(value, str) and _SETTING_NAME.fullmatch(value)):
                problems.append(
                    (here, "must be the name of an app setting (letters, digits, '_'), e.g. MY_TOKEN")
                )
        elif is_secret_key(key):
            problems.extend(_check_secret_value(key, value, here))
        else:
            problems.extend(_walk(value, here))
    return problems


def _walk(value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    if isinstance(value, Mapping):
        return find_literal_secrets(value, loc)
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _walk(item, (*loc, i))]
    return []


def _check_secret_value(key: str, value: Any, loc: Loc) -> list[tuple[Loc, str]]:
    if value is None or isinstance(value, bool) or _is_reference(value):
        return []
    if isinstance(value, Mapping):
        return find_literal_secrets(value, loc)
    if isinstance(value, list | tuple):
        return [p for i, item in enumerate(value) for p in _check_secret_value(key, item, (*loc, i))]
    if isinstance(value, str) and _KEY_VAULT_REF.match(value):
        return [
            (
                loc,
                "Key Vault references are resolved only in app settings: put this reference in an app "
                f"setting and write '{key}{SETTING_SUFFIX}: THAT_SETTING'",
            )
        ]
    return [
        (
            loc,
            "holds a literal secret (value not shown); store it in an app setting (in Azure, optionally a "
            f"Key Vault reference) and write '{key}{SETTING_SUFFIX}: MY_SETTING' or '{key}: ${{MY_SETTING}}'",
        )
    ]


def redact(obj: Any) -> Any:
    """A copy of ``obj`` safe to print or log: secret-looking values masked, references kept visible.

    Accepts mappings, lists, pydantic models (dumped as JSON) and scalars; strings lose inline secrets such as
    ``AccountKey=…`` in connection strings, ``sig=…`` in SAS URLs and passwords in URL user-info.

    >>> redact({"server": "https://x", "token": "abc", "token_setting": "DATAHUB_TOKEN"})
    {'server': 'https://x', 'token': '********', 'token_setting': 'DATAHUB_TOKEN'}
    """
    if isinstance(obj, BaseModel):
        return redact(obj.model_dump(mode="json"))
    if isinstance(obj, Mapping):
        return {key: _redact_item(str(key), value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact(item) for item in obj]
    if isinstance(obj, str):
        return _USERINFO.sub(rf"\1:{REDACTED}@", _INLINE.sub(rf"\1={REDACTED}", obj))
    return obj


def _redact_item(key: str, value: Any) -> Any:
    if not is_secret_key(key) or value is None or isinstance(value, bool) or _is_reference(value):
        return redact(value)
    if isinstance(value, Mapping | list | tuple | BaseModel):
        return _redact_all(value)
    return REDACTED


def _redact_all(value: Any) -> Any:
    """Inside a secret-named container every non-reference scalar is masked."""
    if isinstance(value, BaseModel):
        return _redact_all(value.model_dump(mode="json"))
    if isinstance(value, Mapping):
        return {
            k: _redact_all(v) if not _normalise(str(k)).endswith(SETTING_SUFFIX) else v
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_all(item) for item in value]
    if value is None or isinstance(value, bool) or _is_reference(value):
        return value
    return REDACTED


def resolve_setting(name: str, *, environ: Mapping[str, str] | None = None, used_by: str = "") -> str:
    """The value of app setting ``name`` (an environment variable at run time).

    Raises ``SecretNotSetError`` naming the setting and ``used_by`` (e.g. "catalog 'x': source.token_setting")
    when it is unset or empty.
    """
    env = os.environ if environ is None else environ
    value = env.get(name)
    if not value:
        where = f" (referenced by {used_by})" if used_by else ""
        raise SecretNotSetError(
            name,
            f"app setting '{name}' is not set{where}; add it to the Function App settings "
            "(locally: the environment or local.settings.json)",
        )
    return value


def secret_setting_name(source: Mapping[str, Any], key: str, *, catalog: str | None = None) -> str | None:
    """The app-setting name that ``source`` uses for secret ``key`` (``key_setting: X`` or ``key: ${X}``).

    ``None`` when the secret is not configured at all. A literal value raises ``ConfigError`` (without it).
    """
    where = f"catalog '{catalog}': " if catalog else ""
    ref = source.get(key + SETTING_SUFFIX)
    if isinstance(ref, str) and _SETTING_NAME.fullmatch(ref):
        return ref
    value = source.get(key)
    if value is None:
        return None
    match = _ENV_REF.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ConfigError(
            f"{where}source.{key}: holds a literal secret (value not shown); "
            f"write '{key}{SETTING_SUFFIX}: MY_SETTING'"
        )
    return match.group(1)


def resolve_secret(
    source: Mapping[str, Any],
    key: str,
    *,
    catalog: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Resolve secret ``key`` of a catalog's ``source`` mapping to its value from app settings.

    >>> resolve_secret({"token_setting": "T"}, "token", environ={"T": "s3cret"})
    's3cret'
    """
    where = f"catalog '{catalog}': " if catalog else ""
    name = secret_setting_name(source, key, catalog=catalog)
    if name is None:
        raise ConfigError(
            f"{where}source.{key}: not configured; add '{key}{SETTING_SUFFIX}: APP_SETTING_NAME'"
        )
    field = format_loc(("source", key + SETTING_SUFFIX if key + SETTING_SUFFIX in source else key))
    return resolve_setting(name, environ=environ, used_by=where + field)
