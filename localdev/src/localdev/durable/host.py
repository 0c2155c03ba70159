"""``DurableHost``: the in-process local Durable Functions host (engine + store + client operations).

Example::

    from localdev.durable import DurableHost, ManualClock

    clock = ManualClock()
    with DurableHost("localdev/tests/durable_host/apps/patterns", clock=clock) as host:
        iid = host.start_new("chain", input={"n": 3})
        status = host.wait_for_completion(iid, timeout=10)
        assert status["runtimeStatus"] == "Completed"
"""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from localdev.durable.clock import Clock, ManualClock
from localdev.durable.engine import TERMINAL
from localdev.durable.errors import (
    DurableHostError,
    InstanceExistsError,
    InstanceFinishedError,
    InstanceNotFoundError,
    InvalidRequestError,
)
from localdev.durable.functions import FunctionRegistry, load_app
from localdev.durable.history import Event, EventType, event_name, make_event, parse_time, status_time
from localdev.durable.runtime import Runtime
from localdev.durable.store import EntityRecord, InstanceRecord, Store, Transaction

__all__ = ["DurableHost", "entity_id_of", "status_json"]

_BAD_ID = re.compile(r"[/\\?#\x00-\x1f\x7f]")


def entity_id_of(name: str, key: str) -> str:
    return f"@{name.lower()}@{key}"


class DurableHost:
    """Run a v2-model function app's orchestrations, activities and entities locally.

    ``app`` is a directory holding ``function_app.py`` or a ``func.FunctionApp``/``df.DFApp`` object.
    ``data_dir=None`` uses a temporary directory (deleted on ``stop``); pass a path to keep state across
    restarts. ``workers`` bounds the activity pool (default 2 x cores).
    """

    def __init__(
        self,
        app: str | Path | Any,
        *,
        data_dir: str | Path | None = None,
        workers: int | None = None,
        orchestrator_workers: int | None = None,
        clock: Clock | None = None,
        task_hub: str = "TestHub",
        entity_batch_size: int = 5000,
    ) -> None:
        app_object = load_app(app) if isinstance(app, str | Path) else app
        self.app_dir = Path(app).resolve() if isinstance(app, str | Path) else None
        self.registry = FunctionRegistry.from_app(app_object)
        self.task_hub = task_hub
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="durable-host-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_dir / "durable.sqlite3")
        self.runtime = Runtime(
            self.registry,
            self.store,
            clock=clock,
            workers=workers,
            orchestrator_workers=orchestrator_workers,
            entity_batch_size=entity_batch_size,
        )
        self.clock = self.runtime.clock
        self._client_lock = threading.Lock()
        self._started = False

    # ---- lifecycle --------------------------------------------------------------------------------
    def start(self) -> DurableHost:
        if not self._started:
            self.runtime.start()
            self._started = True
        return self

    def stop(self) -> None:
        if self._started:
            self.runtime.stop()
            self._started = False
        self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> DurableHost:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- orchestration client operations ----------------------------------------------------------
    def start_new(
        self, name: str, instance_id: str | None = None, input: Any = None, *, input_json: str | None = None
    ) -> str:
        """Start orchestrator ``name``; ``input`` is JSON-encoded (``input_json`` is taken as JSON text)."""
        fn = self.registry.find("orchestrationTrigger", name)
        if fn is None:
            raise InvalidRequestError(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator function."
            )
        instance_id = instance_id or uuid.uuid4().hex
        _validate_instance_id(instance_id)
        text = input_json if input_json is not None else (None if input is None else json.dumps(input))
        now = status_time(self.clock.now())
        with self._client_lock:
            existing = self.store.get_instance(instance_id)
            if existing is not None and existing.status not in TERMINAL:
                raise InstanceExistsError(f"An instance with ID '{instance_id}' already exists.")
            self.runtime.forget(instance_id)
            record = InstanceRecord(instance_id, name, "", "Pending", text, None, None, now, now, None, {})
            payload = {
                "type": "start",
                "name": name,
                "instance_id": instance_id,
                "input": text,
                "created": now,
            }
            txn = Transaction(instances=[record], history_resets=[instance_id])
            self.runtime.commit_and_dispatch(txn, [_orch(instance_id, payload)])
        return instance_id

    def get_status(
        self,
        instance_id: str,
        *,
        show_history: bool = False,
        show_input: bool = True,
        show_history_output: bool = True,
    ) -> dict[str, Any] | None:
        """The management API's status JSON for one instance, or None."""
        record = self.store.get_instance(instance_id)
        if record is None:
            return None
        status = status_json(record, show_input=show_input)
        if show_history:
            status["historyEvents"] = [
                _public_event(e, show_history_output) for e in self.history(instance_id)
            ]
        return status

    def history(self, instance_id: str) -> list[Event]:
        """The current execution's history as stored (PascalCase events)."""
        return self.store.get_history(instance_id)

    def list_instances(self) -> list[InstanceRecord]:
        return self.store.list_instances()

    def wait_for_completion(self, instance_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """Block until the instance is Completed/Failed/Terminated; raise TimeoutError after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self.runtime.changed:
            while True:
                status = self.get_status(instance_id)
                if status is not None and status["runtimeStatus"] in TERMINAL:
                    return status
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"instance {instance_id} not finished after {timeout}s: {status}")
                self.runtime.changed.wait(min(remaining, 0.5))

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until no work is running or runnable (timers in the future do not count)."""
        deadline = time.monotonic() + timeout
        with self.runtime.changed:
            while not self.runtime.idle():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("durable host still busy")
                self.runtime.changed.wait(min(remaining, 0.2))

    def advance_clock(self, delta: timedelta | float) -> None:
        """Move a ``ManualClock`` forward (fires due timers)."""
        if not isinstance(self.clock, ManualClock):
            raise DurableHostError("advance_clock needs the host to run on a ManualClock")
        self.clock.advance(delta)
        self.runtime.fire_due_timers()

    def raise_event(
        self, instance_id: str, name: str, data: Any = None, *, data_json: str | None = None
    ) -> None:
        """Send external event ``name``; ``data`` is JSON-encoded (``data_json`` is taken as JSON text)."""
        self._require_running(instance_id)
        text = data_json if data_json is not None else json.dumps(data)
        event = make_event(EventType.EVENT_RAISED, self.clock.now(), Name=name, Input=text)
        self.runtime.commit_and_dispatch(
            Transaction(), [_orch(instance_id, {"type": "event", "event": event})]
        )

    def terminate(self, instance_id: str, reason: str | None = None) -> None:
        self._control(instance_id, "terminate", reason)

    def suspend(self, instance_id: str, reason: str | None = None) -> None:
        self._control(instance_id, "suspend", reason)

    def resume(self, instance_id: str, reason: str | None = None) -> None:
        self._control(instance_id, "resume", reason)

    def purge(self, instance_id: str) -> int:
        """Delete a finished instance and its history; returns the number deleted."""
        record = self.store.get_instance(instance_id)
        if record is None:
            return 0
        self.runtime.forget(instance_id)
        self.store.commit(Transaction(purges=[instance_id]))
        return 1

    # ---- entities -----------------------------------------------------------------------------------
    def signal_entity(
        self, name: str, key: str, operation: str, input: Any = None, *, input_json: str | None = None
    ) -> None:
        """Queue a one-way operation on entity ``name``/``key``."""
        text = input_json if input_json is not None else json.dumps(input)
        payload = {"op": operation, "input": text, "signal": True, "id": str(uuid.uuid4()), "parent": None}
        from localdev.durable.engine import Outgoing

        self.runtime.commit_and_dispatch(
            Transaction(), [Outgoing("entity", entity_id_of(name, key), payload)]
        )

    def read_entity(self, name: str, key: str) -> tuple[bool, Any]:
        """``(exists, state)`` of an entity (state decoded from JSON)."""
        record = self.store.get_entity(entity_id_of(name, key))
        if record is None or not record.exists:
            return False, None
        return True, None if record.state is None else json.loads(record.state)

    def list_entities(self) -> list[EntityRecord]:
        return self.store.list_entities()

    # ---- helpers ------------------------------------------------------------------------------------
    def _require_running(self, instance_id: str) -> InstanceRecord:
        record = self.store.get_instance(instance_id)
        if record is None:
            raise InstanceNotFoundError(f"No instance with ID '{instance_id}' found.")
        if record.status in TERMINAL:
            raise InstanceFinishedError(f"The instance '{instance_id}' is {record.status}.")
        return record

    def _control(self, instance_id: str, kind: str, reason: str | None) -> None:
        self._require_running(instance_id)
        self.runtime.commit_and_dispatch(
            Transaction(), [_orch(instance_id, {"type": kind, "reason": reason})]
        )


def _orch(instance_id: str, payload: dict[str, Any]) -> Any:
    from localdev.durable.engine import Outgoing

    return Outgoing("orch", instance_id, payload)


def _validate_instance_id(instance_id: str) -> None:
    if (
        not instance_id
        or instance_id.startswith("@")
        or len(instance_id) > 256
        or _BAD_ID.search(instance_id)
    ):
        raise InvalidRequestError(
            f"Invalid instance id '{instance_id}': it must not start with '@', contain / \\ ? # or control "
            "characters, and be at most 256 characters."
        )


def _decode(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def status_json(record: InstanceRecord, *, show_input: bool = True) -> dict[str, Any]:
    """The status object of the management API."""
    status = "Running" if record.status == "ContinuedAsNew" else record.status
    return {
        "name": record.name,
        "instanceId": record.instance_id,
        "runtimeStatus": status,
        "input": _decode(record.input) if show_input else None,
        "customStatus": _decode(record.custom_status),
        "output": _decode(record.output),
        "createdTime": record.created_time,
        "lastUpdatedTime": record.last_updated,
    }


def _public_event(event: Event, show_output: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"EventType": event_name(event["EventType"])}
    for key, value in event.items():
        if key in ("EventType", "IsPlayed"):
            continue
        if key == "Result" and not show_output:
            continue
        out[key] = value
    out["Timestamp"] = status_time(parse_time(event["Timestamp"]))
    return out
