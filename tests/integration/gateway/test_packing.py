"""Bulk calls packed to the limit, against the emulator over HTTP: whole tables per call up to 1,000 entities,
a call refused for its size (413, 504) split and every item landing, the lowered ceiling kept for later calls
and climbing back once calls pass, and guid/qualifiedName lists under the URL budget."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from localdev.purview import EmulatorServer
from pivot import PivotAssetItem
from purview import GatewayOptions, PurviewGateway, PurviewHttp, RetryOptions
from tests.integration.gateway.dataset import CATALOG

UPSERTS = "POST /datamap/api/atlas/v2/entity/bulk"
DELETES = "DELETE /datamap/api/atlas/v2/entity/bulk"


@pytest.fixture
def fresh(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    emulator.reset()
    emulator.set_faults()
    yield emulator
    emulator.set_faults()


def gateway_for(emulator: EmulatorServer, **options: Any) -> PurviewGateway:
    retry = RetryOptions(base_delay=0.01, max_delay=0.05, budget_seconds=60)
    return PurviewGateway(PurviewHttp(emulator.url, retry=retry), GatewayOptions(**options))


def tables(start: int, count: int, *, columns: int = 20, name: str = "orders") -> list[PivotAssetItem]:
    return [
        PivotAssetItem(
            catalog=CATALOG,
            external_id=f"{name}{i}",
            name=f"{name}_{i}",
            description=f"{name} table {i}",
            type_name="azure_sql_table",
            qualified_name=f"mssql://srv.database.windows.net/shop/dbo/{name}_{i}",
            columns=[{"name": f"col_{j}", "data_type": "int"} for j in range(columns)],
        )
        for i in range(start, start + count)
    ]


def upserts(emulator: EmulatorServer) -> int:
    return int(emulator.stats()["requests"].get(UPSERTS, 0))


def created(gateway: PurviewGateway, items: list[PivotAssetItem]) -> list[str]:
    return [r.status for r in gateway.upsert_assets(items)]


def test_a_first_upsert_sends_whole_tables_in_calls_of_up_to_1000_entities(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)  # the defaults: 1,000 entities, 4 MB
    assert created(gateway, tables(0, 100)) == ["created"] * 100
    assert upserts(fresh) == 3  # 47 + 47 + 6 tables of 21 entities: 0.03 calls per table
    assert fresh.stats()["entities"]["azure_sql_column"] == 2000
    assert gateway.ceiling.current == gateway.ceiling.rule.top and gateway.ceiling.lowered == 0


def test_a_body_too_large_is_split_the_ceiling_is_kept_and_climbs_back(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh, batch_bytes=65_536)  # a low top, so the climb back is short
    fresh.set_faults(max_body_bytes=20_000)  # ~9 tables of 6 entities per call

    assert created(gateway, tables(0, 40, columns=5)) == ["created"] * 40
    assert fresh.stats()["entities"]["azure_sql_column"] == 200
    first_refusals, first_calls = gateway.ceiling.lowered, upserts(fresh)
    assert first_refusals >= 1 and gateway.ceiling.current.size < 65_536 // 2  # kept low, for later calls

    # later calls start at the lowered ceiling: a refusal now and then as it probes upwards, no cascade
    assert created(gateway, tables(40, 80, columns=5)) == ["created"] * 80
    refusals, calls = gateway.ceiling.lowered - first_refusals, upserts(fresh) - first_calls
    assert calls >= 5 and refusals <= calls // 4

    # the limit is lifted: fast, full calls climb back to the configured top
    fresh.set_faults()
    before = upserts(fresh)
    assert created(gateway, tables(120, 300, columns=5)) == ["created"] * 300
    assert gateway.ceiling.current == gateway.ceiling.rule.top
    assert (upserts(fresh) - before) / 300 < calls / 80 / 1.5  # far fewer calls per table than while low


def test_a_bulk_call_timing_out_is_split_after_one_retry_and_all_items_land(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    fresh.set_faults(max_bulk_entities=200)  # Purview "cannot finish" a bigger call: 504
    assert created(gateway, tables(0, 30)) == ["created"] * 30  # 630 entities
    # 630 → 504 twice → 315 → 504 twice → 157 ... then whole tables, climbing an eighth per fast call
    assert gateway.ceiling.lowered == 2 and gateway.ceiling.current.entities < 315
    assert gateway.stats()["retries"] == 2  # each size failure retried once at its size, not for 60 s
    assert fresh.stats()["entities"]["azure_sql_table"] == 30

    assert created(gateway, tables(30, 30)) == ["created"] * 30
    assert gateway.ceiling.lowered <= 3  # starts at the learned size: at most one probe refused, no cascade


def test_long_names_and_many_guids_stay_under_the_url_budget(fresh: EmulatorServer) -> None:
    fresh.set_faults(max_url_bytes=8192)  # what Purview's front end accepts
    gateway = gateway_for(fresh)
    long_name = "x" * 250
    items = tables(0, 60, columns=1, name=long_name)  # 50 names per read would be a 15 KB URL
    results = gateway.upsert_assets(items)
    assert [r.status for r in results] == ["created"] * 60
    assert [r.status for r in gateway.upsert_assets(items)] == ["unchanged"] * 60  # read back by name
    unknown = [f"00000000-0000-0000-0000-{i:012d}" for i in range(340)]
    deleted = gateway.delete([str(r.guid) for r in results] + unknown)
    assert [d.status for d in deleted] == ["deleted"] * 400
    assert fresh.stats()["requests"][DELETES] == 3  # ~188 guids per URL
    assert fresh.stats()["entities"].get("azure_sql_table", 0) == 0
