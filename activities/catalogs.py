"""Configuration read by orchestrators through an activity (orchestrators never read files themselves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df

from activities import resources

__all__ = ["bp"]

bp = df.Blueprint()


@bp.activity_trigger(input_name="request")
def catalog_policies(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Enabled catalogs with their deletion policy: ``[{name, deletion}]`` (``request.catalog`` filters)."""
    wanted = (request or {}).get("catalog")
    return [
        {"name": c.name, "deletion": c.deletion.model_dump(mode="json")}
        for c in resources.catalogs().enabled()
        if wanted in (None, c.name)
    ]


@bp.activity_trigger(input_name="request")
def cleanup_staging(request: dict[str, Any]) -> dict[str, Any]:
    """Delete a run's staged data, and every run's older than ``retention_hours``."""
    staging = resources.staging()
    deleted = staging.delete_run(request["run_id"]) if request.get("run_id") else 0
    expired = staging.cleanup(timedelta(hours=float(request.get("retention_hours", 72))), datetime.now(UTC))
    return {"deleted": deleted, "expired_runs": len(expired)}
