"""Collections: find an item's target collection, create missing ones when allowed, move entities.

A target is matched by collection name (Purview's id, often 6 random characters) or by friendly name, both
case-insensitively. A missing collection is created under the configured parent (default: the root collection)
only when ``create_missing`` is set; otherwise every item targeting it fails with a message that says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from purview.client import PurviewHttp
from purview.errors import ItemError, PurviewError

__all__ = ["CollectionDirectory", "collection_name_for", "move_entities"]

logger = logging.getLogger(__name__)
_NAME_CHARS = re.compile(r"[^a-z0-9-]+")


def collection_name_for(friendly_name: str) -> str:
    """A valid collection name (3-36 of ``a-z0-9-``) derived from a friendly name.

    >>> collection_name_for("Sales & Marketing")
    'sales-marketing'
    """
    slug = _NAME_CHARS.sub("-", friendly_name.lower()).strip("-")[:36].strip("-")
    return slug if len(slug) >= 3 else f"{slug}-col"[:36]


class CollectionDirectory:
    """The account's collections, read once, and the creation of missing ones."""

    def __init__(self, http: PurviewHttp, *, parent: str | None = None, create_missing: bool = False) -> None:
        self.http = http
        self.parent = parent
        self.create_missing = create_missing
        self._by_key: dict[str, str] | None = None
        self._root: str | None = None
        self._failed: dict[str, ItemError] = {}

    def _load(self) -> dict[str, str]:
        if self._by_key is not None:
            return self._by_key
        by_key: dict[str, str] = {}
        url: str | None = f"{self.http.endpoint}/account/collections"
        params: list[tuple[str, Any]] | None = [("api-version", self.http.collections_api_version)]
        while url:
            page = self.http.request("GET", url, params=params, operation="collections.list") or {}
            for c in page.get("value") or []:
                name = str(c.get("name"))
                by_key.setdefault(name.lower(), name)
                if c.get("friendlyName"):
                    by_key.setdefault(str(c["friendlyName"]).lower(), name)
                if not c.get("parentCollection"):
                    self._root = name
            url, params = page.get("nextLink"), None
        self._by_key = by_key
        return by_key

    def resolve(self, wanted: str) -> str:
        """The collection name for ``wanted`` (name or friendly name); raises ``ItemError`` when it is
        missing and may not be created (or creating it failed)."""
        known = self._load()
        key = wanted.lower()
        if key in known:
            return known[key]
        if key in self._failed:
            raise self._failed[key]
        if not self.create_missing:
            error = ItemError(
                f"collection '{wanted}' does not exist; create it in Purview or allow the gateway to "
                f"create missing collections (under '{self.parent or self._root or 'the root collection'}')"
            )
            self._failed[key] = error
            raise error
        parent = self.parent or self._root
        name = collection_name_for(wanted)
        body = {
            "friendlyName": wanted,
            "parentCollection": {"referenceName": parent, "type": "CollectionReference"},
        }
        try:
            self.http.account("PUT", f"/collections/{name}", json_body=body, operation="collections.create")
        except PurviewError as exc:
            error = ItemError(f"could not create collection '{wanted}' under '{parent}': {exc}")
            self._failed[key] = error
            raise error from exc
        logger.info("created collection %s ('%s') under %s", name, wanted, parent)
        known[key] = known[name.lower()] = name
        return name


def move_entities(http: PurviewHttp, collection: str, guids: Sequence[str], chunk: int = 100) -> None:
    """Move existing entities into ``collection`` (``POST /datamap/api/entity/moveTo``)."""
    for start in range(0, len(guids), chunk):
        http.request(
            "POST",
            f"{http.endpoint}/datamap/api/entity/moveTo",
            params=[("collectionId", collection), ("api-version", http.api_version or "2023-09-01")],
            json_body={"entityGuids": list(guids[start : start + chunk])},
            operation="collections.move",
        )
