"""App settings: typed, validated environment variables (Function App settings in Azure).

Names carry no common prefix: each variable is the field name in upper case (``purview_batch_size`` ←
``PURVIEW_BATCH_SIZE``), because Function App settings share one flat namespace with the host's own
(``AzureWebJobsStorage``, ``FUNCTIONS_WORKER_RUNTIME``) and short, grouped names (``PURVIEW_*``,
``STAGING_*``) read best there. Names are case-insensitive; an empty value counts as unset. No secret lives
here: the staging connection is given as the *name* of the app setting that holds it.

Usage::

    settings = load_settings()           # reads os.environ; SettingsError lists every bad variable
    target = settings.purview_target()   # SettingsError if neither PURVIEW_ACCOUNT_NAME nor PURVIEW_ENDPOINT
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config._validation import config_error, explain, format_loc
from config.errors import Problem, SettingsError

__all__ = ["PurviewTarget", "Settings", "load_settings"]

_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,61}[A-Za-z0-9]")
_CONTAINER = re.compile(r"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}")
_SETTING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
_TARGET_HINT = (
    "set PURVIEW_ACCOUNT_NAME (a Purview account, e.g. 'contoso-purview') or PURVIEW_ENDPOINT "
    "(an explicit base URL, e.g. the local emulator 'http://127.0.0.1:8081' or an Atlas server)"
)


@dataclass(frozen=True, slots=True)
class PurviewTarget:
    """Where the gateway sends requests: an account (with the managed identity) or an explicit endpoint."""

    account_name: str | None = None
    endpoint: str | None = None


class Settings(BaseSettings):
    """Every app setting the functions read; construct with ``load_settings()`` for readable errors."""

    model_config = SettingsConfigDict(
        extra="forbid", frozen=True, env_ignore_empty=True, case_sensitive=False, hide_input_in_errors=True
    )

    # Purview target and pacing
    purview_account_name: str | None = Field(
        default=None,
        description="Purview account name (https://NAME.purview.azure.com, with the managed identity); "
        "or PURVIEW_ENDPOINT.",
    )
    purview_endpoint: str | None = Field(
        default=None,
        description="Explicit http(s) base URL, sent to without authentication (the local emulator); or "
        "PURVIEW_ACCOUNT_NAME.",
    )
    purview_capacity_units: float = Field(
        default=10,
        ge=0.01,
        le=10_000,
        description="Provisioned Data Map capacity units, fractions allowed (0.5, at least 0.01); 25 "
        "operations/s each: the ceiling of the adaptive pacing (which slows down on 429s).",
    )
    purview_batch_size: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="Entities per bulk upsert call at most (an asset and its columns together); lowered "
        "on the fly after a call fails for its size (413, 408/504, a timeout).",
    )
    purview_batch_bytes: int = Field(
        default=4_000_000,
        ge=65_536,
        le=64_000_000,
        description="Estimated body bytes per bulk upsert call at most (Purview documents no limit; Azure "
        "front ends commonly refuse bodies from 4 MiB).",
    )
    purview_retry_base_delay_seconds: float = Field(
        default=1.0,
        gt=0,
        description="First backoff delay; doubles per attempt, with jitter, unless Retry-After.",
    )
    purview_retry_max_delay_seconds: float = Field(
        default=60.0, gt=0, description="Upper bound of one backoff delay (also caps a server's Retry-After)."
    )
    purview_request_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Timeout of one HTTP request to Purview (connect + read)."
    )
    purview_retry_budget_seconds: float = Field(
        default=600.0,
        gt=0,
        le=86_400,
        description="Time one batch's Purview calls may spend retrying 429, 5xx and timeouts before its "
        "objects fail; below the lease, so a batch ends before another run may take its objects over.",
    )
    purview_parent_collection: str | None = Field(
        default=None,
        description="Collection (reference name) under which catalogs' collections live; default the root.",
    )
    purview_create_collections: bool = Field(
        default=False, description="Create missing target collections instead of failing the run."
    )

    # Catalogs
    catalogs_file: str = Field(
        default="catalogs.yaml", description="Path of the catalogs file, relative to the cwd or the app root."
    )

    # Claim-check staging of extracted pages and pivot items
    staging_backend: Literal["blob", "local"] = Field(
        default="blob",
        description="'blob' (Azure Storage) in Azure; 'local' (a folder) for localdev and tests.",
    )
    staging_container: str = Field(
        default="federation-staging", description="Blob container for staged payloads (blob backend)."
    )
    staging_dir: str = Field(
        default=".localdev/staging", description="Folder for staged payloads (local backend)."
    )
    staging_account_url: str | None = Field(
        default=None,
        description="Blob service URL (https://ACCOUNT.blob.core.windows.net), used with the managed "
        "identity; takes precedence over STAGING_CONNECTION_SETTING.",
    )
    staging_connection_setting: str = Field(
        default="AzureWebJobsStorage",
        description="Name of the app setting that holds the storage connection string (blob backend).",
    )

    # Push
    eventhub_connection_setting: str = Field(
        default="EventHubConnection",
        description="Name (or identity-based prefix) of the app setting with the Event Hubs connection.",
    )

    # Orchestration shapes
    chunk_size: int = Field(
        default=500, ge=1, le=1000, description="Items per upsert_chunk sub-orchestration (history budget)."
    )
    upsert_batch_items: int = Field(
        default=500,
        ge=1,
        le=1000,
        description="Pivot items per upsert_batch activity, at most CHUNK_SIZE (a lower CHUNK_SIZE caps the "
        "default); the activity packs their entities into as few bulk calls as the batch limits allow.",
    )
    lease_minutes: int = Field(
        default=15, ge=1, le=1440, description="A Pending sync_state older than this may be taken over."
    )
    busy_retry_count: int = Field(
        default=3, ge=0, le=20, description="Times a chunk retries items whose sync_state is busy."
    )
    busy_retry_delay_seconds: int = Field(
        default=30, ge=1, le=3600, description="Durable-timer wait before retrying busy items."
    )
    cleanup_interval_minutes: int = Field(
        default=60, ge=1, le=10080, description="Pause of the eternal cleanup orchestration between passes."
    )

    @field_validator("purview_account_name")
    @classmethod
    def _check_account(cls, value: str | None) -> str | None:
        if value is not None and not _ACCOUNT.fullmatch(value):
            raise ValueError(
                "must be a Purview account name (3-63 letters, digits, '-'), not a URL; "
                "for a URL use PURVIEW_ENDPOINT"
            )
        return value

    @field_validator("purview_endpoint", "staging_account_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http(s) URL such as 'http://127.0.0.1:8081'")
        if parts.query or parts.username or parts.password:
            raise ValueError(
                "must not carry credentials or a query (no SAS tokens); the app uses its identity"
            )
        return value.strip().rstrip("/")

    @field_validator("staging_container")
    @classmethod
    def _check_container(cls, value: str) -> str:
        if not _CONTAINER.fullmatch(value):
            raise ValueError("must be a blob container name: 3-63 of a-z, 0-9 and single '-' inside")
        return value

    @field_validator("staging_connection_setting", "eventhub_connection_setting")
    @classmethod
    def _check_setting_name(cls, value: str) -> str:
        if not _SETTING_NAME.fullmatch(value):
            raise ValueError("must be the name of an app setting (letters, digits, '_'), not its value")
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        problems: list[tuple[tuple[str | int, ...], str]] = []
        if self.purview_account_name is not None and self.purview_endpoint is not None:
            problems.append(
                (("purview_endpoint",), "set only one of PURVIEW_ACCOUNT_NAME and PURVIEW_ENDPOINT, not both")
            )
        if self.purview_retry_base_delay_seconds > self.purview_retry_max_delay_seconds:
            problems.append(
                (("purview_retry_base_delay_seconds",), "must be ≤ PURVIEW_RETRY_MAX_DELAY_SECONDS")
            )
        if self.purview_retry_budget_seconds < self.purview_request_timeout_seconds:
            problems.append((("purview_retry_budget_seconds",), "must be ≥ PURVIEW_REQUEST_TIMEOUT_SECONDS"))
        if self.purview_retry_budget_seconds >= self.lease_minutes * 60:  # a batch must end within its lease
            problems.append((("purview_retry_budget_seconds",), "must be < LEASE_MINUTES x 60"))
        if "upsert_batch_items" in self.model_fields_set and self.upsert_batch_items > self.chunk_size:
            problems.append(
                (
                    ("upsert_batch_items",),
                    f"must be ≤ CHUNK_SIZE ({self.chunk_size}): an upsert_batch takes its items from a chunk",
                )
            )
        if problems:
            raise config_error(problems)
        return self

    @property
    def batch_items(self) -> int:
        """Items per upsert_batch activity: ``UPSERT_BATCH_ITEMS``, the default capped by ``CHUNK_SIZE``."""
        return min(self.upsert_batch_items, self.chunk_size)

    def purview_target(self) -> PurviewTarget:
        """The configured Purview target; ``SettingsError`` says what to set when there is none."""
        if self.purview_account_name is None and self.purview_endpoint is None:
            raise SettingsError([Problem(f"no Purview target: {_TARGET_HINT}", field="PURVIEW_ACCOUNT_NAME")])
        return PurviewTarget(account_name=self.purview_account_name, endpoint=self.purview_endpoint)


def load_settings() -> Settings:
    """Read and validate the app settings from the environment; ``SettingsError`` names each variable."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            Problem(message, field=format_loc(loc).upper() or "settings")
            for loc, message in explain(exc, Settings)
        ]
        raise SettingsError(problems) from exc
