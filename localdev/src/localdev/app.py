"""The function app that localdev runs: found in a folder, never installed, imported only through here.

The app is not a distribution: it is a folder holding ``function_app.py`` (this repository's root). Its
folder is ``--app-dir``, else ``$LOCALDEV_APP_DIR``, else the current directory. localdev's own code (the
local host, the emulator, the Kafka bridge) knows nothing of the app; the few commands that do (``sync``,
``cleanup``, ``demo``, ``kafka-bridge``) reach its modules through ``app_module`` and the names below, so
the whole dependency on the app is this file. The app never imports localdev (a test in the app keeps it so).

from localdev.app import app_dir, app_module

config = app_module("config", app_dir())
catalogs = config.load_catalogs(None)
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "APP_DIR_ENV",
    "AppNotFound",
    "add_app_dir_argument",
    "app_attr",
    "app_dir",
    "app_module",
    "app_on_path",
    "reset_app_caches",
]

APP_DIR_ENV = "LOCALDEV_APP_DIR"

# Every app module localdev names (its whole contract with the app):
#   config                 load_catalogs, ConfigError          (demo)
#   connectors.registry    known_connectors                    (demo)
#   triggers.names         event_function_name                 (kafka-bridge)
#   activities.resources   reset: forgets per-process settings (LocalApp, between runs in one process)
RESET_MODULE, RESET_FUNCTION = "activities.resources", "reset"


class AppNotFound(Exception):
    """The app folder holds no ``function_app.py``."""


def app_dir(explicit: str | Path | None = None) -> Path:
    """The app's folder: ``explicit``, else ``$LOCALDEV_APP_DIR``, else the current directory."""
    directory = Path(explicit or os.environ.get(APP_DIR_ENV) or Path.cwd()).resolve()
    if not (directory / "function_app.py").is_file():
        raise AppNotFound(
            f"{directory} holds no function_app.py: run from the app's folder or pass --app-dir "
            f"(or set {APP_DIR_ENV})"
        )
    return directory


@contextmanager
def app_on_path(directory: Path) -> Iterator[None]:
    """Put ``directory`` first on ``sys.path`` for the block, then last, so later lazy imports still resolve.

    First while importing, so the app's own packages win over a same-named installed module; last
    afterwards, so the app never shadows a module imported later by someone else.
    """
    entry = str(directory)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)
        if entry not in sys.path:
            sys.path.append(entry)


def app_module(name: str, directory: Path | None = None) -> ModuleType:
    """Import the app's module ``name`` (e.g. ``"config"``) from the app folder."""
    root = directory or app_dir()
    with app_on_path(root):
        return importlib.import_module(name)


def app_attr(module: str, attribute: str, directory: Path | None = None) -> Any:
    """One attribute of an app module (a function or class named in the contract above)."""
    return getattr(app_module(module, directory), attribute)


def reset_app_caches(directory: Path | None = None) -> None:
    """Make the app forget its per-process settings and clients (after localdev changed its environment)."""
    app_attr(RESET_MODULE, RESET_FUNCTION, directory)()


def add_app_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=None,
        help=f"folder holding the app's function_app.py (default: ${APP_DIR_ENV} or the current directory)",
    )
