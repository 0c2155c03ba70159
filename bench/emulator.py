"""Benchmark of the Purview emulator: bulk upserts and qualifiedName lookups.

    .venv/bin/python -m bench.emulator                      # 100,000 entities, batches of 100, in-process
    .venv/bin/python -m bench.emulator --entities 20000 --data-dir /tmp/pv --json

Each batch holds tables and their columns (1 table + 9 columns, the shape the importer sends), uploaded with
placeholder guids to ``/catalog/api/atlas/v2/entity/bulk`` by ``--workers`` client threads. Lookups use the
bulk unique-attribute GET (100 qualifiedNames per call) and single unique-attribute GETs. The emulator must
never be the bottleneck: the target is >= 2,000 entities/s for bulk upsert on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import requests

from localdev.purview import EmulatorServer

A = "/catalog/api/atlas/v2"
COLUMNS_PER_TABLE = 9


def batch_entities(batch_no: int, size: int) -> tuple[list[dict[str, Any]], list[str]]:
    """``size`` entities: tables followed by their columns; returns (entities, table qualifiedNames)."""
    entities: list[dict[str, Any]] = []
    tables: list[str] = []
    placeholder = 0
    table = 0
    while len(entities) < size:
        placeholder += 1
        table_ph = f"-{placeholder}"
        qn = f"mssql://bench.database.windows.net/db/dbo/t{batch_no}_{table}"
        tables.append(qn)
        entities.append(
            {
                "typeName": "azure_sql_table",
                "guid": table_ph,
                "attributes": {"name": f"t{table}", "qualifiedName": qn},
            }
        )
        for col in range(min(COLUMNS_PER_TABLE, size - len(entities))):
            placeholder += 1
            entities.append(
                {
                    "typeName": "azure_sql_column",
                    "guid": f"-{placeholder}",
                    "attributes": {"name": f"c{col}", "qualifiedName": f"{qn}#c{col}", "data_type": "int"},
                    "relationshipAttributes": {"table": {"guid": table_ph}},
                }
            )
        table += 1
    return entities, tables


@contextmanager
def target(url: str | None, data_dir: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    with EmulatorServer(port=0, data_dir=data_dir) as server:
        yield server.url


def run(
    entities: int, batch: int, workers: int, lookups: int, *, url: str | None, data_dir: str | None
) -> dict[str, Any]:
    batches = (entities + batch - 1) // batch
    with target(url, data_dir) as base:
        sessions = [requests.Session() for _ in range(workers)]
        all_tables: list[str] = []

        def upload(n: int) -> list[str]:
            body, tables = batch_entities(n, min(batch, entities - n * batch))
            response = sessions[n % workers].post(
                f"{base}{A}/entity/bulk", json={"entities": body}, timeout=120
            )
            response.raise_for_status()
            created = len(response.json()["mutatedEntities"].get("CREATE", []))
            assert created == len(body), response.text[:300]
            return tables

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            for tables in pool.map(upload, range(batches)):
                all_tables += tables
        upsert_s = time.perf_counter() - started

        rng = random.Random(1)
        picks = [rng.choice(all_tables) for _ in range(lookups)]
        groups = [picks[i : i + 100] for i in range(0, len(picks), 100)]

        def bulk_lookup(i: int) -> int:
            params = {f"attr_{k}:qualifiedName": qn for k, qn in enumerate(groups[i])}
            response = sessions[i % workers].get(
                f"{base}{A}/entity/bulk/uniqueAttribute/type/azure_sql_table", params=params, timeout=120
            )
            response.raise_for_status()
            return len(response.json()["entities"])

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            found = sum(pool.map(bulk_lookup, range(len(groups))))
        bulk_lookup_s = time.perf_counter() - started
        assert found == sum(len(set(g)) for g in groups)

        singles = picks[: max(1, lookups // 10)]

        def single_lookup(i: int) -> None:
            response = sessions[i % workers].get(
                f"{base}{A}/entity/uniqueAttribute/type/azure_sql_table",
                params={"attr:qualifiedName": singles[i], "minExtInfo": "true"},
                timeout=120,
            )
            response.raise_for_status()

        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(single_lookup, range(len(singles))))
        single_lookup_s = time.perf_counter() - started
        stats = requests.get(f"{base}/_emulator/stats", timeout=60).json()
    return {
        "entities": entities,
        "batch_size": batch,
        "workers": workers,
        "upsert_seconds": round(upsert_s, 2),
        "upsert_entities_per_s": round(entities / upsert_s),
        "bulk_lookup_entities_per_s": round(found / bulk_lookup_s),
        "single_lookups_per_s": round(len(singles) / single_lookup_s),
        "stored_entities": sum(stats["entities"].values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emulator", description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--lookups", type=int, default=10_000, help="tables looked up by qualifiedName")
    parser.add_argument(
        "--url", default=None, help="benchmark a running emulator instead of an in-process one"
    )
    parser.add_argument("--data-dir", default=None, help="SQLite directory for the in-process emulator")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    result = run(args.entities, args.batch, args.workers, args.lookups, url=args.url, data_dir=args.data_dir)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
