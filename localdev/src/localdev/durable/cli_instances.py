"""``python -m localdev instances``: what Durable Functions Monitor would show for a local host's data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from localdev.durable.cli_serve import DEFAULT_DATA_DIR
from localdev.durable.history import event_name
from localdev.durable.store import Store

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="the serve command's --data-dir"
    )
    parser.add_argument("--history", metavar="ID", help="show the history of one instance")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _short(text: str | None, width: int = 60) -> str:
    if text is None:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"


def run(args: argparse.Namespace) -> int:
    out = Console()
    err = Console(stderr=True)
    path = args.data_dir / "durable.sqlite3"
    if not path.is_file():
        err.print(f"no local durable state at {escape(str(path))} (start `python -m localdev serve` first)")
        return 1
    store = Store(path)
    try:
        if args.history:
            return _history(store, args.history, out, err, as_json=args.json)
        instances = store.list_instances()
        entities = store.list_entities()
        if args.json:
            out.print_json(
                json.dumps(
                    {
                        "instances": [
                            {
                                "instanceId": r.instance_id,
                                "name": r.name,
                                "runtimeStatus": r.status,
                                "customStatus": r.custom_status,
                                "createdTime": r.created_time,
                                "lastUpdatedTime": r.last_updated,
                            }
                            for r in instances
                        ],
                        "entities": [
                            {
                                "entityId": e.entity_id,
                                "exists": e.exists,
                                "state": e.state,
                                "lastOperationTime": e.last_operation,
                            }
                            for e in entities
                        ],
                    }
                )
            )
            return 0
        table = Table(title=f"Orchestration instances ({len(instances)})")
        for column in ("Instance", "Name", "Status", "Custom status", "Created", "Last updated"):
            table.add_column(column)
        for r in instances:
            table.add_row(
                escape(r.instance_id),
                escape(r.name),
                r.status,
                escape(_short(r.custom_status)),
                r.created_time,
                r.last_updated,
            )
        out.print(table)
        etable = Table(title=f"Entities ({len(entities)})")
        for column in ("Entity", "Exists", "State", "Last operation"):
            etable.add_column(column)
        for e in entities:
            etable.add_row(
                escape(e.entity_id), "yes" if e.exists else "no", escape(_short(e.state)), e.last_operation
            )
        out.print(etable)
        return 0
    finally:
        store.close()


def _history(store: Store, instance_id: str, out: Console, err: Console, *, as_json: bool) -> int:
    record = store.get_instance(instance_id)
    if record is None:
        err.print(f"no instance {escape(instance_id)}")
        return 1
    events = store.get_history(instance_id)
    if as_json:
        out.print_json(json.dumps(events))
        return 0
    out.print(
        f"[bold]{escape(record.name)}[/] {escape(instance_id)}: {record.status}  "
        f"output={escape(_short(record.output, 200))}"
    )
    table = Table(title=f"History ({len(events)} events)")
    for column in ("#", "Event", "EventId", "Timestamp"):
        table.add_column(column, no_wrap=True)
    table.add_column("Details")
    for i, event in enumerate(events):
        details = {
            k: v for k, v in event.items() if k not in ("EventType", "EventId", "IsPlayed", "Timestamp")
        }
        table.add_row(
            str(i),
            event_name(event["EventType"]),
            str(event["EventId"]),
            event["Timestamp"],
            escape(_short(json.dumps(details) if details else "", 90)),
        )
    out.print(table)
    return 0
