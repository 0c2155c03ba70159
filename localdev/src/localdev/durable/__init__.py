"""The local Durable Functions host: runs a v2-model ``function_app.py`` with the real SDK.

Use ``DurableHost`` in-process (tests), ``HostServer`` to serve HTTP triggers and the management API, or
``python -m localdev serve --app-dir DIR --port PORT`` (docs/localdev.md).
"""

from localdev.durable.clock import Clock, ManualClock, SystemClock
from localdev.durable.errors import (
    DurableHostError,
    FunctionLoadError,
    InstanceExistsError,
    InstanceFinishedError,
    InstanceNotFoundError,
    InvalidRequestError,
)
from localdev.durable.host import DurableHost
from localdev.durable.server import HostServer

__all__ = [
    "Clock",
    "DurableHost",
    "DurableHostError",
    "FunctionLoadError",
    "HostServer",
    "InstanceExistsError",
    "InstanceFinishedError",
    "InstanceNotFoundError",
    "InvalidRequestError",
    "ManualClock",
    "SystemClock",
]
