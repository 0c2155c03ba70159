"""``python -m localdev kafka-bridge``: feed a Kafka topic into a push catalog of a running local host.

Batches go to ``POST {app-url}/admin/functions/events_{catalog}`` (the Event Hub trigger of the catalog);
offsets are committed after the trigger function has run (``?wait=1``).
Needs ``confluent-kafka`` (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from localdev.app import add_app_dir_argument, app_attr, app_dir

__all__ = ["add_arguments", "events_function_name", "run"]


def events_function_name(catalog: str, directory: Path | None = None) -> str:
    """The catalog's Event Hub trigger, named by the app (``triggers.names``)."""
    name: str = app_attr("triggers.names", "event_function_name", app_dir(directory))(catalog)
    return name


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers (HOST:PORT[,HOST:PORT])")
    parser.add_argument("--topic", required=True, help="topic to consume")
    parser.add_argument(
        "--catalog", required=True, help="push catalog whose Event Hub trigger gets the events"
    )
    parser.add_argument(
        "--app-url", default="http://127.0.0.1:7071", help="base URL of `python -m localdev serve`"
    )
    parser.add_argument("--group", default=None, help="consumer group (default: purview-federation-CATALOG)")
    parser.add_argument("--function", default=None, help="function name (default: events_CATALOG)")
    parser.add_argument("--max-batch", type=int, default=100, help="events per batch (default 100)")
    parser.add_argument(
        "--poll-timeout", type=float, default=0.5, help="seconds to wait to fill a batch (default 0.5)"
    )
    parser.add_argument(
        "--consumer-config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra librdkafka consumer setting (repeatable), e.g. session.timeout.ms=3000",
    )
    parser.add_argument(
        "--max-attempts",
        type=int,
        default=None,
        help="give up (exit 1, batch not committed) after this many failed deliveries (default: retry)",
    )
    add_app_dir_argument(parser)


def run(args: argparse.Namespace) -> int:
    from localdev.kafka_bridge import KafkaBridge, http_delivery

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    function = args.function or events_function_name(args.catalog, args.app_dir)
    bridge = KafkaBridge(
        args.bootstrap,
        args.topic,
        http_delivery(args.app_url, function),
        group_id=args.group or f"purview-federation-{args.catalog}",
        max_batch=args.max_batch,
        poll_timeout=args.poll_timeout,
        max_attempts=args.max_attempts,
        consumer_config=_key_values(args.consumer_config),
    )
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    print(f"bridging {args.topic} -> {args.app_url.rstrip('/')}/admin/functions/{function}", file=sys.stderr)
    bridge.start()
    while not stopped.wait(0.5) and bridge.running:
        pass
    bridge.stop()
    print(f"{len(bridge.delivered)} batch(es), {bridge.events_delivered} event(s) delivered", file=sys.stderr)
    if bridge.error is not None:
        print(f"error: {bridge.error}", file=sys.stderr)
        return 1
    return 0


def _key_values(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"error: --consumer-config expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value
    return out
