"""The DataHub (Acryl) connector: metadata files, GraphQL pull, and MCP/MCL push events.

Input formats:

- files (``source: {files: [...]}``): what ``datahub ingest`` writes with the ``file`` sink — a JSON array of
  MCE snapshots and MCPs (``aspect.json``, or the older ``aspect.value`` + ``contentType``), or JSON lines;
  streamed, never loaded whole;
- pull (``source: {graphql_url, token_setting, page_size}``): ``scrollAcrossEntities`` over GraphQL;
- push (``mode: push``): one MCP or MCL JSON message per event body.

Extract stages one *entity record* per entity (all its aspects merged, see ``records``); transform maps
entity records to pivot items (see ``transform``). Cursors: files → ``"<index of the next entity>@<snapshot
digest>"`` over the run's file snapshot (``connectors.files``: a missing, non-regular or changed file fails
the run, a record that cannot be decoded is rejected alone); GraphQL → the next scroll id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from config.secrets import resolve_secret
from connectors.base import Connector, Deletion, Page, RawRecord, Rejected
from connectors.datahub.common import MappingContext
from connectors.datahub.config import DataHubConfig
from connectors.datahub.events import decode_event, event_urns, merge_events
from connectors.datahub.files import cached_index, read_units
from connectors.datahub.graphql import DataHubError, GraphQLClient
from connectors.datahub.transform import transform_entities
from connectors.files import Snapshot, SourceIncomplete, file_set
from pivot import AnyPivotItem

__all__ = ["DataHubConnector"]

_GRAPHQL_CURSOR = "scroll:"


class DataHubConnector(Connector[DataHubConfig]):
    """DataHub metadata from MCE/MCP files, a GraphQL endpoint, or pushed MCP/MCL events.

    >>> # catalogs.yaml: {name: dh, connector: datahub, schedule: null, source: {files: ["dh/*.json"]}}
    """

    name: ClassVar[str] = "datahub"

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

    @property
    def uses_snapshot(self) -> bool:
        return bool(self.config.files) and not self.config.pulls_graphql

    def snapshot(self) -> dict[str, Any] | None:
        """The run's file set (files source only); raises ``SourceIncomplete`` naming what is not readable."""
        if not self.uses_snapshot:
            return None
        return file_set(self.config, self.base_dir).to_json()

    def extract(self, cursor: str | None, *, snapshot: dict[str, Any] | None = None) -> Page:
        if self.config.pulls_graphql:
            return self._extract_graphql(cursor)
        if not self.config.files:
            raise ValueError(
                f"catalog {self.catalog.name!r}: datahub source has neither files nor graphql_url"
            )
        config = self.config
        files = file_set(config, self.base_dir, snapshot)
        digest = _digest(files)
        start = _parse_file_cursor(cursor, digest)
        files.check_unchanged()  # fail fast, before the (cached) index could be reused for changed files
        index = cached_index(
            list(files.files), max_record=config.max_record_bytes, max_depth=config.max_depth
        )
        records = read_units(index, start, config.page_size)
        files.check_unchanged()
        end = start + len(records)
        return Page(records=records, next_cursor=f"{end}@{digest}" if end < len(index.units) else None)

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
        """One scroll page. The cursor carries the entities read so far and the search's total, so the
        last page can check the pull is whole (a page error raises; so does a scroll ending short)."""
        seen, total, scroll_id = _parse_graphql_cursor(cursor)
        config = self.config
        page = self.graphql_client().scroll(
            types=config.entity_types, query=config.query, count=config.page_size, scroll_id=scroll_id
        )
        seen += len(page.records)
        total = page.total if total is None else total  # the total at the scroll's start is the contract
        if page.next_scroll_id is None:
            if total is not None and seen < total:
                raise DataHubError(
                    f"catalog {self.catalog.name!r}: DataHub scroll ended after {seen} of {total} entities; "
                    "the pull is not whole, so the run fails"
                )
            return Page(records=page.records, next_cursor=None)
        marker = "-" if total is None else str(total)
        return Page(
            records=page.records, next_cursor=f"{_GRAPHQL_CURSOR}{seen}:{marker}:{page.next_scroll_id}"
        )

    def decode(self, body: bytes) -> list[RawRecord]:
        """One pushed MCP/MCL (or MCE) JSON message → event records (one per URN it touches)."""
        return decode_event(body)

    def map_records(self, records: Sequence[RawRecord]) -> Iterator[AnyPivotItem | Rejected | Deletion]:
        """Entity records → items. Event records of a batch are first merged per URN, on top of the entity's
        current state read from DataHub when ``graphql_url`` is configured."""
        urns = event_urns(records)
        if urns:
            base = self.graphql_client().fetch_entities(urns) if self.config.pulls_graphql else None
            records = merge_events(records, base)
        yield from transform_entities(records, self.context())


def _digest(snapshot: Snapshot) -> str:
    """A short fingerprint of the run's file set: a cursor only resumes over the snapshot it was made on."""
    text = json.dumps(snapshot.to_json(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _parse_file_cursor(cursor: str | None, digest: str) -> int:
    if not cursor:
        return 0
    unit, _, made_on = cursor.partition("@")
    try:
        value = int(unit)
    except ValueError as exc:
        raise ValueError(f"invalid datahub file cursor {cursor!r}") from exc
    if value < 0 or not made_on:
        raise ValueError(f"invalid datahub file cursor {cursor!r}")
    if made_on != digest:
        raise SourceIncomplete(
            "the DataHub files changed during the run (the cursor's snapshot is not this one)"
        )
    return value


def _parse_graphql_cursor(cursor: str | None) -> tuple[int, int | None, str | None]:
    """``scroll:<seen>:<total or ->:<scroll id>`` → (seen, total, scroll id); no cursor → the start."""
    if not cursor:
        return 0, None, None
    if not cursor.startswith(_GRAPHQL_CURSOR):
        raise ValueError(f"invalid datahub GraphQL cursor {cursor!r}")
    parts = cursor.removeprefix(_GRAPHQL_CURSOR).split(":", 2)
    try:
        seen, marker, scroll_id = int(parts[0]), parts[1], parts[2]
        total = None if marker == "-" else int(marker)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"invalid datahub GraphQL cursor {cursor!r}") from exc
    return seen, total, scroll_id
