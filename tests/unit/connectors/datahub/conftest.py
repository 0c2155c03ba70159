"""Fixtures for the DataHub connector tests: the committed example files written by the real DataHub CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config import CatalogConfig
from connectors.datahub import DataHubConnector
from connectors.datahub.common import MappingContext
from connectors.datahub.files import build_index, read_units
from connectors.files import take_snapshot
from connectors.registry import build_connector

EXAMPLES = Path(__file__).resolve().parents[4] / "examples" / "datahub"


def catalog(source: dict[str, Any], **extra: Any) -> CatalogConfig:
    fields: dict[str, Any] = {
        "name": "demo-datahub",
        "connector": "datahub",
        "schedule": None,
        "source": source,
    }
    return CatalogConfig(**(fields | extra))


def connector(source: dict[str, Any], *, base_dir: Path = EXAMPLES, **extra: Any) -> DataHubConnector:
    built = build_connector(catalog(source, **extra), base_dir=base_dir)
    assert isinstance(built, DataHubConnector)
    return built


@pytest.fixture(scope="session")
def example_entities() -> dict[str, dict[str, Any]]:
    """Every entity record of the example files, by URN (aspects merged across records and files)."""
    index = build_index(list(take_snapshot(["*.json"], EXAMPLES).files))
    records = read_units(index, 0, len(index.units))
    return {r["urn"]: r for r in records if "urn" in r}


@pytest.fixture
def ctx() -> MappingContext:
    ignored: dict[str, int] = {}

    def ignore(what: str) -> None:
        ignored[what] = ignored.get(what, 0) + 1

    context = MappingContext(catalog="demo-datahub", email_domain="example.com", ignore=ignore)
    context.ignored = ignored  # type: ignore[attr-defined]
    return context
