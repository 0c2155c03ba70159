"""Which staging backend the app settings select: the one place that knows every backend."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime

from config.errors import Problem, SettingsError
from config.settings import Settings
from staging.base import Staging, utc_now
from staging.blob import BlobStaging
from staging.local import LocalStaging

__all__ = ["staging_from_settings"]


def staging_from_settings(
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Staging:
    """The backend the app settings select (STAGING_BACKEND); ``SettingsError`` names what to set.

    Blob: STAGING_ACCOUNT_URL with the managed identity (DefaultAzureCredential); else the app setting named
    by STAGING_CONNECTION_SETTING: a connection string (Azurite/dev), or its identity-based form
    (``NAME__blobServiceUri`` or ``NAME__accountName``, optional ``NAME__clientId``). Local: STAGING_DIR.
    """
    if settings.staging_backend == "local":
        return LocalStaging(settings.staging_dir, clock=clock)
    if settings.staging_account_url is not None:
        return BlobStaging.from_account_url(
            settings.staging_account_url, settings.staging_container, clock=clock
        )
    env = {key.lower(): value for key, value in (os.environ if environ is None else environ).items() if value}
    name = settings.staging_connection_setting
    connection = env.get(name.lower())
    if connection is not None:
        return BlobStaging.from_connection_string(connection, settings.staging_container, clock=clock)
    # Identity-based connection, as the Functions host spells it: NAME__blobServiceUri or NAME__accountName.
    account_url = env.get(f"{name}__blobserviceuri".lower())
    if account_url is None and (account := env.get(f"{name}__accountname".lower())) is not None:
        account_url = f"https://{account}.blob.core.windows.net"
    if account_url is not None:
        client_id = env.get(f"{name}__clientid".lower())
        return BlobStaging.from_account_url(
            account_url, settings.staging_container, clock=clock, managed_identity_client_id=client_id
        )
    raise SettingsError(
        [
            Problem(
                f"blob staging needs a storage connection string in app setting {name!r} (or the "
                f"identity-based {name}__blobServiceUri / {name}__accountName), which is unset or empty; "
                "set it, or set STAGING_ACCOUNT_URL (managed identity), or STAGING_BACKEND=local",
                field="STAGING_CONNECTION_SETTING",
            )
        ]
    )
