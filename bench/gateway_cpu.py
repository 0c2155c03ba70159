"""Gateway CPU per batch (issue #12): ``make_batches`` and the asset preparation of one batch, against the
size of the run's asset index.

Run: ``python -m bench.gateway_cpu [--tables 500] [--columns 20] [--index 1000 10000 50000] [--repeat 5]``

One batch: ``--tables`` tables with ``--columns`` columns each, plus one lineage process per 20 tables whose
input and output are tables outside the batch (resolved through the index). For each index size (external_id →
``{type_name, qualified_name}``, the staged form ``upsert_batch`` passes), it times on the calling thread only
(``time.thread_time``: the in-process emulator's threads are not counted), median ms over ``--repeat`` runs:

- ``prepare_ms``: ``PurviewGateway.plan_assets`` (reference context, mapping, bulk reads, decisions; nothing
  exists in the emulator, so every item is a create);
- ``make_batches_ms``: ``make_batches`` of the prepared payloads at 100 entities per call (the default).

Neither should grow with the index size: a batch resolves only the references its items use (what still grows
is the garbage collector's work over a larger heap; ``--freeze-gc`` moves what exists before timing out of
the collector's sight, to tell the two apart).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

__all__ = ["main", "run"]


def _median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        work()
        times.append((time.thread_time() - started) * 1000)
    return round(statistics.median(times), 1)


def run(
    tables: int, columns: int, index_sizes: list[int], repeat: int, *, freeze_gc: bool = False
) -> dict[str, Any]:
    from localdev.purview import EmulatorServer
    from pivot import PivotAssetItem, parse_item
    from purview import PurviewGateway
    from purview.assets import AssetContext, prepare_assets
    from purview.batching import make_batches
    from purview.client import PurviewHttp
    from purview.mapping import EntityRef
    from purview.writes import _units
    from tests.e2e.dataset import process, table, terms

    records = [table("bench", n, columns=columns) for n in range(tables)]
    for n in range(tables // 20):
        outside = {"inputs": [f"tbl{tables + 2 * n}"], "outputs": [f"tbl{tables + 2 * n + 1}"]}
        records.append({**process("bench", n), **outside})
    items = [parse_item(r) for r in records]
    assets = [i for i in items if isinstance(i, PivotAssetItem)]
    term_guids = {t["external_id"]: f"guid-{t['external_id']}" for t in terms("bench")}
    out: dict[str, Any] = {"tables": tables, "columns": columns, "repeat": repeat, "freeze_gc": freeze_gc}
    out["per_index_size"] = []
    with EmulatorServer(port=0) as emulator:
        gateway = PurviewGateway(PurviewHttp(emulator.url))
        gateway.plan_assets(assets[:1], term_guids=term_guids)  # warm: type bootstrap, connections
        for size in index_sizes:
            index = {
                f"tbl{n}": {"type_name": "azure_sql_table", "qualified_name": f"mssql://bench/db/dbo/t{n}"}
                for n in range(max(size, tables + tables // 10 + 2))
            }

            def prepare(index: dict[str, Any] = index) -> object:
                return gateway.plan_assets(assets, asset_refs=index, term_guids=term_guids)

            plans = gateway.plan_assets(assets, asset_refs=index, term_guids=term_guids)
            assert all(p.action == "create" for p in plans), {p.reason for p in plans if p.action != "create"}
            refs = {k: EntityRef(v["type_name"], v["qualified_name"]) for k, v in index.items()}
            works = prepare_assets(
                gateway.http,
                assets,
                {},
                AssetContext(asset_refs=refs, term_guids=term_guids),
                collections=gateway.collections,
                column_schemas=gateway.column_schemas,
                cache=gateway.cache,
            )
            units = _units(works)
            if freeze_gc:
                gc.collect()
                gc.freeze()
            entities = sum(len(u.entities) for u in units)
            out["per_index_size"].append(
                {
                    "index_entries": len(index),
                    "entities": entities,
                    "prepare_ms": _median_ms(prepare, repeat),
                    "make_batches_ms": _median_ms(functools.partial(make_batches, units, 100), repeat),
                }
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, default=500)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--index", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--freeze-gc", action="store_true", help="keep the collector off the index")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.tables, args.columns, args.index, args.repeat, freeze_gc=args.freeze_gc)
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
