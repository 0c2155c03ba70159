"""Helpers of the staging tests: a hand-moved clock, the running Azurite's address, the install check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]

DEV_ACCOUNT = "devstoreaccount1"
# Azurite's fixed development key (documented by Microsoft for the emulator; not a secret).
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Clock:
    """Staging clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2024, 3, 1, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass(frozen=True)
class Azurite:
    """A running Azurite blob service."""

    port: int

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.port}/{DEV_ACCOUNT};"
        )


def require_azurite(binary: Path) -> None:
    """Fail (never skip) when Azurite is not installed: a skipped backend would hide a broken setup."""
    if not binary.exists():
        pytest.fail(
            f"Azurite is not installed ({binary} is missing): run `npm ci` in {REPO_ROOT} "
            "(or `make test`, which does it) to install the test tools pinned in package-lock.json"
        )
