"""SQLite persistence: one row per entity / relationship / typedef / collection, each a JSON body plus
the indexed columns lookups need ((typeName, qualifiedName) of ACTIVE entities, guid, collection,
relationship ends).

One connection, serialised by the backend's lock; every request runs in one transaction (``transaction()``),
so a failed bulk upsert leaves nothing behind, like Atlas.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Store", "chunks", "dumps", "loads"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    guid TEXT PRIMARY KEY,
    type_name TEXT NOT NULL,
    qualified_name TEXT,
    name TEXT,
    status TEXT NOT NULL,
    collection_id TEXT,
    update_time INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ix_entities_active_qn
    ON entities(type_name, qualified_name) WHERE status = 'ACTIVE';
DROP INDEX IF EXISTS ix_entities_status_type;
CREATE INDEX IF NOT EXISTS ix_entities_collection ON entities(collection_id, status);
CREATE TABLE IF NOT EXISTS relationships (
    guid TEXT PRIMARY KEY,
    type_name TEXT NOT NULL,
    end1_guid TEXT NOT NULL,
    end2_guid TEXT NOT NULL,
    status TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_rel_end1 ON relationships(end1_guid, type_name);
CREATE INDEX IF NOT EXISTS ix_rel_end2 ON relationships(end2_guid, type_name);
CREATE TABLE IF NOT EXISTS typedefs (name TEXT PRIMARY KEY, category TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY, parent TEXT, body TEXT NOT NULL);
"""

TABLES = ("entities", "relationships", "typedefs", "collections")


def chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """``items`` in parts small enough for one ``IN (...)`` list (SQLite bounds the parameters)."""
    return [items[i : i + size] for i in range(0, len(items), size)] or [[]]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def loads(text: str) -> Any:
    return json.loads(text)


class Store:
    """The emulator's SQLite database (``:memory:`` unless a data directory is given)."""

    def __init__(self, data_dir: str | Path | None = None) -> None:
        if data_dir is None:
            target = ":memory:"
        else:
            Path(data_dir).mkdir(parents=True, exist_ok=True)
            target = str(Path(data_dir) / "purview.sqlite3")
        self.path = target
        self.conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL" if data_dir else "PRAGMA journal_mode=MEMORY")
        # no fsync: a killed emulator keeps its data (the OS has it); only a machine crash could lose some
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute(
            "PRAGMA cache_size=-524288"
        )  # up to 512 MiB of pages: 1M entities' indexes stay hot
        self.conn.execute("PRAGMA mmap_size=1073741824")
        self.conn.execute("PRAGMA temp_store=MEMORY")
        self.conn.executescript(SCHEMA)
        self._depth = 0

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Run a block in one transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self._depth = 1
        self.conn.execute("BEGIN")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def clear(self) -> None:
        with self.transaction():
            for table in TABLES:
                self.conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        self.conn.close()
