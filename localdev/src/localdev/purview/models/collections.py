"""Collections (account plane) and moving entities between them.

The root collection is named after the account. Limits from the Purview docs: at most 256 collections and
8 levels below the root.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from localdev.purview.exceptions import AccountError, atlas
from localdev.purview.models.entity_rows import EntityRows
from localdev.purview.models.options import Options
from localdev.purview.store import Store, dumps, loads

__all__ = ["Collections"]

Body = dict[str, Any]
MAX_COLLECTIONS = 256
MAX_DEPTH = 8


def _iso(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts / 1000, tz=dt.UTC).isoformat().replace("+00:00", "Z")


class Collections:
    """Collection CRUD and entity moves."""

    def __init__(self, store: Store, entities: EntityRows, *, options: Options) -> None:
        self.store = store
        self.entities = entities
        self.options = options

    @property
    def root_name(self) -> str:
        return self.options.account_name

    def _body(self, name: str, friendly: str, parent: str | None, description: str | None, ts: int) -> Body:
        body: Body = {
            "name": name,
            "friendlyName": friendly,
            "collectionProvisioningState": "Succeeded",
            "systemData": {
                "createdAt": _iso(ts),
                "createdBy": "admin",
                "createdByType": "User",
                "lastModifiedAt": _iso(ts),
                "lastModifiedBy": "admin",
                "lastModifiedByType": "User",
            },
        }
        if description is not None:
            body["description"] = description
        if parent is not None:
            body["parentCollection"] = {"type": "CollectionReference", "referenceName": parent}
        return body

    def ensure_root(self) -> None:
        if self.get_or_none(self.root_name) is None:
            ts = 0
            body = self._body(self.root_name, self.root_name, None, "The root collection.", ts)
            self.store.execute(
                "INSERT INTO collections(name, parent, body) VALUES (?, ?, ?)",
                (self.root_name, None, dumps(body)),
            )

    def get_or_none(self, name: str) -> Body | None:
        row = self.store.execute("SELECT body FROM collections WHERE name = ?", (name.lower(),)).fetchone()
        return loads(row[0]) if row else None

    def get(self, name: str) -> Body:
        body = self.get_or_none(name)
        if body is None:
            raise AccountError(404, "CollectionNotFound", f"Collection {name} not found.", target=name)
        return body

    def require(self, name: str) -> Body:
        """For Atlas-plane callers (collection upload, moveTo, collectionId on upsert)."""
        body = self.get_or_none(name)
        if body is None:
            raise atlas("BAD_REQUEST", f"Collection {name} does not exist")
        return body

    def depth(self, name: str) -> int:
        depth = 0
        body = self.get_or_none(name)
        while body is not None and body.get("parentCollection"):
            depth += 1
            body = self.get_or_none(body["parentCollection"]["referenceName"])
        return depth

    def page(self, skip: int = 0, top: int = 1000) -> tuple[list[Body], int]:
        rows = self.store.execute("SELECT body FROM collections ORDER BY name").fetchall()
        bodies = [loads(r[0]) for r in rows]
        return bodies[skip : skip + top], len(bodies)

    def create_or_update(self, name: str, payload: Any, ts: int) -> Body:
        if not isinstance(payload, dict):
            raise AccountError(400, "BadRequest", "The request body must be a JSON object.")
        key = name.lower()
        existing = self.get_or_none(key)
        parent_ref = (payload.get("parentCollection") or {}).get("referenceName")
        if key == self.root_name:
            parent = None
        elif parent_ref is None:
            if existing is None:
                raise AccountError(
                    400, "InvalidParentCollection", "parentCollection is required.", target=name
                )
            parent = existing["parentCollection"]["referenceName"]
        else:
            parent = str(parent_ref).lower()
            if self.get_or_none(parent) is None:
                raise AccountError(
                    400,
                    "InvalidParentCollection",
                    f"Parent collection {parent_ref} does not exist.",
                    target=name,
                )
            if parent == key:
                raise AccountError(400, "InvalidParentCollection", "A collection cannot be its own parent.")
            if self.depth(parent) + 1 > MAX_DEPTH:
                raise AccountError(
                    400, "CollectionDepthExceeded", f"Collections are limited to {MAX_DEPTH} levels."
                )
        if existing is None:
            _, total = self.page()
            if total >= MAX_COLLECTIONS:
                raise AccountError(400, "CollectionLimitExceeded", f"At most {MAX_COLLECTIONS} collections.")
        friendly = payload.get("friendlyName") or (existing or {}).get("friendlyName") or name
        description = payload.get("description", (existing or {}).get("description"))
        body = self._body(key, friendly, parent, description, ts)
        if existing is not None:
            body["systemData"]["createdAt"] = existing["systemData"]["createdAt"]
        self.store.execute(
            "INSERT OR REPLACE INTO collections(name, parent, body) VALUES (?, ?, ?)",
            (key, parent, dumps(body)),
        )
        return body

    def delete(self, name: str) -> None:
        key = name.lower()
        self.get(key)
        if key == self.root_name:
            raise AccountError(400, "CannotDeleteRootCollection", "The root collection cannot be deleted.")
        child = self.store.execute("SELECT 1 FROM collections WHERE parent = ? LIMIT 1", (key,)).fetchone()
        if child is not None:
            raise AccountError(400, "CollectionHasChildren", f"Collection {name} has child collections.")
        asset = self.store.execute(
            "SELECT 1 FROM entities WHERE collection_id = ? AND status = 'ACTIVE' LIMIT 1", (key,)
        ).fetchone()
        if asset is not None:
            raise AccountError(400, "CollectionHasAssets", f"Collection {name} still holds assets.")
        self.store.execute("DELETE FROM collections WHERE name = ?", (key,))

    def children(self, name: str) -> list[str]:
        self.get(name)
        rows = self.store.execute(
            "SELECT name FROM collections WHERE parent = ? ORDER BY name", (name.lower(),)
        )
        return [r[0] for r in rows]

    def path(self, name: str) -> Body:
        body = self.get(name)
        names: list[str] = []
        friendly: list[str] = []
        cur: Body | None = body
        while cur is not None and cur.get("parentCollection"):
            cur = self.get_or_none(cur["parentCollection"]["referenceName"])
            if cur is not None:
                names.insert(0, cur["name"])
                friendly.insert(0, cur["friendlyName"])
        return {"parentNameChain": names, "parentFriendlyNameChain": friendly}

    def move(self, name: str, guids: Any, ts: int) -> Body:
        target = self.require(name)["name"]
        if not isinstance(guids, list):
            raise atlas("INVALID_PARAMETERS", "entityGuids")
        bodies = self.entities.load([str(g) for g in guids])
        updated = []
        for g in guids:
            body = bodies.get(str(g))
            if body is None or body.get("status") != "ACTIVE":
                raise atlas("INSTANCE_GUID_NOT_FOUND", g)
            body["collectionId"] = target
            body["updateTime"] = ts
            body["version"] = int(body.get("version", 0)) + 1
            self.store.execute(
                "UPDATE entities SET collection_id = ?, body = ?, update_time = ? WHERE guid = ?",
                (target, dumps(body), ts, body["guid"]),
            )
            updated.append(self.entities.header(body))
        return {"mutatedEntities": {"UPDATE": updated}} if updated else {}
