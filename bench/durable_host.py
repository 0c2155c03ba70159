"""Benchmark the local Durable host: fan-out of no-op activities through sub-orchestrations.

Run: ``python -m bench.durable_host [--sizes 1000 10000] [--chunk 1000] [--workers N]``

A parent orchestrator starts sub-orchestrations of at most ``chunk`` activities each (the partitioning the
reference recommends); every activity is a no-op, so the wall time divided by the number of activities is the
host's per-activity overhead (scheduling, SQLite commits, SDK replays, dispatch).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

import azure.durable_functions as df
import azure.functions as func

from localdev.durable import DurableHost

__all__ = ["BenchResult", "build_app", "main", "run_fan_out"]


def build_app() -> df.DFApp:
    """The benchmark's own function app (a parent, a chunk orchestrator and a no-op activity)."""
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.orchestration_trigger(context_name="context")
    def bench_parent(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
        spec = context.get_input()
        total, chunk = spec["total"], spec["chunk"]
        children = [
            context.call_sub_orchestrator("bench_chunk", {"start": s, "count": min(chunk, total - s)})
            for s in range(0, total, chunk)
        ]
        counts = yield context.task_all(children)
        return sum(counts)

    @app.orchestration_trigger(context_name="context")
    def bench_chunk(context: df.DurableOrchestrationContext):  # type: ignore[no-untyped-def]
        spec = context.get_input()
        results = yield context.task_all(
            [context.call_activity("bench_noop", spec["start"] + i) for i in range(spec["count"])]
        )
        return len(results)

    @app.activity_trigger(input_name="value")
    def bench_noop(value: int) -> int:
        return value

    return app


@dataclass
class BenchResult:
    """One benchmark run."""

    activities: int
    chunk: int
    workers: int
    cores: int
    wall_seconds: float
    per_activity_ms: float


def run_fan_out(
    total: int, *, chunk: int = 1000, workers: int | None = None, app: df.DFApp | None = None
) -> BenchResult:
    """Fan out ``total`` no-op activities on a fresh host (state in a temporary SQLite database)."""
    app = app or build_app()
    with (
        tempfile.TemporaryDirectory(prefix="durable-bench-") as data_dir,
        DurableHost(app, data_dir=data_dir, workers=workers) as host,
    ):
        started = time.perf_counter()
        iid = host.start_new("bench_parent", input={"total": total, "chunk": chunk})
        status = host.wait_for_completion(iid, timeout=max(120.0, total * 0.02))
        wall = time.perf_counter() - started
        if status["output"] != total:
            raise RuntimeError(f"benchmark orchestration ended with {status}")
        return BenchResult(total, chunk, host.runtime.workers, os.cpu_count() or 1, wall, wall * 1000 / total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.durable_host", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object per run")
    args = parser.parse_args(argv)
    app = build_app()
    for size in args.sizes:
        result = run_fan_out(size, chunk=args.chunk, workers=args.workers, app=app)
        if args.json:
            print(json.dumps(asdict(result)))
        else:
            print(
                f"{result.activities:>7} activities (chunks of {result.chunk}, {result.workers} workers, "
                f"{result.cores} cores): {result.wall_seconds:7.2f} s wall, "
                f"{result.per_activity_ms:.3f} ms per activity"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
