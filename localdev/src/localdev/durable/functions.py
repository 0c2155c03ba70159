"""Discover a v2-model function app's functions and invoke them the way the Functions host does.

Orchestrators and entities get the context JSON string, activities get their input through the SDK's
activity-trigger converter, client functions get the durable client binding JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.durable_functions import ActivityTriggerConverter
from azure.functions.meta import Datum

from localdev.app import app_on_path
from localdev.durable.errors import FunctionLoadError

__all__ = ["AppFunction", "FunctionLoadError", "FunctionRegistry", "call_function", "load_app"]

DURABLE_TRIGGERS = ("orchestrationTrigger", "activityTrigger", "entityTrigger")
# the trigger property naming a durable function when it differs from the Python function's name
_ALIAS_KEYS = {
    "orchestrationTrigger": "orchestration",
    "activityTrigger": "activity",
    "entityTrigger": "entityName",
}


@dataclass(frozen=True)
class AppFunction:
    """One function of the app: its name, trigger binding and the callable the host invokes."""

    name: str
    trigger_type: str
    trigger_param: str
    trigger: dict[str, Any]
    func: Callable[..., Any]
    bindings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def client_param(self) -> str | None:
        for binding in self.bindings:
            if binding.get("type") == "durableClient":
                return str(binding["name"])
        return None


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class FunctionRegistry:
    """The app's functions by kind; durable names are matched case-insensitively as in Azure."""

    def __init__(self, functions: list[AppFunction]) -> None:
        self.functions = functions
        self._by_kind: dict[str, dict[str, AppFunction]] = {}
        for fn in functions:
            names = self._by_kind.setdefault(fn.trigger_type, {})
            names[fn.name.lower()] = fn
            alias = fn.trigger.get(_ALIAS_KEYS.get(fn.trigger_type, ""))
            if isinstance(alias, str) and alias:
                names.setdefault(alias.lower(), fn)

    def find(self, trigger_type: str, name: str) -> AppFunction | None:
        return self._by_kind.get(trigger_type, {}).get(name.lower())

    def names(self, trigger_type: str) -> list[str]:
        return sorted({fn.name for fn in self._by_kind.get(trigger_type, {}).values()})

    def of_type(self, trigger_type: str) -> list[AppFunction]:
        return list(self._by_kind.get(trigger_type, {}).values())

    @classmethod
    def from_app(cls, app: Any) -> FunctionRegistry:
        """Build from a ``func.FunctionApp``/``df.DFApp`` (``get_functions`` may only be called once)."""
        cached = getattr(app, "_localdev_registry", None)
        if isinstance(cached, FunctionRegistry):
            return cached
        functions: list[AppFunction] = []
        # get_functions checks names against those an earlier call recorded (a test may have called it)
        if getattr(app, "functions_bindings", None):
            app.functions_bindings = {}
        for function in app.get_functions():
            trigger = function.get_trigger()
            bindings = [_plain(b.get_dict_repr()) for b in function.get_bindings()]
            trigger_dict = next(b for b in bindings if b.get("type") == trigger.type)
            functions.append(
                AppFunction(
                    name=function.get_function_name(),
                    trigger_type=trigger.type,
                    trigger_param=trigger.name,
                    trigger=trigger_dict,
                    func=function.get_user_function(),
                    bindings=bindings,
                )
            )
        registry = cls(functions)
        app._localdev_registry = registry
        return registry


def load_app(app_dir: str | Path) -> Any:
    """Import ``app_dir/function_app.py`` and return its app object (imported once per directory).

    While ``function_app.py`` runs, ``app_dir`` is first on ``sys.path`` so the app's own packages win;
    then it moves to the end (later lazy imports still resolve) so a loaded app never shadows another
    module. The module has a private name, so a later ``import function_app`` elsewhere is not affected.
    """
    directory = Path(app_dir).resolve()
    path = directory / "function_app.py"
    if not path.is_file():
        raise FunctionLoadError(f"{path} not found: --app-dir must hold a v2-model function_app.py")
    module_name = f"_localdev_app_{hashlib.sha1(str(directory).encode()).hexdigest()[:12]}"
    for candidate in (module_name, "function_app"):
        existing = sys.modules.get(candidate)
        if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == path:
            return _find_app(existing, path)
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FunctionLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with app_on_path(directory):
            spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise FunctionLoadError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    return _find_app(module, path)


def _find_app(module: Any, path: Path) -> Any:
    for value in vars(module).values():
        if isinstance(value, func.FunctionRegister):
            return value
    raise FunctionLoadError(f"{path} defines no func.FunctionApp / df.DFApp object")


def call_function(fn: AppFunction, kwargs: dict[str, Any]) -> Any:
    """Call a function with the keyword arguments its signature accepts; coroutines run to completion."""
    accepted = _accepted(fn.func, kwargs)
    result = fn.func(**accepted)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _accepted(target: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return kwargs
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return kwargs
    return {k: v for k, v in kwargs.items() if k in params}


def accepted_kwargs(target: Callable[..., Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``kwargs`` that ``target`` declares (public for the HTTP trigger server)."""
    return _accepted(target, kwargs)


def run_activity(
    fn: AppFunction,
    input_text: str | None,
    invocation_id: str,
    client_binding: Callable[[], str] | None = None,
) -> str:
    """Run an activity: decode its input and encode its output with the activity trigger converter.

    An activity may also declare a durable client input binding (as in Azure); it gets the binding JSON of
    the running management API, which exists only while a ``HostServer`` serves the host.
    """
    datum = Datum(type="string", value=input_text if input_text is not None else "null")
    value = ActivityTriggerConverter.decode(datum, trigger_metadata=None)
    kwargs = {fn.trigger_param: value, "context": _Context(invocation_id, fn.name)}
    if fn.client_param:
        if client_binding is None:
            raise RuntimeError(
                f"activity {fn.name!r} takes a durable client binding: run the host with a HostServer (serve)"
            )
        kwargs[fn.client_param] = client_binding()
    result = call_function(fn, kwargs)
    encoded = ActivityTriggerConverter.encode(result, expected_type=None)
    return str(encoded.value)


@dataclass
class _Context:
    """The subset of ``func.Context`` user code commonly reads."""

    invocation_id: str
    function_name: str
    function_directory: str = ""
    trace_context: Any = None
    retry_context: Any = None
