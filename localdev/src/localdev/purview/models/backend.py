"""The emulator's state and rules in one object: store, type registry and one model per resource family."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localdev.purview.models.collections import Collections
from localdev.purview.models.entities import Entities
from localdev.purview.models.glossary import Glossary
from localdev.purview.models.relationships import Relationships
from localdev.purview.models.search import Search
from localdev.purview.models.typedefs import TypeRegistry
from localdev.purview.store import Store

__all__ = ["Backend", "Options", "now_ms"]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Options:
    """Behaviour switches where Purview's exact behaviour is unverified or a quirk."""

    account_name: str = "emulator"
    hard_delete: bool = False
    bulk_classifications_new_only: bool = True
    strict_attributes: bool = False
    default_glossary: bool = False  # classic Purview accounts start with a glossary named "Glossary"


class Backend:
    """All state of one emulated Purview account. Thread-safe through ``lock`` (callers take it)."""

    def __init__(self, data_dir: str | Path | None = None, *, options: Options | None = None) -> None:
        self.lock = threading.RLock()
        self.options = options or Options()
        self.store = Store(data_dir)
        self.types = TypeRegistry(self.store)
        self.relations = Relationships(self)
        self.entities = Entities(self)
        self.glossary = Glossary(self)
        self.collections = Collections(self)
        self.search = Search(self)
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
