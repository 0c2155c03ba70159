"""The emulator's state and rules in one object: store, type registry and one model per resource family."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from localdev.purview.models.collections import Collections
from localdev.purview.models.entities import Entities
from localdev.purview.models.entity_rows import EntityRows
from localdev.purview.models.glossary import Glossary
from localdev.purview.models.options import Options
from localdev.purview.models.relationships import Relationships
from localdev.purview.models.search import Search
from localdev.purview.models.typedefs import TypeRegistry
from localdev.purview.store import Store

__all__ = ["Backend", "Options", "now_ms"]


def now_ms() -> int:
    return int(time.time() * 1000)


class Backend:
    """All state of one emulated Purview account. Thread-safe through ``lock`` (callers take it).

    It composes the models, each given only its collaborators, in the one order their needs allow:
    store <- types <- entity rows <- relationships <- collections <- entities; glossary and search on top.
    """

    def __init__(self, data_dir: str | Path | None = None, *, options: Options | None = None) -> None:
        self.lock = threading.RLock()
        self.options = options or Options()
        self.store = Store(data_dir)
        self.types = TypeRegistry(self.store)
        rows = EntityRows(self.store, self.types)  # read-only: what the other models need of entities
        self.relations = Relationships(self.store, self.types, rows, options=self.options)
        self.collections = Collections(self.store, rows, options=self.options)
        self.entities = Entities(
            self.store, self.types, self.relations, self.collections, options=self.options
        )
        self.glossary = Glossary(self.store, rows, self.relations)
        self.search = Search(self.store, self.types, rows, self.relations)
        self._seed_state()

    def _seed_state(self) -> None:
        with self.lock, self.store.transaction():
            self.collections.ensure_root()
            if self.options.default_glossary and not self.entities.find_active("AtlasGlossary", "Glossary"):
                self.glossary.create_glossary({"name": "Glossary"}, now_ms())

    def reset(self) -> None:
        """Forget everything: entities, relationships, glossaries, user typedefs and collections."""
        with self.lock:
            self.store.clear()
            self.types.load()
            self._seed_state()

    def entity_counts(self) -> dict[str, int]:
        with self.lock:
            rows = self.store.execute(
                "SELECT type_name, COUNT(*) FROM entities WHERE status = 'ACTIVE' GROUP BY type_name"
            ).fetchall()
        return dict(rows)

    def close(self) -> None:
        with self.lock:
            self.store.close()

    def describe(self) -> dict[str, Any]:
        return {"account": self.options.account_name, "store": self.store.path}
