"""The registry validates a catalog's ``source:`` with the connector's declared config type and hands the
connector that typed config; a wrong setting fails naming the file, the catalog and the field."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pytest
from pydantic import Field

from config import CatalogConfig
from connectors import registry
from connectors.base import Connector, ConnectorConfig, Deletion, Page, RawRecord, Rejected
from connectors.datahub import DataHubConfig, DataHubConnector
from connectors.pivotfile import PivotFileConfig, PivotFileConnector
from connectors.registry import ConnectorError, build_connector, connector_class
from pivot import AnyPivotItem


class EchoConfig(ConnectorConfig):
    """Settings of the minimal connector below."""

    greeting: str = Field(description="What every record says.")
    pages: int = Field(default=1, ge=1, description="Pages served.")


class EchoConnector(Connector[EchoConfig]):
    """A whole connector in one class: what a new catalog adds besides its registry line."""

    name: ClassVar[str] = "echo"

    def extract(self, cursor: str | None, *, snapshot: dict[str, Any] | None = None) -> Page:
        page = int(cursor or 0)
        following = str(page + 1) if page + 1 < self.config.pages else None
        return Page(records=[{"text": self.config.greeting, "page": page}], next_cursor=following)

    def map_records(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        for record in records:
            self.report.count_ignored("greeting")
            yield Rejected(where=f"page {record['page']}", reason=record["text"])


class Untyped(Connector):
    """Forgot its config type: the registry refuses it."""

    name: ClassVar[str] = "untyped"

    def extract(self, cursor: str | None, *, snapshot: dict[str, Any] | None = None) -> Page:
        return Page(records=[], next_cursor=None)

    def map_records(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        yield from ()


def _catalog(connector: str, source: dict[str, Any], name: str = "sales") -> CatalogConfig:
    return CatalogConfig(name=name, connector=connector, schedule=None, source=source)


def _register(monkeypatch: pytest.MonkeyPatch, name: str, cls: type) -> None:
    monkeypatch.setitem(registry.CONNECTORS, name, f"{__name__}:{cls.__name__}")


def test_config_model_is_the_declared_type_argument() -> None:
    assert PivotFileConnector.config_model is PivotFileConfig
    assert DataHubConnector.config_model is DataHubConfig
    assert EchoConnector.config_model is EchoConfig


def test_the_connector_gets_its_validated_config(tmp_path: Any) -> None:
    built = build_connector(_catalog("pivotfile", {"files": ["*.jsonl"], "page_size": 7}), base_dir=tmp_path)
    assert isinstance(built, PivotFileConnector)
    assert isinstance(built.config, PivotFileConfig) and built.config.page_size == 7
    assert built.config.files == ["*.jsonl"] and built.base_dir == tmp_path


def test_a_new_connector_is_one_class_and_one_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "echo", EchoConnector)
    built = build_connector(_catalog("echo", {"greeting": "hi", "pages": 2}))
    assert isinstance(built, EchoConnector) and built.config.greeting == "hi"
    first = built.extract(None)
    second = built.extract(first.next_cursor)
    assert first.next_cursor == "1" and second.next_cursor is None
    transformed = built.transform_page(first.records + second.records)
    assert [r.where for r in transformed.results] == ["page 0", "page 1"]  # type: ignore[union-attr]
    assert transformed.report.model_dump() == {
        "records_read": 2,
        "items_produced": {},
        "rejected": 2,
        "ignored": {"greeting": 2},
    }


def test_wrong_settings_name_file_catalog_and_field(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "echo", EchoConnector)
    with pytest.raises(ConnectorError) as caught:
        build_connector(
            _catalog("echo", {"pages": 0, "greting": "s3cr3t"}, name="crm"), file="conf/catalogs.yaml"
        )
    assert str(caught.value) == (
        "conf/catalogs.yaml: catalog 'crm': source.greeting: required; "
        "source.pages: Input should be greater than or equal to 1; source.greting: unknown setting"
    )
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    ("connector", "source", "message"),
    [
        ("pivotfile", {"files": ["a", " "]}, "catalog 'sales': source.files: patterns must not be blank"),
        ("pivotfile", {"files": []}, "catalog 'sales': source.files: List should have at least 1 item"),
        ("pivotfile", {"files": ["a"], "max_depth": 1}, "source.max_depth: Input should be greater than"),
        (
            "datahub",
            {"files": ["a"], "graphql_url": "https://dh", "token_setting": "T"},
            "source: set either f",
        ),
        ("datahub", {"files": [" "]}, "catalog 'sales': source.files: patterns must not be blank"),
    ],
)
def test_each_connector_rule_names_its_field(connector: str, source: dict[str, Any], message: str) -> None:
    with pytest.raises(ConnectorError) as caught:
        build_connector(_catalog(connector, source))
    assert str(caught.value).startswith("catalogs.yaml: catalog 'sales': source") and message in str(
        caught.value
    )


def test_a_connector_without_a_config_type_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "untyped", Untyped)
    with pytest.raises(ConnectorError, match=r"connector 'untyped': .*:Untyped names no config type"):
        connector_class("untyped")


def test_a_class_that_is_not_a_connector_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _register(monkeypatch, "config", EchoConfig)
    with pytest.raises(ConnectorError, match="is not a concrete Connector subclass"):
        connector_class("config")
