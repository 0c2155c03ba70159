"""Benchmark the whole sync on one machine: the local Durable host with this app, the gateway and the
Purview emulator — a first sync of N assets with C columns each, then the unchanged re-sync.

Run: ``python -m bench.sync [--assets 10000] [--columns 20] [--json]``; throttled:
``python -m bench.sync --assets 3000 --columns 5 --emulator-capacity-units 0.5 [--capacity-units 0.5]``
(the emulator's limit, and the app's ``PURVIEW_CAPACITY_UNITS``).

Measured: wall time, Purview calls per object (from the emulator's request counter), durable history events
per object (rows of the host's history table), and the process's peak RSS (host + app + emulator together).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["main", "run"]


def _write_catalog(root: Path, assets: int, columns: int) -> Path:
    from tests.e2e.dataset import catalog_items, write

    write(root / "bench", catalog_items("bench", assets, columns=columns, processes=assets // 20), files=4)
    catalogs = root / "catalogs.yaml"
    catalogs.write_text(
        "catalogs:\n  - name: bench\n    connector: pivotfile\n    schedule: null\n"
        "    source: {files: ['bench/*.jsonl'], page_size: 2000}\n"
    )
    return catalogs


def _calls(stats: dict[str, Any]) -> dict[str, int]:
    reads = writes = 0
    for route, n in stats["requests"].items():
        if route.startswith("GET ") or "search" in route:
            reads += n
        elif "/_emulator" not in route:
            writes += n
    return {"read": reads, "write": writes}


def _history_events(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "durable" / "durable.sqlite3") as db:
        return int(db.execute("SELECT COUNT(*) FROM history").fetchone()[0])


def run(
    assets: int,
    columns: int,
    *,
    emulator_capacity_units: float | None = None,
    capacity_units: float | None = None,
) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    catalogs = _write_catalog(root, assets, columns)
    os.environ["CATALOGS_FILE"] = str(catalogs)
    if capacity_units is not None:
        os.environ["PURVIEW_CAPACITY_UNITS"] = str(capacity_units)
    from localdev.session import LocalApp

    objects = 5 + 21 + assets + assets // 20
    results: dict[str, Any] = {"assets": assets, "columns": columns, "objects": objects}
    emulator = {"capacity_units": emulator_capacity_units} if emulator_capacity_units else {}
    with LocalApp(data_dir=root / "state", catalogs_file=catalogs, emulator_options=emulator) as app:
        assert app.emulator is not None
        for label in ("first_sync", "unchanged_resync"):
            before = _calls(app.emulator.stats())
            history_before = _history_events(root / "state")
            started = time.perf_counter()
            status = app.start_and_wait("catalogs/bench/sync", timeout=7200)
            wall = time.perf_counter() - started
            after = _calls(app.emulator.stats())
            output = status["output"]
            calls = {k: after[k] - before[k] for k in after}
            results[label] = {
                "status": output["status"],
                "wall_s": round(wall, 1),
                "objects_per_s": round(objects / wall, 1),
                "purview_calls": calls,
                "purview_calls_per_object": round((calls["read"] + calls["write"]) / objects, 3),
                "history_events_per_object": round(
                    (_history_events(root / "state") - history_before) / objects, 2
                ),
                "counts": {k: {c: n for c, n in v.items() if n} for k, v in output["counts"].items()},
                "errors": output["error_count"],
                "failed": sum(v.get("failed", 0) for v in output["counts"].values()),
            }
            if label == "first_sync":  # offered/admitted requests per second at the emulator, 429s
                results[label]["emulator_rate"] = app.emulator.stats()["rate"]
        results["emulator_entities"] = app.emulator.stats()["entities"]
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--emulator-capacity-units", type=float, default=None, help="throttle the emulator")
    parser.add_argument("--capacity-units", type=float, default=None, help="the app's PURVIEW_CAPACITY_UNITS")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(
        args.assets,
        args.columns,
        emulator_capacity_units=args.emulator_capacity_units,
        capacity_units=args.capacity_units,
    )
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
