"""The DataHub demo catalog (files written by the real acryl-datahub CLI) synced into the emulator: datasets
with columns, descriptions, owners, tags as classifications, the glossary hierarchy, term assignments and
lineage processes, checked through pyapacheatlas against what the DataHub files say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localdev.purview.testing import pyapacheatlas_client
from localdev.session import LocalApp
from tests.e2e.conftest import sync

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "datahub"
CUSTOMERS = "urn:li:dataset:(urn:li:dataPlatform:dbt,shop.main_marts.customers,PROD)"


def _snapshot_aspects(urn: str) -> dict[str, Any]:
    """The MCE aspects of one dataset in the generated dbt file, by short class name."""
    for record in json.loads((EXAMPLES / "dbt.json").read_text()):
        snapshot = next(iter(record.get("proposedSnapshot", {}).values()), None)
        if snapshot and snapshot["urn"] == urn:
            return {next(iter(a)).rsplit(".", 1)[-1]: next(iter(a.values())) for a in snapshot["aspects"]}
    raise AssertionError(f"{urn} not in dbt.json")


def test_datahub_demo_lands_with_columns_owners_tags_terms_and_lineage(app: LocalApp) -> None:
    result = sync(app, "e2e-datahub")
    assert result["status"] == "completed" and result["error_count"] == 0, result["errors"]
    assert result["counts"]["asset"]["created"] == 108
    assert result["counts"]["glossary_term"]["created"] == 9
    assert result["counts"]["classification"]["created"] == 3
    assert result["ignored"]["aspect dataset.datasetProfile"] > 0, "unmapped aspects are counted, not lost"
    assert app.emulator is not None
    held = app.emulator.stats()["entities"]
    assert held["federation_dataset"] == 56 and held["federation_process"] == 52

    aspects = _snapshot_aspects(CUSTOMERS)
    client = pyapacheatlas_client(app.emulator.url)
    found = client.get_entity(
        qualifiedName="datahub://dbt/PROD/shop.main_marts.customers", typeName="federation_dataset"
    )["entities"][0]
    fields = [f["fieldPath"] for f in aspects["SchemaMetadata"]["fields"]]
    assert sorted(c["displayText"] for c in found["relationshipAttributes"]["columns"]) == sorted(fields)
    description = aspects["DatasetProperties"].get("description")
    if description:
        assert found["attributes"]["description"] == description
    owners = found.get("contacts", {}).get("Owner", [])
    assert [o["id"] for o in owners] == ["ana.silva@example.com"]
    assert [c["typeName"] for c in found.get("classifications", [])] == ["DATAHUB.dbt_tier_gold"]
    assert [m["displayText"] for m in found["relationshipAttributes"]["meanings"]] == ["Customer"]

    process = client.get_entity(
        qualifiedName="datahub-lineage://dbt/PROD/shop.main_marts.customers", typeName="federation_process"
    )["entities"][0]
    upstreams = {u["dataset"] for u in aspects["UpstreamLineage"]["upstreams"]}
    assert len(process["relationshipAttributes"]["inputs"]) == len(upstreams)
    assert [o["guid"] for o in process["relationshipAttributes"]["outputs"]] == [found["guid"]]

    glossary = client.glossary.get_glossary(name="DataHub demo", detailed=True)
    terms = {t["name"]: t for t in glossary["termInfo"].values()}
    assert len(terms) == 9
    customer = client.glossary.get_term(guid=terms["Customer"]["guid"])
    assert customer["parentTerm"]["displayText"] == "Commerce", "glossary nodes become parent terms"
    assert found["guid"] in {e["guid"] for e in customer.get("assignedEntities", [])}

    again = sync(app, "e2e-datahub")
    assert again["counts"]["asset"]["unchanged"] == 108 and again["purview_calls"]["write"] == 0
