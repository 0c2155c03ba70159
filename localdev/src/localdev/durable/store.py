"""SQLite persistence for the local Durable host: instances, history, messages, timers and entity state.

Every unit of work (an orchestrator episode, an activity result, an entity batch) is committed in one
transaction, so a host killed at any point restarts from a consistent state: messages not yet deleted are
delivered again (activities in flight are re-run: at-least-once, like Azure).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["EntityRecord", "InstanceRecord", "Message", "Store", "Transaction"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, execution_id TEXT NOT NULL, status TEXT NOT NULL,
    input TEXT, output TEXT, custom_status TEXT, created_time TEXT NOT NULL, last_updated TEXT NOT NULL,
    parent TEXT, runtime TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_created ON instances(created_time);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL, idx INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (instance_id, idx)
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, target TEXT NOT NULL, visible_at TEXT, payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    entity_id TEXT PRIMARY KEY, name TEXT NOT NULL, key TEXT NOT NULL, exists_ INTEGER NOT NULL,
    state TEXT, last_operation TEXT NOT NULL
);
"""


@dataclass
class Message:
    """A queued unit of work: ``kind`` is ``orch``, ``activity`` or ``entity``; ``visible_at`` delays it."""

    id: int
    kind: str
    target: str
    payload: dict[str, Any]
    visible_at: str | None = None


@dataclass
class InstanceRecord:
    """The status columns of one orchestration instance (history is stored separately)."""

    instance_id: str
    name: str
    execution_id: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created_time: str
    last_updated: str
    parent: dict[str, Any] | None
    runtime: dict[str, Any]


@dataclass
class EntityRecord:
    """The persisted state of one entity (``state`` is JSON text)."""

    entity_id: str
    name: str
    key: str
    exists: bool
    state: str | None
    last_operation: str


@dataclass
class Transaction:
    """Everything one unit of work changes, committed atomically by ``Store.commit``."""

    instances: list[InstanceRecord] = field(default_factory=list)
    history_resets: list[str] = field(default_factory=list)
    history_appends: list[tuple[str, int, list[dict[str, Any]]]] = field(default_factory=list)
    history_updates: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    inserts: list[Message] = field(default_factory=list)
    deletes: list[int] = field(default_factory=list)
    entities: list[EntityRecord] = field(default_factory=list)
    purges: list[str] = field(default_factory=list)


class Store:
    """A SQLite database (WAL) holding all durable state; ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        target = str(path) if path is not None else ":memory:"
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            if path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()
        self._next_id = int(row[0]) + 1

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def new_message(
        self, kind: str, target: str, payload: dict[str, Any], visible_at: str | None = None
    ) -> Message:
        """A message with a fresh id (persisted only when a transaction carrying it commits)."""
        with self._lock:
            message_id = self._next_id
            self._next_id += 1
        return Message(message_id, kind, target, payload, visible_at)

    def commit(self, txn: Transaction) -> None:
        """Apply ``txn`` in one SQLite transaction."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN")
            try:
                for instance_id in txn.purges:
                    conn.execute("DELETE FROM instances WHERE instance_id=?", (instance_id,))
                    conn.execute("DELETE FROM history WHERE instance_id=?", (instance_id,))
                for instance_id in txn.history_resets:
                    conn.execute("DELETE FROM history WHERE instance_id=?", (instance_id,))
                for instance_id, start, events in txn.history_appends:
                    conn.executemany(
                        "INSERT OR REPLACE INTO history(instance_id, idx, event) VALUES (?,?,?)",
                        [(instance_id, start + i, json.dumps(ev)) for i, ev in enumerate(events)],
                    )
                for instance_id, idx, event in txn.history_updates:
                    conn.execute(
                        "UPDATE history SET event=? WHERE instance_id=? AND idx=?",
                        (json.dumps(event), instance_id, idx),
                    )
                conn.executemany(
                    "INSERT OR REPLACE INTO instances VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    [_instance_row(rec) for rec in txn.instances],
                )
                if txn.deletes:
                    conn.executemany("DELETE FROM messages WHERE id=?", [(i,) for i in txn.deletes])
                conn.executemany(
                    "INSERT OR REPLACE INTO messages(id, kind, target, visible_at, payload) "
                    "VALUES (?,?,?,?,?)",
                    [(m.id, m.kind, m.target, m.visible_at, json.dumps(m.payload)) for m in txn.inserts],
                )
                conn.executemany(
                    "INSERT OR REPLACE INTO entities VALUES (?,?,?,?,?,?)",
                    [
                        (e.entity_id, e.name, e.key, int(e.exists), e.state, e.last_operation)
                        for e in txn.entities
                    ],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    # ---- reads -------------------------------------------------------------------------------------
    def load_messages(self) -> list[Message]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, kind, target, visible_at, payload FROM messages ORDER BY id"
            ).fetchall()
        return [Message(r[0], r[1], r[2], json.loads(r[4]), r[3]) for r in rows]

    def get_instance(self, instance_id: str) -> InstanceRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM instances WHERE instance_id=?", (instance_id,)).fetchone()
        return None if row is None else _instance_from_row(row)

    def list_instances(self) -> list[InstanceRecord]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM instances ORDER BY created_time, instance_id").fetchall()
        return [_instance_from_row(r) for r in rows]

    def get_history(self, instance_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT event FROM history WHERE instance_id=? ORDER BY idx", (instance_id,)
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get_entity(self, entity_id: str) -> EntityRecord | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM entities WHERE entity_id=?", (entity_id,)).fetchone()
        return None if row is None else EntityRecord(row[0], row[1], row[2], bool(row[3]), row[4], row[5])

    def list_entities(self) -> list[EntityRecord]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM entities ORDER BY entity_id").fetchall()
        return [EntityRecord(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]


def _instance_row(rec: InstanceRecord) -> tuple[Any, ...]:
    return (
        rec.instance_id,
        rec.name,
        rec.execution_id,
        rec.status,
        rec.input,
        rec.output,
        rec.custom_status,
        rec.created_time,
        rec.last_updated,
        None if rec.parent is None else json.dumps(rec.parent),
        json.dumps(rec.runtime),
    )


def _instance_from_row(row: tuple[Any, ...]) -> InstanceRecord:
    return InstanceRecord(
        instance_id=row[0],
        name=row[1],
        execution_id=row[2],
        status=row[3],
        input=row[4],
        output=row[5],
        custom_status=row[6],
        created_time=row[7],
        last_updated=row[8],
        parent=None if row[9] is None else json.loads(row[9]),
        runtime=json.loads(row[10]),
    )
