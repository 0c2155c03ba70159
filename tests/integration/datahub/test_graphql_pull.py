"""GraphQL pull against a local HTTP server on 127.0.0.1 answering like DataHub's /api/graphql.

The server pages real entities from examples/datahub (their aspects as RawAspect payloads) through
``scrollAcrossEntities`` with ``nextScrollId``, including an empty page mid-scroll, and can answer GraphQL
errors, HTTP 401/403/500 or slowly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from config import CatalogConfig
from config.errors import SecretNotSetError
from connectors.base import Rejected
from connectors.datahub import DataHubAuthError, DataHubConnector, DataHubError, DataHubGraphQLError
from connectors.datahub.files import build_index, read_units
from connectors.files import take_snapshot
from connectors.registry import build_connector
from pivot import PivotAssetItem, PivotGlossaryItem

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "datahub"
TOKEN = "test-token-123"
_GQL_TYPE = {
    "dataset": "DATASET",
    "glossaryTerm": "GLOSSARY_TERM",
    "glossaryNode": "GLOSSARY_NODE",
    "tag": "TAG",
}


def _search_results() -> list[dict[str, Any]]:
    index = build_index(list(take_snapshot(["*.json"], EXAMPLES).files))
    results = []
    for record in read_units(index, 0, len(index.units)):
        if record.get("entity_type") not in _GQL_TYPE:
            continue
        aspects = [{"aspectName": n, "payload": json.dumps(v)} for n, v in record["aspects"].items()]
        entity: dict[str, Any] = {
            "urn": record["urn"],
            "type": _GQL_TYPE[record["entity_type"]],
            "aspects": aspects,
        }
        owners = (record["aspects"].get("ownership") or {}).get("owners") or []
        if record["entity_type"] != "tag":  # GraphQL resolves owners to users with their emails
            entity["ownership"] = {
                "owners": [{"owner": {"urn": o["owner"], **_USERS.get(o["owner"], {})}} for o in owners]
            }
        results.append({"entity": entity})
    return results


_USERS = {
    "urn:li:corpuser:ben.okafor": {"properties": {"email": "ben@corp.example"}, "editableProperties": None}
}


class FakeDataHub:
    """State of the fake server: the pages it serves, the mode it answers in, the requests it saw."""

    def __init__(self, results: list[dict[str, Any]], page: int) -> None:
        chunks = [results[i : i + page] for i in range(0, len(results), page)]
        chunks.insert(1, [])  # an empty page in the middle of the scroll
        self.pages = chunks
        self.mode = "ok"
        self.requests: list[dict[str, Any]] = []

    def answer(self, body: dict[str, Any], auth: str | None) -> tuple[int, dict[str, Any]]:
        self.requests.append({"body": body, "auth": auth})
        if self.mode in ("401", "403") or auth != f"Bearer {TOKEN}":
            return int(self.mode) if self.mode in ("401", "403") else 401, {"message": "Unauthorized"}
        if self.mode == "500":
            return 500, {"message": "boom"}
        if self.mode == "slow":
            time.sleep(1.0)
        if "entities(urns" in body["query"]:
            wanted = set(body["variables"]["urns"])
            found = [r["entity"] for page in self.pages for r in page if r["entity"]["urn"] in wanted]
            return 200, {"data": {"entities": found}}
        if self.mode == "errors":
            return 200, {
                "errors": [{"message": "Validation error of type FieldUndefined: Field 'aspects'"}],
                "data": None,
            }
        scroll_id = body["variables"]["input"].get("scrollId")
        n = int(scroll_id or 0)
        next_id = str(n + 1) if n + 1 < len(self.pages) else None
        total = sum(len(p) for p in self.pages) + (5 if self.mode == "short" else 0)
        result = {
            "nextScrollId": next_id,
            "count": len(self.pages[n]),
            "total": total,
            "searchResults": self.pages[n],
        }
        return 200, {"data": {"scrollAcrossEntities": result}}


@pytest.fixture
def server() -> Iterator[tuple[str, FakeDataHub]]:
    fake = FakeDataHub(_search_results(), page=20)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, answer = fake.answer(body, self.headers.get("Authorization"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # the client gave up (timeout test): nothing to report

    httpd = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/graphql", fake
    finally:
        httpd.shutdown()
        httpd.server_close()


def _connector(url: str, monkeypatch: pytest.MonkeyPatch, **source: Any) -> DataHubConnector:
    monkeypatch.setenv("DATAHUB_TEST_TOKEN", TOKEN)
    catalog = CatalogConfig(
        name="corp-datahub",
        connector="datahub",
        schedule=None,
        source={
            "graphql_url": url,
            "token_setting": "DATAHUB_TEST_TOKEN",
            "email_domain": "example.com",
            **source,
        },
    )
    built = build_connector(catalog)
    assert isinstance(built, DataHubConnector)
    return built


def test_pull_pages_through_the_scroll_including_an_empty_page(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, fake = server
    conn = _connector(url, monkeypatch, page_size=20)
    cursor: str | None = None
    items: list[Any] = []
    sizes = []
    while True:
        page = conn.extract(cursor)
        sizes.append(len(page.records))
        items.extend(conn.transform(page.records))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sizes[1] == 0 and len(sizes) == len(fake.pages)
    assert not [i for i in items if isinstance(i, Rejected)]
    kinds: dict[str, int] = {}
    for item in items:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    assert kinds == {"asset": 108, "glossary_term": 9, "classification": 3}  # the same as from the files
    first = fake.requests[0]["body"]["variables"]["input"]
    assert first["count"] == 20 and first["scrollId"] is None and "DATASET" in first["types"]
    assert fake.requests[1]["body"]["variables"]["input"]["scrollId"] == "1"
    assert "scrollAcrossEntities" in fake.requests[0]["body"]["query"]


@pytest.mark.parametrize("status", ["401", "403"])
def test_auth_failure_is_a_clear_error(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch, status: str
) -> None:
    url, fake = server
    fake.mode = status
    with pytest.raises(DataHubAuthError, match=f"DATAHUB_TEST_TOKEN.*HTTP {status}") as info:
        _connector(url, monkeypatch).extract(None)
    assert TOKEN not in str(info.value)


def test_graphql_errors_are_reported(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, fake = server
    fake.mode = "errors"
    with pytest.raises(DataHubGraphQLError, match="FieldUndefined"):
        _connector(url, monkeypatch).extract(None)


def test_server_error_and_timeout(server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch) -> None:
    url, fake = server
    fake.mode = "500"
    with pytest.raises(DataHubError, match="HTTP 500"):
        _connector(url, monkeypatch).extract(None)
    fake.mode = "slow"
    with pytest.raises(DataHubError, match="timed out"):
        _connector(url, monkeypatch, timeout_seconds=0.2).extract(None)


def test_a_scroll_ending_short_of_its_total_fails(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole for GraphQL: every page answered without errors and the search's total reached."""
    url, fake = server
    fake.mode = "short"
    conn = _connector(url, monkeypatch, page_size=20)
    cursor: str | None = None
    pages = 0
    n = sum(len(p) for p in fake.pages)
    with pytest.raises(DataHubError, match=rf"scroll ended after {n} of {n + 5} entities"):
        while True:
            page = conn.extract(cursor)
            pages += 1
            cursor = page.next_cursor
            if cursor is None:
                break
    assert pages == len(fake.pages) - 1  # it failed on the last page, not before


def test_unreachable_server(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataHubError, match="unreachable"):
        _connector("http://127.0.0.1:9/api/graphql", monkeypatch, timeout_seconds=1).extract(None)


def test_missing_token_setting_names_the_setting(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server
    conn = _connector(url, monkeypatch)
    monkeypatch.delenv("DATAHUB_TEST_TOKEN")
    with pytest.raises(SecretNotSetError, match="DATAHUB_TEST_TOKEN"):
        conn.extract(None)


def test_push_events_are_merged_on_top_of_the_current_entity(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pushed globalTags MCL must not clear what the event does not carry (description, columns)."""
    url, fake = server
    conn = _connector(url, monkeypatch)
    urn = "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD)"
    event = {
        "entityType": "dataset",
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": "globalTags",
        "aspect": {
            "value": json.dumps({"tags": [{"tag": "urn:li:tag:certified"}]}),
            "contentType": "application/json",
        },
    }
    (item, process) = conn.transform(conn.decode(json.dumps(event).encode()))
    assert isinstance(item, PivotAssetItem) and isinstance(process, PivotAssetItem)
    assert item.classification_items == ("DATAHUB.certified",)
    assert item.description and len(item.columns) == 6
    assert process.external_id == f"lineage:{urn}"
    assert fake.requests[-1]["body"]["variables"] == {"urns": [urn]}


def test_owner_emails_come_from_graphql(
    server: tuple[str, FakeDataHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server
    monkeypatch.setenv("DATAHUB_TEST_TOKEN", TOKEN)
    catalog = CatalogConfig(
        name="corp-datahub",
        connector="datahub",
        schedule=None,
        source={"graphql_url": url, "token_setting": "DATAHUB_TEST_TOKEN", "page_size": 500},
    )
    conn = build_connector(catalog)
    items = list(conn.transform(conn.extract(None).records))
    revenue = next(i for i in items if i.external_id == "urn:li:glossaryTerm:Commerce.Finance.Revenue")
    assert isinstance(revenue, PivotGlossaryItem)
    assert [o.id for o in revenue.owners] == ["ben@corp.example"]
    assert conn.report.ignored["owner without a known email"] > 0  # ana.silva has no email in DataHub
