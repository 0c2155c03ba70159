"""The connector contract: what every source catalog implements, and the counters it reports.

A connector is a ``Connector[ItsConfig]``, built from its catalog's entry and that entry's ``source:``
settings already validated into ``ItsConfig`` (a ``ConnectorConfig``, declared once as the type argument).
It offers steps the sync composes:

- ``snapshot() -> JSON | None``: the source's state at the run's start (file connectors: the file set), taken
  once per run, staged, and passed to every ``extract`` of the run; ``None`` for sources without one;
- ``extract(cursor, snapshot=...) -> Page``: pull one page of raw records (plain JSON values) and the next
  cursor;
- ``transform(records) -> Iterator[AnyPivotItem | Rejected | Deletion]``: turn raw records into pivot items
  (the connector's ``map_records``, counted); a record that cannot become a valid item yields ``Rejected``
  (where it came from and why) and the rest go on. ``transform_page`` does the same for one page and returns
  the page's counters (``ReportCounts``) with its results;
- ``decode(body) -> list[records]`` (push catalogs only): turn one pushed event body into raw records.

Raw records are staged between extract and transform (claim check), so they must be JSON-serialisable.
Connectors hold no durable-functions or Purview code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeVar

from config import CatalogConfig
from pivot import AnyPivotItem

__all__ = [
    "Connector",
    "ConnectorConfig",
    "ConnectorReport",
    "Deletion",
    "Page",
    "RawRecord",
    "Rejected",
    "ReportCounts",
    "TransformedPage",
]

RawRecord = dict[str, Any]


class ConnectorConfig(BaseModel):
    """Base of every connector's ``source:`` settings model: strict, so a typo fails at start."""

    model_config = ConfigDict(extra="forbid", frozen=True)


ConfigT_co = TypeVar("ConfigT_co", bound=ConnectorConfig, covariant=True, default=ConnectorConfig)
"""A connector's settings model; plain ``Connector`` means any connector."""


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


class ReportCounts(BaseModel):
    """The counters of one transformed page (or a sum of them): JSON in durable outputs, summed with ``+``.

    >>> (ReportCounts(records_read=2, ignored={"x": 1}) + ReportCounts(ignored={"x": 2})).ignored
    {'x': 3}
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    records_read: int = Field(default=0, description="Raw records transformed.")
    items_produced: dict[str, int] = Field(default_factory=dict, description="Pivot items made, per kind.")
    rejected: int = Field(default=0, description="Records (or objects) rejected, each with where and why.")
    ignored: dict[str, int] = Field(
        default_factory=dict, description="What the source had that the connector does not map, per what."
    )

    def __add__(self, other: ReportCounts) -> ReportCounts:
        return ReportCounts(
            records_read=self.records_read + other.records_read,
            items_produced=_add(self.items_produced, other.items_produced),
            rejected=self.rejected + other.rejected,
            ignored=_add(self.ignored, other.ignored),
        )


def _add(a: dict[str, int], b: dict[str, int], sign: int = 1) -> dict[str, int]:
    out = dict(a)
    for key, n in b.items():
        out[key] = out.get(key, 0) + sign * n
    return {key: n for key, n in out.items() if n}


@dataclass(frozen=True)
class TransformedPage:
    """What ``transform_page`` returns: the page's results, in order, and its counters."""

    results: list[AnyPivotItem | Rejected | Deletion]
    report: ReportCounts


@dataclass
class ConnectorReport:
    """Running counters of one connector object: nothing is dropped without being counted here.

    ``transform`` counts records, items and rejections; a connector counts what it does not map with
    ``count_ignored``.
    """

    records_read: int = 0
    items_produced: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    ignored: dict[str, int] = field(default_factory=dict)

    def count_item(self, kind: str) -> None:
        self.items_produced[kind] = self.items_produced.get(kind, 0) + 1

    def count_ignored(self, what: str, n: int = 1) -> None:
        """Record something the source had that this connector does not map (e.g. an unknown aspect)."""
        self.ignored[what] = self.ignored.get(what, 0) + n

    def counts(self) -> ReportCounts:
        """The counters so far, frozen."""
        return ReportCounts(
            records_read=self.records_read,
            items_produced=dict(self.items_produced),
            rejected=self.rejected,
            ignored=dict(self.ignored),
        )

    def since(self, before: ReportCounts) -> ReportCounts:
        """What was counted after ``before`` (one page's counters)."""
        after = self.counts()
        return ReportCounts(
            records_read=after.records_read - before.records_read,
            items_produced=_add(after.items_produced, before.items_produced, -1),
            rejected=after.rejected - before.rejected,
            ignored=_add(after.ignored, before.ignored, -1),
        )


class Connector(ABC, Generic[ConfigT_co]):
    """Base class of connectors: ``class MyConnector(Connector[MyConfig])`` sets ``name`` and implements
    the steps; ``config_model`` (what the registry validates ``source:`` with) comes from the type argument.

    ``base_dir`` is where relative paths in the source settings are resolved (the catalogs file's folder).
    """

    name: ClassVar[str]
    config_model: ClassVar[type[ConnectorConfig]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for base in cls.__dict__.get("__orig_bases__", ()):
            origin = get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Connector):
                for arg in get_args(base):
                    if isinstance(arg, type) and issubclass(arg, ConnectorConfig):
                        cls.config_model = arg

    def __init__(self, catalog: CatalogConfig, config: ConfigT_co, *, base_dir: Path | None = None) -> None:
        self.catalog = catalog
        self._config = config
        self.base_dir = base_dir or Path.cwd()
        self.report = ConnectorReport()

    @property
    def config(self) -> ConfigT_co:
        """The catalog's ``source:`` settings, validated."""
        return self._config

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
    def map_records(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        """Turn raw records into pivot items of this catalog, ``Rejected`` entries or ``Deletion``s (push);
        count what is not mapped with ``self.report.count_ignored``."""

    def transform(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        """``map_records``, counted in ``self.report`` (records, items per kind, rejections)."""
        self.report.records_read += len(records)
        for result in self.map_records(records):
            if isinstance(result, Rejected):
                self.report.rejected += 1
            elif not isinstance(result, Deletion):
                self.report.count_item(result.kind)
            yield result

    def transform_page(self, records: Sequence[RawRecord]) -> TransformedPage:
        """Transform one page; its ``report`` holds this page's counters only (sum them for a run)."""
        before = self.report.counts()
        results = list(self.transform(records))
        return TransformedPage(results=results, report=self.report.since(before))

    def raw_digest(self, record: RawRecord) -> str | None:
        """A digest of a raw record that maps to exactly one item (or rejection, or deletion), or ``None``.

        A connector whose records map one to one answers it, so a run can tell an unchanged record from the
        last manifest without transforming it (see ``transform_page``); the digest must change whenever what
        the record maps to may change (include a version of the mapping). The default, ``None``, transforms
        every record.
        """
        return None

    def decode(self, body: bytes) -> list[RawRecord]:
        """Turn one pushed event body into raw records (push catalogs only)."""
        raise NotImplementedError(f"connector {self.name!r} does not support push")
