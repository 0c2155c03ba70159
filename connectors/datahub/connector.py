"""The DataHub (Acryl) connector: metadata files, GraphQL pull, and MCP/MCL push events.

Input formats:

- files (``source: {files: [...]}``): what ``datahub ingest`` writes with the ``file`` sink — a JSON array of
  MCE snapshots and MCPs (``aspect.json``, or the older ``aspect.value`` + ``contentType``), or JSON lines;
  streamed, never loaded whole;
- pull (``source: {graphql_url, token_setting, page_size}``): ``scrollAcrossEntities`` over GraphQL;
- push (``mode: push``): one MCP or MCL JSON message per event body.

Extract stages one *entity record* per entity (all its aspects merged, see ``records``); transform maps
entity records to pivot items (see ``transform``). Cursors: files → the index of the next entity;
GraphQL → the next scroll id.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from config.secrets import resolve_secret
from connectors.base import Connector, ConnectorConfig, Deletion, Page, RawRecord, Rejected
from connectors.datahub.common import MappingContext
from connectors.datahub.config import DataHubConfig
from connectors.datahub.events import decode_event, event_urns, merge_events
from connectors.datahub.files import cached_index, read_units
from connectors.datahub.graphql import GraphQLClient
from connectors.datahub.transform import transform_entities
from pivot import AnyPivotItem

__all__ = ["DataHubConnector"]

_GRAPHQL_CURSOR = "scroll:"


class DataHubConnector(Connector):
    """DataHub metadata from MCE/MCP files, a GraphQL endpoint, or pushed MCP/MCL events.

    >>> # catalogs.yaml: {name: dh, connector: datahub, schedule: null, source: {files: ["dh/*.json"]}}
    """

    name: ClassVar[str] = "datahub"
    config_model: ClassVar[type[ConnectorConfig]] = DataHubConfig

    @property
    def config(self) -> DataHubConfig:
        settings = self.settings
        assert isinstance(settings, DataHubConfig)
        return settings

    def context(self) -> MappingContext:
        config = self.config
        return MappingContext(
            catalog=self.catalog.name,
            type_mapping=self.catalog.type_mapping,
            collections=config.collections,
            email_domain=config.email_domain,
            owner_emails=config.owner_emails,
            classification_prefix=config.classification_prefix,
            ignore=self.report.count_ignored,
        )

    def files(self) -> list[Path]:
        """The files the patterns match, sorted so pages and cursors are stable between runs."""
        found: set[Path] = set()
        for pattern in self.config.files:
            full = pattern if Path(pattern).is_absolute() else str(self.base_dir / pattern)
            found.update(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
        return sorted(found)

    def extract(self, cursor: str | None) -> Page:
        if self.config.pulls_graphql:
            return self._extract_graphql(cursor)
        if not self.config.files:
            raise ValueError(
                f"catalog {self.catalog.name!r}: datahub source has neither files nor graphql_url"
            )
        files = self.files()
        if not files:
            # an empty extract would look like a source where everything was deleted
            patterns = ", ".join(self.config.files)
            raise ValueError(
                f"catalog {self.catalog.name!r}: no DataHub file matches {patterns} (in {self.base_dir})"
            )
        index = cached_index(files)
        start = _parse_file_cursor(cursor)
        records = read_units(index, start, self.config.page_size)
        self.report.records_read += len(records)
        end = start + len(records)
        return Page(records=records, next_cursor=str(end) if end < len(index.units) else None)

    def graphql_client(self) -> GraphQLClient:
        config = self.config
        assert config.graphql_url is not None and config.token_setting is not None
        token = resolve_secret(self.catalog.source, "token", catalog=self.catalog.name)
        return GraphQLClient(
            config.graphql_url,
            token=token,
            token_setting=config.token_setting,
            timeout=config.timeout_seconds,
        )

    def _extract_graphql(self, cursor: str | None) -> Page:
        scroll_id = cursor.removeprefix(_GRAPHQL_CURSOR) if cursor else None
        config = self.config
        page = self.graphql_client().scroll(
            types=config.entity_types, query=config.query, count=config.page_size, scroll_id=scroll_id
        )
        self.report.records_read += len(page.records)
        next_cursor = _GRAPHQL_CURSOR + page.next_scroll_id if page.next_scroll_id else None
        return Page(records=page.records, next_cursor=next_cursor)

    def decode(self, body: bytes) -> list[RawRecord]:
        """One pushed MCP/MCL (or MCE) JSON message → event records (one per URN it touches)."""
        return decode_event(body)

    def transform(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        """Entity records → items. Event records of a batch are first merged per URN, on top of the entity's
        current state read from DataHub when ``graphql_url`` is configured."""
        urns = event_urns(records)
        if urns:
            base = self.graphql_client().fetch_entities(urns) if self.config.pulls_graphql else None
            records = merge_events(records, base)
        for result in transform_entities(records, self.context()):
            if isinstance(result, Rejected):
                self.report.rejected += 1
            elif not isinstance(result, Deletion):
                self.report.count_item(result.kind)
            yield result


def _parse_file_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        value = int(cursor)
    except ValueError as exc:
        raise ValueError(f"invalid datahub file cursor {cursor!r}") from exc
    if value < 0:
        raise ValueError(f"invalid datahub file cursor {cursor!r}")
    return value
