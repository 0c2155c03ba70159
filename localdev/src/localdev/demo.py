"""``python -m localdev demo`` (``make demo``): the main job on the embedded default.

Starts the Purview Data Map emulator and the local Durable host with this app, syncs every enabled pull
catalog of ``catalogs.yaml`` (the bundled demo catalogs), prints each run's summary, and keeps the emulator's
browse page up until Ctrl-C — or exits at once when not on a terminal or when ``CI=true``. State lives in
``.localdev/``, so a second ``make demo`` shows the unchanged re-sync (no Purview writes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from rich.console import Console

from localdev.app import AppNotFound, add_app_dir_argument, app_attr, app_dir
from localdev.session import LocalApp, RunFailed
from localdev.sync_cli import _print_sync, sync_report

__all__ = ["add_arguments", "run"]

console = Console()
errors = Console(stderr=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogs", type=Path, default=None, help="catalogs file (default: catalogs.yaml)")
    parser.add_argument(
        "--data-dir", type=Path, default=Path(".localdev"), help="state folder (default .localdev)"
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="exit after the syncs instead of serving the page"
    )
    add_app_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    try:
        root = app_dir(args.app_dir)
    except AppNotFound as exc:
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        return 1
    config_error = app_attr("config", "ConfigError", root)
    known_connectors = app_attr("connectors.registry", "known_connectors", root)
    try:
        catalogs = app_attr("config", "load_catalogs", root)(
            args.catalogs, known_connectors=known_connectors()
        )
    except config_error as exc:
        errors.print(f"[red]configuration error[/red]\n{exc}", highlight=False)
        return 1
    names = [c.name for c in catalogs.enabled() if c.pulls]
    status = 0
    with LocalApp(data_dir=args.data_dir, catalogs_file=catalogs.file, app_dir=root) as app:
        assert app.emulator is not None
        console.print(f"Purview emulator: {app.emulator.url}  ·  local Durable host: {app.base_url}")
        for name in names:
            started = time.monotonic()
            try:
                final = app.start_and_wait(f"catalogs/{name}/sync")
            except RunFailed as exc:
                errors.print(f"[red]sync {name} failed[/red]: {exc}", highlight=False)
                status = 1
                continue
            if final["runtimeStatus"] != "Completed":
                errors.print(f"[red]sync {name} {final['runtimeStatus']}[/red]: {final.get('output')}")
                status = 1
                continue
            _print_sync(sync_report(final["output"]))
            console.print(f"({time.monotonic() - started:.1f} s wall time)\n")
        stats = app.emulator.stats()
        console.print(f"The emulator now holds: {dict(sorted(stats['entities'].items()))}")
        interactive = sys.stdin.isatty() and sys.stdout.isatty() and os.environ.get("CI") != "true"
        if interactive and not args.no_wait:
            console.print(f"\nBrowse the result at [bold]{app.emulator.url}/[/bold] — Ctrl-C to stop.")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                console.print("stopped")
    return status
