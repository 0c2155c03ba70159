"""Pull entities from a DataHub server over GraphQL: ``scrollAcrossEntities`` pages, raw aspects per entity.

Each search result asks for the entity's raw aspects (``aspects { aspectName payload }``, the payload being
the aspect's JSON text), so pulled entities become the same entity records as files and share one
transform. Paging follows ``nextScrollId``; a page may be empty while a scroll id is still returned.

Errors (all ``DataHubError``): HTTP 401/403 → ``DataHubAuthError`` naming the token setting; other HTTP
errors, timeouts and connection failures → ``DataHubError``; a GraphQL ``errors`` answer →
``DataHubGraphQLError`` with the server's messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

import requests

from connectors.datahub.records import entity_type_of, new_entity, unwrap_unions
from connectors.files import NOT_UNICODE, TooDeep, loads_bounded, unencodable

__all__ = [
    "ENTITIES_QUERY",
    "SCROLL_QUERY",
    "DataHubAuthError",
    "DataHubError",
    "DataHubGraphQLError",
    "GraphQLClient",
    "ScrollPage",
    "entity_record",
]

logger = logging.getLogger(__name__)

_RAW_ASPECTS: Final = "aspects(input: {autoRenderOnly: false}) { aspectName payload }"
_OWNER_EMAILS: Final = (
    "ownership { owners { owner { ... on CorpUser { urn "
    "properties { email } editableProperties { email } } } } } "
)
_TYPES: Final = {
    "Dataset": _OWNER_EMAILS + "parentContainers { containers { urn } } ",
    "Container": "",
    "DataJob": _OWNER_EMAILS,
    "GlossaryTerm": _OWNER_EMAILS,
    "GlossaryNode": _OWNER_EMAILS,
    "Tag": "",
    "Domain": "",
}
"""Types whose raw aspects are read, and what else: their owners' emails (raw aspects hold URNs only)."""
_FRAGMENTS: Final = "".join(
    f"        ... on {t} {{ {_RAW_ASPECTS} {extra}}}\n" for t, extra in _TYPES.items()
)
SCROLL_QUERY: Final = (
    "query scrollEntities($input: ScrollAcrossEntitiesInput!) {\n"
    "  scrollAcrossEntities(input: $input) {\n"
    "    nextScrollId\n"
    "    count\n"
    "    total\n"
    "    searchResults {\n"
    "      entity {\n"
    "        urn\n"
    "        type\n" + _FRAGMENTS + "      }\n"
    "    }\n"
    "  }\n"
    "}\n"
)
"""The query of one page; variables: ``{"input": {types, query, count, scrollId, searchFlags}}``."""
ENTITIES_QUERY: Final = (
    "query entitiesByUrn($urns: [String!]!) {\n  entities(urns: $urns) {\n    urn\n    type\n"
    + _FRAGMENTS
    + "  }\n}\n"
)
"""The current state of given entities (push events are merged on top of it); variables: ``{"urns"}``."""


class DataHubError(Exception):
    """DataHub could not be read (connectivity, HTTP status, unexpected answer)."""


class DataHubAuthError(DataHubError):
    """DataHub refused the token (HTTP 401 or 403)."""


class DataHubGraphQLError(DataHubError):
    """DataHub answered with GraphQL ``errors``."""


@dataclass(frozen=True)
class ScrollPage:
    """Entity records of one scroll page and the next scroll id (None: done)."""

    records: list[dict[str, Any]]
    next_scroll_id: str | None
    total: int | None = None
    """Entities the search matches (DataHub's ``total``): a whole pull reads at least this many."""


class GraphQLClient:
    """A small GraphQL client for one DataHub endpoint; the session is created lazily, timeouts are explicit.

    >>> client = GraphQLClient("http://127.0.0.1:9002/api/graphql", token="t", token_setting="DATAHUB_TOKEN")
    """

    def __init__(
        self,
        url: str,
        *,
        token: str,
        token_setting: str,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.url = url
        self._token = token
        self._token_setting = token_setting
        self.timeout = timeout
        self._session = session

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST one query; the ``data`` of the answer."""
        headers = {"Authorization": f"Bearer {self._token}", "Content-Type": "application/json"}
        try:
            response = self.session.post(
                self.url, json={"query": query, "variables": variables}, headers=headers, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise DataHubError(f"DataHub GraphQL {self.url} timed out after {self.timeout:g} s") from exc
        except requests.RequestException as exc:
            raise DataHubError(f"DataHub GraphQL {self.url} unreachable: {type(exc).__name__}") from exc
        if response.status_code in (401, 403):
            raise DataHubAuthError(
                f"DataHub GraphQL {self.url} refused the token from app setting '{self._token_setting}' "
                f"(HTTP {response.status_code}): check that it is a valid, unexpired personal access token "
                "with read access to metadata"
            )
        if response.status_code >= 400:
            raise DataHubError(
                f"DataHub GraphQL {self.url} answered HTTP {response.status_code} {response.reason}"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise DataHubError(f"DataHub GraphQL {self.url} answered non-JSON content") from exc
        if not isinstance(body, dict):
            raise DataHubError(f"DataHub GraphQL {self.url} answered an unexpected JSON value")
        errors = body.get("errors")
        if errors:
            messages = "; ".join(str(e.get("message") if isinstance(e, dict) else e) for e in errors[:5])
            raise DataHubGraphQLError(f"DataHub GraphQL {self.url} answered errors: {messages}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise DataHubError(f"DataHub GraphQL {self.url} answered without data")
        return data

    def scroll(self, *, types: list[str], query: str, count: int, scroll_id: str | None) -> ScrollPage:
        """One ``scrollAcrossEntities`` page as entity records."""
        variables = {
            "input": {
                "types": types,
                "query": query,
                "count": count,
                "scrollId": scroll_id,
                "searchFlags": {"skipHighlighting": True, "skipAggregates": True},
            }
        }
        data = self.execute(SCROLL_QUERY, variables)
        result = data.get("scrollAcrossEntities")
        if not isinstance(result, dict):
            raise DataHubError(f"DataHub GraphQL {self.url}: answer has no scrollAcrossEntities")
        records = [
            entity_record(r.get("entity"), position=n)
            for n, r in enumerate(result.get("searchResults") or [], start=1)
            if isinstance(r, dict)
        ]
        next_id = result.get("nextScrollId")
        total = result.get("total")
        return ScrollPage(
            records=records,
            next_scroll_id=next_id if isinstance(next_id, str) and next_id else None,
            total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        )

    def fetch_entities(self, urns: list[str]) -> dict[str, dict[str, Any]]:
        """Current entity records of ``urns`` (unknown URNs are absent)."""
        if not urns:
            return {}
        data = self.execute(ENTITIES_QUERY, {"urns": urns})
        found = [entity_record(e, position=n) for n, e in enumerate(data.get("entities") or [], start=1) if e]
        return {r["urn"]: r for r in found if "urn" in r}


def entity_record(entity: Any, *, position: int) -> dict[str, Any]:
    """A GraphQL search result entity → an entity record (or an error record when unusable)."""
    where = f"graphql result {position}"
    if not isinstance(entity, dict) or not isinstance(entity.get("urn"), str):
        return {"error": "search result without an entity urn", "where": where}
    urn = entity["urn"]
    record = new_entity(urn, entity_type_of(urn), f"{where} ({urn})")
    for raw in entity.get("aspects") or []:
        name = raw.get("aspectName") if isinstance(raw, dict) else None
        payload = raw.get("payload") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not isinstance(payload, str):
            continue
        try:  # bounded: a 100,000-deep payload is this entity's problem, not a RecursionError for the run
            record["aspects"][name] = unwrap_unions(loads_bounded(payload))
        except TooDeep as exc:
            record["problems"].append({"where": where, "reason": f"{urn}: aspect {name} payload: {exc}"})
        except ValueError:
            record["problems"].append({"where": where, "reason": f"{urn}: aspect {name} payload is not JSON"})
    status = record["aspects"].get("status")
    record["removed"] = bool(isinstance(status, dict) and status.get("removed"))
    parents = (entity.get("parentContainers") or {}).get("containers") or []
    containers = [c["urn"] for c in parents if isinstance(c, dict) and isinstance(c.get("urn"), str)]
    if containers:
        record["containers"] = containers
    emails = _owner_emails(entity.get("ownership"))
    if emails:
        record["emails"] = emails
    if unencodable(record):  # e.g. a "\ud800" escape: staging could not write the page
        return {"error": NOT_UNICODE, "where": where}
    return record


def _owner_emails(ownership: Any) -> dict[str, str]:
    """corpuser URN → email from the GraphQL ``ownership`` field (editable email first)."""
    found: dict[str, str] = {}
    for owner in (ownership or {}).get("owners") or [] if isinstance(ownership, dict) else []:
        user = owner.get("owner") if isinstance(owner, dict) else None
        if not isinstance(user, dict) or not isinstance(user.get("urn"), str):
            continue
        for holder in ("editableProperties", "properties"):
            email = (user.get(holder) or {}).get("email")
            if isinstance(email, str) and "@" in email:
                found[user["urn"]] = email
                break
    return found
