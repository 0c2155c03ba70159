"""Configuration read by orchestrators through an activity (orchestrators never read files themselves)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import azure.durable_functions as df

from activities import resources
from sync.contracts import CatalogPoliciesRequest, CatalogPolicy, StagingCleaned, StagingCleanup

__all__ = ["bp"]

bp = df.Blueprint()


@bp.activity_trigger(input_name="request")
def catalog_policies(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Enabled catalogs with their deletion policy (:class:`CatalogPolicy`); ``catalog`` filters."""
    wanted = CatalogPoliciesRequest.model_validate(request or {}).catalog
    return [
        CatalogPolicy(name=c.name, deletion=c.deletion).to_json()
        for c in resources.catalogs().enabled()
        if wanted in (None, c.name)
    ]


@bp.activity_trigger(input_name="request")
def cleanup_staging(request: dict[str, Any]) -> dict[str, Any]:
    """Delete a run's staged data, and every run's older than the retention (:class:`StagingCleanup`)."""
    ask = StagingCleanup.model_validate(request)
    staging = resources.staging()
    deleted = staging.delete_run(ask.run_id) if ask.run_id else 0
    expired = staging.cleanup(timedelta(hours=ask.retention_hours), datetime.now(UTC))
    return StagingCleaned(deleted=deleted, expired_runs=len(expired)).to_json()
