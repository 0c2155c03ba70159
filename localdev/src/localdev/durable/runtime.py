"""The dispatching core of the local Durable host: queues, worker pools, timers and commits.

Messages live in SQLite and, mirrored, in memory: per-instance inboxes for orchestrations, per-entity inboxes,
a heap of future timers, and the activity pool's queue. Each unit of work is committed in one transaction
before its outgoing messages are dispatched.
"""

from __future__ import annotations

import heapq
import json
import logging
import os
import threading
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from localdev.durable.clock import Clock, SystemClock
from localdev.durable.engine import TERMINAL, Instance, Outgoing, run_episode
from localdev.durable.entities import run_entity_batch
from localdev.durable.functions import FunctionRegistry, run_activity
from localdev.durable.history import EventType, format_time, make_event, parse_time
from localdev.durable.store import Message, Store, Transaction

__all__ = ["Runtime"]

logger = logging.getLogger(__name__)


class Runtime:
    """Owns the store, the in-memory queues and the worker threads; see ``DurableHost`` for the API."""

    def __init__(
        self,
        registry: FunctionRegistry,
        store: Store,
        *,
        clock: Clock | None = None,
        workers: int | None = None,
        orchestrator_workers: int | None = None,
        entity_batch_size: int = 5000,
    ) -> None:
        cores = os.cpu_count() or 1
        self.registry = registry
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.workers = workers or 2 * cores
        self.orchestrator_workers = orchestrator_workers or max(2, cores)
        self.entity_batch_size = entity_batch_size
        self.client_binding: Callable[[], str] | None = None  # set by HostServer: activities' client binding
        self.batch_threshold = 0.02  # seconds; episodes faster than this are re-run at once
        self.batch_factor = 1.0  # wait this many times the last episode before replaying a busy instance
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self._inbox: dict[str, list[Message]] = {}
        self._running: set[str] = set()
        self._blocked: set[str] = set()
        self._timers: list[tuple[str, int, Message]] = []
        self._entity_inbox: dict[str, list[Message]] = {}
        self._entity_running: set[str] = set()
        self._cache: dict[str, Instance] = {}
        self._in_flight = 0
        self._results_lock = threading.Lock()
        self._results: list[tuple[int, Outgoing]] = []
        self._flushing = False
        self._stopping = False
        self._orch_pool: ThreadPoolExecutor | None = None
        self._activity_pool: ThreadPoolExecutor | None = None
        self._timer_thread: threading.Thread | None = None
        self._timer_wake = threading.Event()
        self.clock.subscribe(self._timer_wake.set)

    # ---- lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._orch_pool = ThreadPoolExecutor(self.orchestrator_workers, thread_name_prefix="durable-orch")
        self._activity_pool = ThreadPoolExecutor(self.workers, thread_name_prefix="durable-activity")
        self._timer_thread = threading.Thread(target=self._timer_loop, name="durable-timers", daemon=True)
        self._timer_thread.start()
        self.dispatch(self.store.load_messages())

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
        self._timer_wake.set()
        for pool in (self._activity_pool, self._orch_pool):
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        if self._timer_thread is not None:
            self._timer_thread.join(timeout=5)

    def idle(self) -> bool:
        """No work running or runnable now (future timers do not count)."""
        with self._lock:
            runnable = any(msgs and iid not in self._blocked for iid, msgs in self._inbox.items())
            return self._in_flight == 0 and not runnable and not any(self._entity_inbox.values())

    # ---- dispatch ---------------------------------------------------------------------------------
    def commit_and_dispatch(self, txn: Transaction, outgoing: list[Outgoing] | None = None) -> list[Message]:
        """Persist ``txn`` plus ``outgoing`` messages, then hand the messages to the queues."""
        messages = [self.store.new_message(o.kind, o.target, o.payload, o.visible_at) for o in outgoing or []]
        txn.inserts.extend(messages)
        self.store.commit(txn)
        self.dispatch(messages)
        return messages

    def dispatch(self, messages: list[Message]) -> None:
        with self._lock:
            now = format_time(self.clock.now())
            for message in messages:
                if message.kind == "orch":
                    if message.visible_at is not None and message.visible_at > now:
                        heapq.heappush(self._timers, (message.visible_at, message.id, message))
                        self._timer_wake.set()
                    else:
                        self._inbox.setdefault(message.target, []).append(message)
                        self._blocked.discard(message.target)
                        self._kick(message.target)
                elif message.kind == "activity":
                    self._submit(self._activity_pool, self._run_activity, message)
                elif message.kind == "entity":
                    self._entity_inbox.setdefault(message.target, []).append(message)
                    self._kick_entity(message.target)
            self.changed.notify_all()

    def _submit(self, pool: ThreadPoolExecutor | None, fn: Any, arg: Any) -> None:
        if pool is None or self._stopping:
            return
        self._in_flight += 1
        try:
            pool.submit(self._guard, fn, arg)
        except RuntimeError:  # pool shut down
            self._in_flight -= 1

    def _guard(self, fn: Any, arg: Any) -> None:
        try:
            if not self._stopping:
                fn(arg)
        except Exception:
            logger.exception("durable host work item failed")
        finally:
            with self._lock:
                self._in_flight -= 1
                self.changed.notify_all()

    def _kick(self, instance_id: str) -> None:
        if instance_id in self._running or instance_id in self._blocked or not self._inbox.get(instance_id):
            return
        self._running.add(instance_id)
        self._submit(self._orch_pool, self._episode, instance_id)

    def _kick_entity(self, entity_id: str) -> None:
        if entity_id in self._entity_running or not self._entity_inbox.get(entity_id):
            return
        self._entity_running.add(entity_id)
        self._submit(self._orch_pool, self._entity_batch, entity_id)

    # ---- orchestrations ---------------------------------------------------------------------------
    def load_instance(self, instance_id: str) -> Instance | None:
        cached = self._cache.get(instance_id)
        if cached is not None:
            return cached
        record = self.store.get_instance(instance_id)
        if record is None:
            return None
        return Instance(record, self.store.get_history(instance_id))

    def forget(self, instance_id: str) -> None:
        with self._lock:
            self._cache.pop(instance_id, None)

    def _episode(self, instance_id: str) -> None:
        consumed: set[int] = set()
        began = time.monotonic()
        try:
            with self._lock:
                messages = list(self._inbox.get(instance_id, []))
            instance = self.load_instance(instance_id)
            before = len(instance.history) if instance is not None else 0
            result = run_episode(instance, messages, self.clock.now(), self.registry)
            txn = Transaction(deletes=list(result.consumed))
            if result.instance is not None:
                inst = result.instance
                start = 0 if result.history_reset else before
                if result.history_reset:
                    txn.history_resets.append(instance_id)
                    start = len(inst.history) - len(result.appended)
                if result.appended:
                    txn.history_appends.append((instance_id, start, result.appended))
                txn.instances.append(inst.record)
            self.commit_and_dispatch(txn, result.outgoing)
            consumed = set(result.consumed)
            with self._lock:
                if result.instance is not None:
                    if result.instance.record.status in TERMINAL:
                        self._cache.pop(instance_id, None)
                    else:
                        self._cache[instance_id] = result.instance
        except Exception:
            logger.exception("orchestrator episode for %s failed in the host", instance_id)
            with self._lock:
                self._blocked.add(instance_id)
        finally:
            with self._lock:
                inbox = [m for m in self._inbox.get(instance_id, []) if m.id not in consumed]
                if inbox:
                    self._inbox[instance_id] = inbox
                else:
                    self._inbox.pop(instance_id, None)
                if not consumed and inbox:
                    self._blocked.add(instance_id)  # e.g. suspended: wait for a new message
                # Batching: a replay costs about as much as the last episode took, so let messages gather
                # for that long before replaying again (bounds replay work to about half the time).
                pause = time.monotonic() - began
                if consumed and pause > self.batch_threshold and not self._stopping:
                    delayed = threading.Timer(
                        min(pause * self.batch_factor, 1.0), self._release, args=(instance_id,)
                    )
                    delayed.daemon = True
                    delayed.start()
                else:
                    self._running.discard(instance_id)
                    self._kick(instance_id)
                self.changed.notify_all()

    def _release(self, instance_id: str) -> None:
        with self._lock:
            self._running.discard(instance_id)
            self._kick(instance_id)
            self.changed.notify_all()

    # ---- activities -------------------------------------------------------------------------------
    def _run_activity(self, message: Message) -> None:
        payload = message.payload
        seq = payload["seq"]
        if "http" in payload:
            event = _http_call(payload["http"], seq, self.clock)
        else:
            name = payload["name"]
            fn = self.registry.find("activityTrigger", name)
            try:
                if fn is None:
                    raise LookupError(
                        f"The function '{name}' doesn't exist, is disabled, or is not an activity function."
                    )
                result = run_activity(fn, payload.get("input"), uuid.uuid4().hex, self.client_binding)
                event = make_event(
                    EventType.TASK_COMPLETED, self.clock.now(), TaskScheduledId=seq, Result=result
                )
            except Exception as exc:
                event = make_event(
                    EventType.TASK_FAILED,
                    self.clock.now(),
                    TaskScheduledId=seq,
                    Reason=f"Activity function '{name}' failed: {type(exc).__name__}: {exc}",
                    Details=_user_traceback(exc),
                )
        if self._stopping:
            return  # not committed: the activity runs again on the next start (at-least-once)
        reply = Outgoing(
            "orch", message.target, {"type": "event", "execution_id": payload["execution_id"], "event": event}
        )
        self._complete_activity(message.id, reply)

    def _complete_activity(self, message_id: int, reply: Outgoing) -> None:
        """Group commit: the first finishing worker commits every waiting result in one transaction."""
        with self._results_lock:
            self._results.append((message_id, reply))
            if self._flushing:
                return  # the flushing worker (still in flight) picks this result up
            self._flushing = True
        while True:
            with self._results_lock:
                batch, self._results = self._results, []
                if not batch:
                    self._flushing = False
                    return
            txn = Transaction(deletes=[message_id for message_id, _ in batch])
            self.commit_and_dispatch(txn, [reply for _, reply in batch])

    # ---- entities ---------------------------------------------------------------------------------
    def _entity_batch(self, entity_id: str) -> None:
        consumed: set[int] = set()
        try:
            with self._lock:
                messages = list(self._entity_inbox.get(entity_id, []))[: self.entity_batch_size]
            record = self.store.get_entity(entity_id)
            result = run_entity_batch(self.registry, entity_id, record, messages, self.clock.now())
            txn = Transaction(deletes=[m.id for m in messages], entities=[result.record])
            self.commit_and_dispatch(txn, result.outgoing)
            consumed = {m.id for m in messages}
        except Exception:
            logger.exception("entity batch for %s failed in the host", entity_id)
        finally:
            with self._lock:
                inbox = [m for m in self._entity_inbox.get(entity_id, []) if m.id not in consumed]
                if inbox:
                    self._entity_inbox[entity_id] = inbox
                else:
                    self._entity_inbox.pop(entity_id, None)
                self._entity_running.discard(entity_id)
                if consumed:
                    self._kick_entity(entity_id)
                self.changed.notify_all()

    # ---- timers -----------------------------------------------------------------------------------
    def fire_due_timers(self) -> str | None:
        """Move timers due by the clock into their inboxes; returns the next fire time, if any."""
        with self._lock:
            now = format_time(self.clock.now())
            due: list[Message] = []
            while self._timers and self._timers[0][0] <= now:
                due.append(heapq.heappop(self._timers)[2])
            if due:
                self.dispatch([Message(m.id, m.kind, m.target, m.payload, None) for m in due])
            return self._timers[0][0] if self._timers else None

    def _timer_loop(self) -> None:
        while not self._stopping:
            next_at = self.fire_due_timers()
            wait = self.clock.real_wait_seconds(parse_time(next_at)) if next_at else None
            self._timer_wake.wait(timeout=1.0 if wait is None else min(max(wait, 0.001), 1.0))
            self._timer_wake.clear()

    def pending_timers(self) -> list[str]:
        with self._lock:
            return sorted(t[0] for t in self._timers)


def _user_traceback(exc: BaseException) -> str:
    """The exception as the worker reports it: the user's frames only, not the host's."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "localdev/durable" not in f.filename]
    lines = traceback.format_list(frames) + traceback.format_exception_only(exc)
    return "Traceback (most recent call last):\n" + "".join(lines)


def _http_call(request: dict[str, Any], seq: int, clock: Clock) -> dict[str, Any]:
    """The built-in HTTP activity behind ``context.call_http``."""
    content = request.get("content")
    data = None if content is None else str(content).encode()
    req = urllib.request.Request(
        request.get("uri", ""), data=data, method=str(request.get("method", "GET")).upper()
    )
    for header, value in (request.get("headers") or {}).items():
        req.add_header(header, str(value))
    try:
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, headers, body = resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as err:
            status, headers, body = err.code, dict(err.headers), err.read().decode()
    except Exception as exc:
        return make_event(
            EventType.TASK_FAILED,
            clock.now(),
            TaskScheduledId=seq,
            Reason=f"HTTP call failed: {exc}",
            Details="",
        )
    result = json.dumps({"statusCode": status, "headers": headers, "content": body})
    return make_event(EventType.TASK_COMPLETED, clock.now(), TaskScheduledId=seq, Result=result)
