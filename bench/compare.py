"""The sync side by side with a plain pyapacheatlas upload of the same tables, each on a fresh emulator in its
own process — the comparison users make before they adopt the tool.

Run: ``python -m bench.compare [--sizes 2000 10000] [--columns 20] [--repeat 1] [--json]``.

For each size and repetition:

- **script**: a plain upload script (pyapacheatlas ``upload_entities``, 100-entity batches, a table with its
  columns in one batch, no state) uploads every table, then uploads them all again (what a stateless tool
  does on every run);
- **sync**: ``localdev`` (the local Durable host with this app, in this process) syncs a pivot catalog of the
  same tables (with the glossary, classifications and lineage processes of ``tests/e2e/dataset.py``), then
  syncs it again unchanged.

Printed per phase: wall time, the ratio sync / script, Purview calls per object (the emulator's request
counter), entity operations and history events per object (the local host's history: ``EventSent`` events
are entity calls and signals), ms of CPU per object of the app (or script) process, and peak RSS of the app
process and of the emulator process apart.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

__all__ = ["azure_cost", "main", "run_script", "run_sync"]

EVENT_SENT = 14
"""DTFx ``EventType`` of a message an orchestration sends: every entity call or signal."""
TASK_SCHEDULED = 4
SUB_ORCHESTRATION_CREATED = 7
ORCHESTRATOR_STARTED = 12
"""DTFx ``EventType``s of an activity scheduled, a sub-orchestration started, an orchestration episode."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def emulator_process() -> Any:
    """A fresh emulator in its own process (its RSS is measured apart); yields ``(url, pid)``."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localdev", "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/_emulator/stats", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _requests(url: str) -> int:
    stats = requests.get(f"{url}/_emulator/stats", timeout=30).json()
    return sum(n for route, n in stats["requests"].items() if "/_emulator" not in route)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the plain script -----------------------------------------------------------------------------------


def _script_entities(assets: int, columns: int) -> list[list[dict[str, Any]]]:
    """The tables as Atlas entities in 100-entity batches (a table never split from its columns)."""
    from pyapacheatlas.core import AtlasEntity

    from tests.e2e.dataset import table

    batches: list[list[dict[str, Any]]] = [[]]
    guid = -1
    for n in range(assets):
        item = table("bench", n, columns=columns)
        parent = AtlasEntity(
            item["name"],
            "azure_sql_table",
            item["qualified_name"],
            guid=guid,
            description=item["description"],
        )
        guid -= 1
        group = [parent.to_json()]
        for column in item["columns"]:
            entity = AtlasEntity(
                column["name"],
                "azure_sql_column",
                f"{item['qualified_name']}#{column['name']}",
                guid=guid,
                attributes={"data_type": column["data_type"], "description": column["description"]},
                relationshipAttributes={"table": parent.to_json(minimum=True)},
            )
            guid -= 1
            group.append(entity.to_json())
        if len(batches[-1]) + len(group) > 100:
            batches.append([])
        batches[-1].extend(group)
    return batches


def run_script(url: str, assets: int, columns: int, rounds: int = 2) -> list[dict[str, Any]]:
    """Upload every table ``rounds`` times (the second is a stateless tool's re-run)."""
    from localdev.purview.testing import pyapacheatlas_client

    client = pyapacheatlas_client(url, timeout=120)
    batches = _script_entities(assets, columns)
    phases = []
    for _ in range(rounds):
        calls, cpu, started = _requests(url), _cpu_s(), time.perf_counter()
        for batch in batches:
            client.upload_entities(batch=batch)
        phases.append(
            {
                "wall_s": round(time.perf_counter() - started, 1),
                "cpu_s": round(_cpu_s() - cpu, 2),
                "purview_calls": _requests(url) - calls,
            }
        )
    return phases


# --- the sync -------------------------------------------------------------------------------------------


def _history(data_dir: Path, replaced: str = "") -> dict[str, int]:
    """History events in the local host's store, by what they are: all of them, entity calls and signals
    (``EventSent``), activities scheduled, sub-orchestrations started and orchestration episodes; without
    the instance ``replaced`` (a run restarted under the same id replaces its history, so counting it
    before the run would subtract the last run's events from this one's)."""
    with sqlite3.connect(data_dir / "durable" / "durable.sqlite3") as db:
        rows = db.execute(
            "SELECT json_extract(event, '$.EventType'), COUNT(*) FROM history"
            " WHERE instance_id != ? GROUP BY 1",
            (replaced,),
        ).fetchall()
    by_type = {int(event_type): int(n) for event_type, n in rows if event_type is not None}
    return {
        "history_events": sum(n for _, n in rows),
        "entity_operations": by_type.get(EVENT_SENT, 0),
        "activities": by_type.get(TASK_SCHEDULED, 0),
        "sub_orchestrations": by_type.get(SUB_ORCHESTRATION_CREATED, 0),
        "episodes": by_type.get(ORCHESTRATOR_STARTED, 0),
    }


def _write_source(folder: Path, assets: int, columns: int) -> int:
    """Write the catalog's pivot files in a child process (the app's peak RSS must not count the
    generator's copy of the tables); returns how many objects they hold."""
    code = (
        "import sys; from tests.e2e.dataset import catalog_items, write; "
        "n = int(sys.argv[2]); "
        "items = catalog_items('bench', n, columns=int(sys.argv[3]), processes=n // 20); "
        "write(__import__('pathlib').Path(sys.argv[1]), items, files=4); print(len(items))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), str(assets), str(columns)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    return int(done.stdout.strip().splitlines()[-1])


def run_sync(url: str, assets: int, columns: int) -> tuple[int, list[dict[str, Any]]]:
    """A first sync and an unchanged re-sync of the same tables through the app; returns (objects, phases)."""
    root = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    objects = _write_source(root / "bench", assets, columns)
    catalogs = root / "catalogs.yaml"
    catalogs.write_text(
        "catalogs:\n  - name: bench\n    connector: pivotfile\n    schedule: null\n"
        "    source: {files: ['bench/*.jsonl'], page_size: 2000}\n"
    )
    os.environ["CATALOGS_FILE"] = str(catalogs)
    from localdev.session import LocalApp

    phases = []
    with LocalApp(data_dir=root / "state", catalogs_file=catalogs, purview_endpoint=url) as app:
        for _ in range(2):
            calls, cpu, started = _requests(url), _cpu_s(), time.perf_counter()
            before = _history(root / "state", replaced="sync:bench")
            status = app.start_and_wait("catalogs/bench/sync", timeout=7200)
            output = status["output"]
            after = _history(root / "state")
            phases.append(
                {
                    "status": output["status"],
                    "errors": output["error_count"],
                    "wall_s": round(time.perf_counter() - started, 1),
                    "cpu_s": round(_cpu_s() - cpu, 2),
                    "purview_calls": _requests(url) - calls,
                    "purview_writes": int(output["purview_calls"]["write"]),
                    **{name: after[name] - before[name] for name in after},
                }
            )
    return objects, phases


def _child(mode: str, url: str, assets: int, columns: int) -> dict[str, Any]:
    """Run one side in a fresh process, so its CPU and peak RSS are its own."""
    output = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.compare",
            "--child",
            mode,
            "--url",
            url,
            "--sizes",
            str(assets),
            "--columns",
            str(columns),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def azure_cost(phase: dict[str, Any], objects: int) -> dict[str, int]:
    """What one run costs a Durable backend in Azure, scaled to 100,000 objects (an estimate from the counts
    measured here; the model is in bench/RESULTS.md).

    Azure Storage provider: every message is a queue put, get and delete (3 transactions); an activity is
    two messages (work item, result), an entity operation at most two (request, response), a
    sub-orchestration two; each orchestration episode commits its history and state in about two table
    batches. Durable Task Scheduler bills *actions*: activities, entity operations, sub-orchestrations and
    episodes.
    """
    scale = 100_000 / objects
    activities, entity_ops = phase["activities"], phase["entity_operations"]
    subs, episodes = phase["sub_orchestrations"], phase["episodes"]
    messages = 2 * activities + 2 * entity_ops + 2 * subs
    return {
        "entity_operations": round(entity_ops * scale),
        "activities": round(activities * scale),
        "history_events": round(phase["history_events"] * scale),
        "storage_transactions": round((3 * messages + 2 * episodes) * scale),
        "scheduler_actions": round((activities + entity_ops + subs + episodes) * scale),
    }


def compare(assets: int, columns: int) -> dict[str, Any]:
    with emulator_process() as (url, pid):
        script = _child("script", url, assets, columns)
        script["emulator_peak_rss_mb"] = _peak_rss_mb(pid)
    with emulator_process() as (url, pid):
        sync = _child("sync", url, assets, columns)
        sync["emulator_peak_rss_mb"] = _peak_rss_mb(pid)
    objects = sync["objects"]
    rows = {}
    for number, phase in enumerate(("first_sync", "unchanged_resync")):
        ours, theirs = sync["phases"][number], script["phases"][number]
        rows[phase] = {
            "sync_wall_s": ours["wall_s"],
            "script_wall_s": theirs["wall_s"],
            "ratio": round(ours["wall_s"] / theirs["wall_s"], 2) if theirs["wall_s"] else None,
            "sync_calls_per_object": round(ours["purview_calls"] / objects, 4),
            "script_calls_per_table": round(theirs["purview_calls"] / assets, 4),
            "sync_writes_per_asset": round(ours["purview_writes"] / assets, 4),
            "entity_operations_per_object": round(ours["entity_operations"] / objects, 3),
            "history_events_per_object": round(ours["history_events"] / objects, 3),
            "azure_per_100k_objects": azure_cost(ours, objects),
            "sync_cpu_ms_per_object": round(1000 * ours["cpu_s"] / objects, 2),
            "script_cpu_ms_per_table": round(1000 * theirs["cpu_s"] / assets, 2),
            "status": ours["status"],
            "errors": ours["errors"],
        }
    return {
        "assets": assets,
        "columns": columns,
        "objects": objects,
        **rows,
        "app_peak_rss_mb": sync["peak_rss_mb"],
        "script_peak_rss_mb": script["peak_rss_mb"],
        "emulator_peak_rss_mb": {
            "sync": sync["emulator_peak_rss_mb"],
            "script": script["emulator_peak_rss_mb"],
        },
        "load_average": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000])
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["script", "sync"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        assets = args.sizes[0]
        if args.child == "script":
            out: dict[str, Any] = {"phases": run_script(args.url, assets, args.columns)}
        else:
            objects, phases = run_sync(args.url, assets, args.columns)
            out = {"objects": objects, "phases": phases}
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        print(json.dumps(out))
        return 0
    results = [compare(size, args.columns) for size in args.sizes for _ in range(args.repeat)]
    for result in results:
        print(json.dumps(result, indent=None if args.json else 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
