"""The connector contract: what every source catalog implements, and the report it fills.

A connector is built from its catalog's configuration and offers three pure-ish steps the sync composes:

- ``snapshot() -> JSON | None``: the source's state at the run's start (file connectors: the file set), taken
  once per run, staged, and passed to every ``extract`` of the run; ``None`` for sources without one;
- ``extract(cursor, snapshot=...) -> Page``: pull one page of raw records (plain JSON values) and the next
  cursor;
- ``transform(records) -> Iterator[AnyPivotItem | Rejected]``: turn raw records into pivot items; a record
  that cannot become a valid item yields ``Rejected`` (where it came from and why) and the rest go on;
- ``decode(body) -> list[records]`` (push catalogs only): turn one pushed event body into raw records.

Raw records are staged between extract and transform (claim check), so they must be JSON-serialisable.
Connectors hold no durable-functions or Purview code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from config import CatalogConfig
from pivot import AnyPivotItem

__all__ = ["Connector", "ConnectorConfig", "ConnectorReport", "Deletion", "Page", "RawRecord", "Rejected"]

RawRecord = dict[str, Any]


class ConnectorConfig(BaseModel):
    """Base of every connector's ``source:`` settings model: strict, so a typo fails at start."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Page:
    """One page of raw records and the cursor of the next one (``None`` when the source is exhausted)."""

    records: list[RawRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class Rejected:
    """A record that did not become a pivot item: ``where`` locates it in the source, ``reason`` says why."""

    where: str
    reason: str
    external_id: str | None = None
    kind: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Deletion:
    """A pushed event saying an object is gone from the source: delete it from Purview now."""

    kind: str
    external_id: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ConnectorReport:
    """Counters of one extract/transform pass: nothing is dropped without being counted here."""

    records_read: int = 0
    items_produced: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    ignored: dict[str, int] = field(default_factory=dict)

    def count_item(self, kind: str) -> None:
        self.items_produced[kind] = self.items_produced.get(kind, 0) + 1

    def count_ignored(self, what: str, n: int = 1) -> None:
        """Record something the source had that this connector does not map (e.g. an unknown aspect)."""
        self.ignored[what] = self.ignored.get(what, 0) + n

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


class Connector(ABC):
    """Base class of connectors. Subclasses set ``name`` and ``config_model`` and implement the steps.

    ``base_dir`` is where relative paths in the source settings are resolved (the catalogs file's folder).
    """

    name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]

    def __init__(self, catalog: CatalogConfig, *, base_dir: Path | None = None) -> None:
        self.catalog = catalog
        self.base_dir = base_dir or Path.cwd()
        self.settings = self.config_model.model_validate(catalog.source)
        self.report = ConnectorReport()

    @property
    def uses_snapshot(self) -> bool:
        """Whether ``extract`` reads from a run snapshot (``snapshot()`` returns one)."""
        return False

    def snapshot(self) -> dict[str, Any] | None:
        """The source's state at the run's start, or ``None``; raises when the source cannot be read whole."""
        return None

    @abstractmethod
    def extract(self, cursor: str | None, *, snapshot: dict[str, Any] | None = None) -> Page:
        """Pull the page at ``cursor`` (``None`` = first page) of the run that took ``snapshot``."""

    @abstractmethod
    def transform(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        """Turn raw records into pivot items of this catalog, ``Rejected`` entries or ``Deletion``s (push)."""

    def decode(self, body: bytes) -> list[RawRecord]:
        """Turn one pushed event body into raw records (push catalogs only)."""
        raise NotImplementedError(f"connector {self.name!r} does not support push")
