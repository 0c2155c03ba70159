"""``python -m localdev demo``: run the main job on the embedded default, as far as it exists today.

Today it loads and validates ``catalogs.yaml``, builds each enabled pull catalog's connector, extracts and
transforms every page, and prints what the catalogs yield (items per kind, rejected records and why).
It does not sync: the sync orchestrations are not wired yet, and the demo says so instead of pretending.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from config import ConfigError, load_catalogs
from connectors.base import Rejected
from connectors.registry import ConnectorError, build_connector, known_connectors

console = Console()
errors = Console(stderr=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogs", type=Path, default=None, help="catalogs file (default: catalogs.yaml)")
    parser.add_argument("--show-items", action="store_true", help="print every item's sync key")


def run(args: argparse.Namespace) -> int:
    try:
        catalogs = load_catalogs(args.catalogs, known_connectors=known_connectors())
    except ConfigError as exc:
        errors.print(f"[red]configuration error[/red]\n{exc}", markup=True, highlight=False)
        return 1
    console.print(f"catalogs file: {catalogs.file} ({len(catalogs)} catalogs)")
    table = Table(title="What the demo catalogs yield (validated pivot items)")
    for column in ("catalog", "connector", "records", "classification", "glossary_term", "asset", "rejected"):
        table.add_column(column, justify="left" if column in ("catalog", "connector") else "right")
    status = 0
    for catalog in catalogs.enabled():
        if not catalog.pulls:
            continue
        try:
            connector = build_connector(catalog, base_dir=Path(catalogs.file or ".").parent)
        except ConnectorError as exc:
            errors.print(f"catalog {catalog.name!r}: {exc}", markup=False)
            status = 1
            continue
        kinds: Counter[str] = Counter()
        rejected: list[Rejected] = []
        cursor: str | None = None
        while True:
            page = connector.extract(cursor)
            for result in connector.transform(page.records):
                if isinstance(result, Rejected):
                    rejected.append(result)
                else:
                    kinds[result.kind] += 1
                    if args.show_items:
                        console.print(
                            f"  {result.sync_key}  fingerprint {result.fingerprint()[:12]}", markup=False
                        )
            cursor = page.next_cursor
            if cursor is None:
                break
        table.add_row(
            catalog.name,
            catalog.connector,
            str(connector.report.records_read),
            str(kinds["classification"]),
            str(kinds["glossary_term"]),
            str(kinds["asset"]),
            str(len(rejected)),
        )
        for bad in rejected[:20]:
            errors.print(f"  rejected {bad.where}: {bad.reason}", markup=False)
    console.print(table)
    console.print(
        "The sync into Purview (local Durable host + Purview emulator) is not wired yet: nothing was written."
    )
    if os.environ.get("CI") != "true":
        console.print("Run `make test` to run the test suite.")
    return status
