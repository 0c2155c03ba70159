"""``python -m localdev emulator``: run the Purview Data Map emulator in the foreground."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from localdev.purview.faults import FaultConfig
from localdev.purview.models import Options
from localdev.purview.server import EmulatorServer

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8585, help="TCP port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--data-dir", default=None, help="keep state in SQLite here (default: in memory)")
    parser.add_argument("--account-name", default="emulator", help="account name = root collection name")
    parser.add_argument("--capacity-units", type=float, default=None, help="throttle at 25 ops/s per unit")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="probability of an injected 503")
    parser.add_argument("--timeout-rate", type=float, default=0.0, help="probability of an injected timeout")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="how long an injected timeout hangs")
    parser.add_argument("--seed", type=int, default=None, help="seed for injected faults")
    parser.add_argument("--require-auth", action="store_true", help="answer 401 without a Bearer token")
    parser.add_argument("--hard-delete", action="store_true", help="delete entities instead of soft delete")
    parser.add_argument(
        "--default-glossary",
        action="store_true",
        help="start with a glossary named 'Glossary' (classic Purview)",
    )
    parser.add_argument(
        "--strict-attributes",
        action="store_true",
        help="reject attributes a type does not define (Atlas drops them)",
    )
    parser.add_argument(
        "--bulk-classifications-all",
        action="store_true",
        help="apply classifications in bulk upserts to existing entities too (Purview: new ones only)",
    )


def run(args: argparse.Namespace) -> int:
    try:
        faults = FaultConfig(
            capacity_units=args.capacity_units,
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            timeout_rate=args.timeout_rate,
            timeout_s=args.timeout_s,
            seed=args.seed,
        )
        faults.validate()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = Options(
        account_name=args.account_name,
        hard_delete=args.hard_delete,
        bulk_classifications_new_only=not args.bulk_classifications_all,
        strict_attributes=args.strict_attributes,
        default_glossary=args.default_glossary,
    )
    server = EmulatorServer(
        port=args.port,
        data_dir=args.data_dir,
        host=args.host,
        require_auth=args.require_auth,
        options=options,
        **vars(faults),
    )
    try:
        server.start()
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"listening on {server.url}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0
