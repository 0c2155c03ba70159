"""A host-free driver for orchestrator generators, in the spirit of the Durable samples' unit tests.

The orchestrator's own generator runs against a context that records every durable call in order and answers
each from a script; inputs and answers cross a JSON boundary as in a real history, so a value that could not
be stored fails here too. Usage::

    run = drive(sync_catalog, {"catalog": "shop", ...}, answer)
    assert run.names() == ["extract_segment", "plan_waves", ...]
    assert run.output["status"] == "completed"

``answer(call)`` returns the call's result or raises (a failed activity, sub-orchestration or entity call).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FunctionType
from typing import Any

import azure.durable_functions as df

__all__ = ["Call", "DurableFailure", "Run", "drive", "user_function"]

START = datetime(2026, 1, 1, tzinfo=UTC)


class DurableFailure(Exception):
    """What the SDK raises in an orchestrator when a durable task failed."""


@dataclass(frozen=True)
class Call:
    """One durable call: ``kind`` is activity, orchestrator, entity (a call), signal or timer."""

    kind: str
    name: str
    input: Any = None
    operation: str | None = None
    key: str | None = None

    def __str__(self) -> str:
        if self.kind in ("entity", "signal"):
            return f"{self.kind} {self.name}@{self.key}.{self.operation}"
        return f"{self.kind} {self.name}"


def _wire(value: Any) -> Any:
    """A value after it crossed a durable boundary (JSON), or TypeError if it cannot."""
    return json.loads(json.dumps(value))


def _name(function: Any) -> str:
    if isinstance(function, str):
        return function
    return str(function._function.get_function_name())


def user_function(builder: Any) -> Callable[..., Any]:
    """The orchestrator's own generator function behind the SDK's registration wrapper."""
    handle = builder._function._func
    for cell in handle.__closure__ or ():
        if isinstance(cell.cell_contents, FunctionType) and cell.cell_contents.__name__ == handle.__name__:
            return cell.cell_contents
    raise LookupError(f"no orchestrator function behind {handle!r}")


@dataclass
class _Task:
    call: Call


@dataclass
class _All:
    tasks: list[_Task]


@dataclass
class Context:
    """The subset of ``DurableOrchestrationContext`` the app's orchestrators use."""

    input: Any
    now: datetime = START
    instance_id: str = "test-instance"
    calls: list[Call] = field(default_factory=list)
    statuses: list[Any] = field(default_factory=list)
    continued_as_new: Any = None
    _uuids: int = 0

    def get_input(self) -> Any:
        return _wire(self.input)

    @property
    def current_utc_datetime(self) -> datetime:
        return self.now

    def new_uuid(self) -> str:
        self._uuids += 1
        return f"00000000-0000-0000-0000-{self._uuids:012d}"

    def call_activity(self, name: Any, input_: Any = None) -> _Task:
        return _Task(Call("activity", _name(name), _wire(input_)))

    def call_activity_with_retry(
        self, name: Any, retry_options: df.RetryOptions, input_: Any = None
    ) -> _Task:
        del retry_options
        return self.call_activity(name, input_)

    def call_sub_orchestrator(self, name: Any, input_: Any = None, **_: Any) -> _Task:
        return _Task(Call("orchestrator", _name(name), _wire(input_)))

    def call_entity(self, entity: df.EntityId, operation: str, input_: Any = None) -> _Task:
        return _Task(Call("entity", entity.name, _wire(input_), operation, entity.key))

    def signal_entity(self, entity: df.EntityId, operation: str, input_: Any = None) -> None:
        self.calls.append(Call("signal", entity.name, _wire(input_), operation, entity.key))

    def task_all(self, tasks: list[_Task]) -> _All:
        return _All(list(tasks))

    def create_timer(self, fire_at: datetime) -> _Task:
        return _Task(Call("timer", "timer", fire_at.isoformat()))

    def set_custom_status(self, status: Any) -> None:
        text = json.dumps(status)
        assert len(text.encode("utf-16-le")) <= 16 * 1024, "custom status above the 16 KB limit"
        self.statuses.append(json.loads(text))

    def continue_as_new(self, input_: Any) -> None:
        self.continued_as_new = _wire(input_)


@dataclass
class Run:
    """What one orchestration did: its calls in order, its output or failure, its statuses."""

    context: Context
    output: Any = None
    error: BaseException | None = None

    @property
    def calls(self) -> list[Call]:
        return self.context.calls

    def names(self, *kinds: str) -> list[str]:
        """Names of the calls (``entity``/``signal`` as ``name.operation``), optionally of some kinds."""
        return [
            f"{c.name}.{c.operation}" if c.operation else c.name
            for c in self.calls
            if not kinds or c.kind in kinds
        ]

    def of(self, name: str, operation: str | None = None) -> list[Call]:
        return [c for c in self.calls if c.name == name and (operation is None or c.operation == operation)]


Answer = Callable[[Call], Any]


def _resolve(context: Context, task: _Task, answer: Answer) -> Any:
    context.calls.append(task.call)
    if task.call.kind == "timer":
        context.now = datetime.fromisoformat(task.call.input)
        return None
    try:
        return _wire(answer(task.call))
    except DurableFailure:
        raise
    except Exception as exc:  # as the SDK reports a failed task: one line naming the function
        raise DurableFailure(
            f"{task.call.kind.capitalize()} function '{task.call.name}' failed: {exc}"
        ) from exc


def drive(orchestrator: Any, input_: Any, answer: Answer, *, now: datetime = START) -> Run:
    """Run ``orchestrator`` (its FunctionBuilder or plain generator function) to its end."""
    function = orchestrator if isinstance(orchestrator, FunctionType) else user_function(orchestrator)
    context = Context(input_, now=now)
    run = Run(context)
    generator: Generator[Any, Any, Any] = function(context)
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            yielded = generator.throw(error) if error is not None else generator.send(value)
        except StopIteration as stop:
            run.output = _wire(stop.value)
            return run
        except Exception as exc:  # the orchestration failed
            run.error = exc
            return run
        value, error = None, None
        if isinstance(yielded, _All):  # every task runs; the first failure is raised, as the SDK does
            results = []
            for task in yielded.tasks:
                try:
                    results.append(_resolve(context, task, answer))
                except DurableFailure as exc:
                    error = error or exc
                    results.append(None)
            value = results if yielded.tasks else None  # the SDK answers an empty task_all with None
        else:
            try:
                value = _resolve(context, yielded, answer)
            except DurableFailure as exc:
                error = exc
