"""``python -m localdev sync CATALOG`` and ``python -m localdev cleanup [CATALOG]``: one run, to completion.

The command lines and the ``--json`` keys are a public interface (scripts and CI use them):

- sync: ``{"catalog", "run_id", "status", "counts": {kind: {created, updated, unchanged, skipped, failed,
  deleted}}, "purview_calls": {"read", "write"}, "duration_s", "errors": [...], "complete_for_deletion",
  "held": [...], "deletion_note", "seen", "deletes_held": {count, message, sample} | null}``
- cleanup: ``{"catalog", "status": "completed"|"blocked", "stale", "deleted", "errors"}`` (one object per
  catalog; a list when no catalog is named)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from localdev.app import AppNotFound, add_app_dir_argument
from localdev.durable.errors import FunctionLoadError
from localdev.session import LocalApp, RunFailed

__all__ = [
    "add_cleanup_arguments",
    "add_sync_arguments",
    "run_cleanup",
    "run_sync",
    "sync_params",
    "sync_report",
]

console = Console()
errors = Console(stderr=True)
SYNC_KEYS = ("catalog", "run_id", "status", "counts", "purview_calls", "duration_s", "errors")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogs", type=Path, default=None, help="catalogs file (default: catalogs.yaml)")
    parser.add_argument(
        "--purview-endpoint", default=None, help="Purview/emulator base URL (default: start one)"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=Path(".localdev"), help="state folder (default .localdev)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    add_app_dir_argument(parser)


def add_sync_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", help="catalog name from the catalogs file")
    parser.add_argument("--dry-run", action="store_true", help="plan only: write nothing to Purview or state")
    parser.add_argument(
        "--accept-shrink",
        action="store_true",
        help="count this run as complete for deletion even if it saw markedly fewer objects",
    )
    parser.add_argument(
        "--force-deletes", action="store_true", help="execute delete markers even above max_delete_fraction"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="read back what Purview holds and repair what is missing or differs",
    )
    parser.add_argument("--full", action="store_true", help="rewrite every object, changed or not")
    _common(parser)


def add_cleanup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("catalog", nargs="?", default=None, help="one catalog (default: all)")
    parser.add_argument("--force", action="store_true", help="delete even above max_delete_fraction")
    _common(parser)


def sync_params(args: argparse.Namespace) -> dict[str, str]:
    """The query of ``POST /api/catalogs/{name}/sync`` for the command line's flags."""
    flags = {
        "dry_run": args.dry_run,
        "accept_shrink": args.accept_shrink,
        "force_deletes": args.force_deletes,
        "verify": getattr(args, "verify", False),
        "full": getattr(args, "full", False),
    }
    return {name: "true" for name, on in flags.items() if on}


def sync_report(output: dict[str, Any]) -> dict[str, Any]:
    """The public JSON of one sync run, from the orchestration's output."""
    report = {key: output.get(key) for key in SYNC_KEYS}
    report["rejected"] = output.get("rejected", 0)
    report["ignored"] = output.get("ignored", {})
    report["error_count"] = output.get("error_count", len(output.get("errors") or []))
    for key in ("complete_for_deletion", "held", "accepted", "deletion_note", "seen", "deletes_held"):
        report[key] = output.get(key)
    return report


def _app(args: argparse.Namespace) -> LocalApp:
    return LocalApp(
        data_dir=args.data_dir,
        catalogs_file=args.catalogs,
        purview_endpoint=args.purview_endpoint,
        app_dir=getattr(args, "app_dir", None),
    )


def _run(args: argparse.Namespace, label: str, path: str, params: dict[str, str]) -> dict[str, Any] | None:
    """Start one run through the app's HTTP API and wait for it; ``None`` (after printing why) on failure."""
    try:
        with _app(args) as app:
            if label == "sync" and not args.json and sys.stderr.isatty():
                status = _with_progress(app, args.catalog, params)
            else:
                status = app.start_and_wait(path, params=params)
    except (
        AppNotFound,
        RunFailed,
        FunctionLoadError,
    ) as exc:  # a bad setting or catalogs file: its message, no traceback
        errors.print(f"[red]error[/red]: {exc}", highlight=False)
        return None
    if status["runtimeStatus"] != "Completed":
        errors.print(
            f"[red]{label} {status['runtimeStatus'].lower()}[/red]: {status.get('output')}", highlight=False
        )
        return None
    return status


def run_sync(args: argparse.Namespace) -> int:
    status = _run(args, "sync", f"catalogs/{args.catalog}/sync", sync_params(args))
    if status is None:
        return 1
    report = sync_report(status["output"])
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_sync(report)
    failed = sum(int(counts.get("failed", 0)) for counts in (report["counts"] or {}).values())
    if failed:  # a run that "completed" with failed objects is not a success for scripts and CI
        errors.print(f"[red]{failed} object(s) failed[/red] (see the errors above)", highlight=False)
        return 1
    return 0 if report["status"] in ("completed", "dry_run") else 1


def _with_progress(app: LocalApp, catalog: str, params: dict[str, str]) -> dict[str, Any]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task(f"sync {catalog}: starting", total=None)

        def show(status: dict[str, Any]) -> None:
            custom = status.get("customStatus") or {}
            if isinstance(custom, dict):
                done = sum(sum(c.values()) for c in (custom.get("counts") or {}).values())
                progress.update(
                    task, description=f"sync {catalog}: {custom.get('phase', '…')} ({done} objects)"
                )

        return app.start_and_wait(f"catalogs/{catalog}/sync", params=params, on_status=show)


def _print_sync(report: dict[str, Any]) -> None:
    table = Table(title=f"{report['catalog']} — run {report['run_id']} — {report['status']}")
    table.add_column("kind")
    counters = ("created", "updated", "unchanged", "skipped", "failed", "deleted", "repaired")
    for counter in counters:
        table.add_column(counter, justify="right")
    for kind, counts in (report["counts"] or {}).items():
        table.add_row(kind, *(str(counts.get(c, 0)) for c in counters))
    console.print(table)
    calls = report["purview_calls"] or {}
    console.print(
        f"Purview calls: {calls.get('read', 0)} read, {calls.get('write', 0)} write · "
        f"duration {report['duration_s']} s · {report['error_count']} errors, "
        f"{report['rejected']} rejected records"
    )
    if report.get("ignored"):
        ignored = ", ".join(f"{what}: {n}" for what, n in sorted(report["ignored"].items()))
        console.print(f"Not mapped (counted, not imported): {ignored}", markup=False, highlight=False)
    if report.get("deletion_note"):
        style = "green" if report.get("complete_for_deletion") else "yellow"
        console.print(f"Deletion: {report['deletion_note']}", style=style, markup=False, highlight=False)
    held = report.get("deletes_held")
    if held:
        console.print(
            f"Delete markers held: {held['message']}", style="yellow", markup=False, highlight=False
        )
        console.print(f"  e.g. {', '.join(held['sample'][:5])}", markup=False, highlight=False)
    for error in (report["errors"] or [])[:20]:
        errors.print(f"  {error}", markup=False, highlight=False)


def run_cleanup(args: argparse.Namespace) -> int:
    params = {"force": "true"} if args.force else {}
    if args.catalog:
        params["catalog"] = args.catalog
    status = _run(args, "cleanup", "cleanup", params)
    if status is None:
        return 1
    reports = [
        {k: r.get(k) for k in ("catalog", "status", "stale", "deleted", "errors", "message")}
        for r in status["output"]
    ]
    if args.json:
        print(json.dumps(reports[0] if args.catalog and reports else reports, indent=2))
    else:
        table = Table(title="cleanup")
        for column in ("catalog", "status", "stale", "deleted", "message"):
            table.add_column(column)
        for r in reports:
            table.add_row(r["catalog"], r["status"], str(r["stale"]), str(r["deleted"]), r["message"] or "")
        console.print(table)
    return 0
