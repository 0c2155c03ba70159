"""Every start path refuses a disabled catalog before it touches the durable client or stages anything."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.triggers.conftest import use_catalogs
from triggers.starters import CatalogDisabled, ensure_enabled, start_ingest, start_sync


@pytest.fixture(autouse=True)
def catalogs_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    yield from use_catalogs(
        tmp_path,
        monkeypatch,
        "catalogs:\n"
        "  - {name: live, connector: pivotfile, mode: both, schedule: null, source: {files: ['x/*.jsonl']}}\n"
        "  - {name: paused, connector: pivotfile, mode: both, schedule: null, enabled: false,\n"
        "      source: {files: ['x/*.jsonl']}}\n",
    )


def test_enabled_catalog_passes() -> None:
    ensure_enabled("live")


def test_disabled_catalog_is_refused_with_a_clear_message() -> None:
    with pytest.raises(CatalogDisabled, match=r"catalog 'paused' is disabled \(enabled: false"):
        ensure_enabled("paused")


def test_sync_and_push_starts_refuse_before_touching_the_client() -> None:
    client: Any = None  # any use of the client would raise AttributeError instead
    with pytest.raises(CatalogDisabled):
        asyncio.run(start_sync(client, "paused"))
    with pytest.raises(CatalogDisabled):
        asyncio.run(start_ingest(client, "paused", "0", 1, [b"{}"]))


def test_every_nth_scheduled_run_is_a_verify_run() -> None:
    from triggers.schedules import scheduled_mode

    assert scheduled_mode(None, {"runs_started": 5}) == "normal"
    modes = [scheduled_mode(3, {"runs_started": n}) for n in range(7)]
    assert modes == ["normal", "normal", "verify", "normal", "normal", "verify", "normal"]
    assert scheduled_mode(1, None) == "verify"
