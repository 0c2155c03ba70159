"""``python -m localdev serve``: run a v2-model function app on the local Durable host (``func start``)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from rich.console import Console

from localdev.durable.app_settings import durable_settings, load_local_settings
from localdev.durable.errors import DurableHostError
from localdev.durable.host import DurableHost
from localdev.durable.http_triggers import route_prefix

__all__ = ["add_arguments", "run"]

DEFAULT_DATA_DIR = Path(".localdev") / "durable"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-dir", type=Path, default=Path("."), help="directory holding function_app.py")
    parser.add_argument("--port", type=int, default=7071, help="loopback port (0 picks a free one)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where the SQLite state lives (kept across runs)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="activity worker threads (default: host.json maxConcurrentActivityFunctions, else 2 x cores)",
    )
    parser.add_argument(
        "--task-hub", default=None, help="task hub name (default: host.json hubName, else TestHub)"
    )
    parser.add_argument(
        "--no-timers", action="store_true", help="do not run timer triggers on their schedule"
    )


def run(args: argparse.Namespace) -> int:
    from localdev.durable.server import HostServer

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    app_dir = Path(args.app_dir).resolve()
    loaded = load_local_settings(app_dir)  # before the import: apps read settings at import time
    if loaded:
        err.print(f"local.settings.json: {len(loaded)} value(s) loaded", markup=False)
    settings = durable_settings(app_dir)
    try:
        host = DurableHost(
            app_dir,
            data_dir=args.data_dir,
            workers=args.workers or settings.max_activities,
            orchestrator_workers=settings.max_orchestrators,
            task_hub=args.task_hub or settings.hub_name,
        )
    except DurableHostError as exc:
        err.print(f"[red]{type(exc).__name__}:[/] {exc}", markup=True)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with host:
        server = HostServer(host, port=args.port, timer_triggers=not args.no_timers)
        try:
            server.start()
        except OSError as exc:
            err.print(f"cannot listen on 127.0.0.1:{args.port}: {exc}", markup=False)
            return 1
        try:
            prefix = route_prefix(host.app_dir)
            for fn in sorted(host.registry.functions, key=lambda f: f.name.lower()):
                where = ""
                if fn.trigger_type == "httpTrigger":
                    methods = ",".join(fn.trigger.get("methods") or ["*"])
                    where = f" [{methods}] {server.base_url}/{prefix}/{fn.trigger.get('route') or fn.name}"
                err.print(f"  {fn.name}: {fn.trigger_type}{where}", markup=False)
            print(f"listening on {server.base_url}", flush=True)
            sys.stdout.flush()
            stop.wait()
        finally:
            server.stop()
    out.print("stopped", markup=False)
    return 0
