"""A local Microsoft Purview Data Map emulator: HTTP on loopback, state in SQLite.

Start one in-process with ``EmulatorServer`` (or ``testing.running_emulator``), or from the command line
with ``python -m localdev emulator --port 8585``. See docs/emulator.md.
"""

from localdev.purview.faults import FaultConfig
from localdev.purview.models import Backend, Options
from localdev.purview.server import EmulatorServer
from localdev.purview.testing import datamap_client, pyapacheatlas_client, running_emulator

__all__ = [
    "Backend",
    "EmulatorServer",
    "FaultConfig",
    "Options",
    "datamap_client",
    "pyapacheatlas_client",
    "running_emulator",
]
