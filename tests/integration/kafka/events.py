"""DataHub events for the Kafka push test: real acryl-datahub CLI output from examples/datahub."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "datahub"
RAW = "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_raw.{},PROD)"
DATASETS = [RAW.format(name) for name in ("raw_customers", "raw_orders", "raw_payments")]
_REFERENCE = re.compile(r'"(urn:li:(?:glossaryTerm|glossaryNode|tag):[^"]+)"')


def qualified_name(urn: str) -> str:
    """``datahub://<platform>/<ENV>/<name>`` (docs/connectors.md, qualifiedName scheme)."""
    platform, name, env = urn.split("(", 1)[1].rstrip(")").split(",")
    return f"datahub://{platform.rsplit(':', 1)[1]}/{env}/{name}"


def _records(file: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = json.loads((EXAMPLES / file).read_text())
    return records


def _urn(record: dict[str, Any]) -> str | None:
    snapshot = next(iter(record.get("proposedSnapshot", {}).values()), None)
    return snapshot["urn"] if snapshot else record.get("entityUrn")


def upserts() -> list[tuple[str, dict[str, Any]]]:
    """(key, message) for every record of the three raw datasets (MCE snapshots and MCPs) and of the glossary
    terms, nodes and tags they refer to, transitively (a push batch may only refer to objects in the batch or
    already in Purview); one message per Kafka event, in file order."""
    records = _records("glossary.json") + _records("dbt.json")
    wanted = set(DATASETS)
    while True:
        referenced = {ref for r in records if _urn(r) in wanted for ref in _REFERENCE.findall(json.dumps(r))}
        if referenced <= wanted:
            break
        wanted |= referenced
    return [(str(_urn(r)), r) for r in records if _urn(r) in wanted]


def removal(urn: str) -> dict[str, Any]:
    """The MCP DataHub emits when an entity is soft-deleted."""
    return {
        "entityType": "dataset",
        "entityUrn": urn,
        "changeType": "UPSERT",
        "aspectName": "status",
        "aspect": {"json": {"removed": True}},
    }
