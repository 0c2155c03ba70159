"""Gateway behaviour against the emulator: dry run, deletes, failure isolation, collections, references."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import requests

from localdev.purview import EmulatorServer
from pivot import ItemRef, PivotAssetItem, PivotGlossaryItem
from purview import GatewayOptions, PurviewGateway, PurviewHttp, RetryOptions, ThrottledError
from tests.integration.gateway.dataset import CATALOG, table


@pytest.fixture
def fresh(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    emulator.reset()
    yield emulator


def gateway_for(
    emulator: EmulatorServer, *, retry: RetryOptions | None = None, **options: Any
) -> PurviewGateway:
    return PurviewGateway(PurviewHttp(emulator.url, retry=retry), GatewayOptions(**options))


def bare_table(i: int, **overrides: Any) -> PivotAssetItem:
    base: dict[str, Any] = {
        "glossary_items": [],
        "classification_items": [],
        "target_collection": None,
        "owners": [],
    }
    item = table(i, columns=3, **{**base, **overrides})
    columns = tuple(
        c.model_copy(update={"glossary_items": (), "classification_items": ()}) for c in item.columns
    )
    return item.model_copy(update={"columns": columns})


def write_requests(emulator: EmulatorServer) -> int:
    return sum(v for k, v in emulator.stats()["requests"].items() if not k.startswith("GET "))


def test_plan_reads_only_and_reports_creates_updates_unchanged(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    gateway.upsert_assets([bare_table(0), bare_table(1)])
    writes = write_requests(fresh)
    changed = bare_table(1, description="new text", attributes={"objectType": "U"})
    plans = gateway.plan_assets([bare_table(0), changed, bare_table(2)])
    assert [p.action for p in plans] == ["unchanged", "update", "create"]
    assert {(d.path, d.before, d.after) for d in plans[1].diffs} == {
        ("attributes.description", "Orders table 1", "new text"),
        ("attributes.objectType", None, "U"),
    }
    assert plans[0].guid is not None and plans[2].guid is None
    assert write_requests(fresh) == writes


def test_plan_terms_in_a_missing_glossary_writes_nothing(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    term = PivotGlossaryItem(catalog=CATALOG, external_id="t", name="Term", glossary="Nowhere")
    (plan,) = gateway.plan_terms([term])
    assert plan.action == "create"
    assert write_requests(fresh) == 0


def test_delete_is_batched_under_the_url_budget_and_unknown_guids_are_fine(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh, batch_size=2)  # the entity batch size does not chunk deletes
    results = gateway.upsert_assets([bare_table(i) for i in range(3)])
    unknown = [f"00000000-0000-0000-0000-{i:012d}" for i in range(197)]
    guids = [str(r.guid) for r in results] + unknown
    deleted = gateway.delete(guids)
    assert [d.status for d in deleted] == ["deleted"] * 200
    assert fresh.stats()["requests"]["DELETE /datamap/api/atlas/v2/entity/bulk"] == 2  # ~188 guids per 8 KB
    assert fresh.stats()["entities"].get("azure_sql_table", 0) == 0
    assert fresh.stats()["entities"].get("azure_sql_column", 0) == 0  # owned columns go with their table


def test_a_bad_item_fails_alone(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    bad = PivotAssetItem(
        catalog=CATALOG, external_id="bad", name="bad", type_name="no_such_type", qualified_name="x://bad"
    )
    results = gateway.upsert_assets([bare_table(0), bad, bare_table(1)])
    assert [r.status for r in results] == ["created", "failed", "created"]
    assert results[1].error_code is not None and "no_such_type" in str(results[1].reason)


def test_unresolvable_references_fail_the_item_clearly(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    process = PivotAssetItem(
        catalog=CATALOG,
        external_id="p",
        name="p",
        type_name="Process",
        qualified_name="p://1",
        inputs=["table0"],
        outputs=["elsewhere"],
    )
    termed = bare_table(3, glossary_items=["unknown-term"])
    results = gateway.upsert_assets([bare_table(0), process, termed])
    assert [r.status for r in results] == ["created", "failed", "failed"]
    assert "asset 'elsewhere' is unknown" in str(results[1].reason)
    assert "glossary term 'unknown-term'" in str(results[2].reason)


class RecordingRefs(Mapping[str, Mapping[str, str]]):
    """A run's asset index (the staged form) that records which entries were read."""

    def __init__(self, entries: dict[str, Mapping[str, str]]) -> None:
        self.entries = entries
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Mapping[str, str]:
        self.read.append(key)
        return self.entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def test_a_batch_reads_only_the_index_entries_its_items_use(fresh: EmulatorServer) -> None:
    """The run's index is looked up per reference, never converted whole (that was quadratic per run)."""
    gateway = gateway_for(fresh)
    far = bare_table(1)
    (written,) = gateway.upsert_assets([far])
    entries: dict[str, Mapping[str, str]] = {
        f"other{n}": {"type_name": "azure_sql_table", "qualified_name": f"mssql://x/y/z/t{n}"}
        for n in range(5000)
    }
    entries["far"] = {"type_name": far.type_name, "qualified_name": far.qualified_name}
    entries["table0"] = {"type_name": "azure_sql_table", "qualified_name": "mssql://stale/entry"}
    refs = RecordingRefs(entries)
    process = PivotAssetItem(
        catalog=CATALOG,
        external_id="p",
        name="p",
        type_name="Process",
        qualified_name="p://1",
        inputs=["table0"],  # in the batch: the batch's own item wins over the index
        outputs=["far"],
    )
    results = gateway.upsert_assets([bare_table(0), process], asset_refs=refs)
    assert [r.status for r in results] == ["created", "created"]
    assert refs.read == ["far"]
    body = requests.get(f"{fresh.url}/catalog/api/atlas/v2/entity/guid/{results[1].guid}", timeout=10).json()
    rels = body["entity"]["relationshipAttributes"]
    assert [r["guid"] for r in rels["outputs"]] == [written.guid]
    assert [r["guid"] for r in rels["inputs"]] == [results[0].guid]


def test_missing_collection_fails_items_unless_creation_is_allowed(fresh: EmulatorServer) -> None:
    item = bare_table(0, target_collection="Brand New")
    (result,) = gateway_for(fresh).upsert_assets([item])
    assert result.status == "failed" and "collection 'Brand New' does not exist" in str(result.reason)
    creating = gateway_for(fresh, create_collections=True, parent_collection=None)
    (result,) = creating.upsert_assets([item])
    assert result.status == "created"
    collections = requests.get(fresh.url + "/account/collections", timeout=30).json()["value"]
    assert "Brand New" in {c.get("friendlyName") for c in collections}


def test_moves_an_existing_asset_to_its_new_collection(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh, create_collections=True)
    (first,) = gateway.upsert_assets([bare_table(0, target_collection="Alpha")])
    (moved,) = gateway.upsert_assets([bare_table(0, target_collection="Beta")])
    assert (moved.status, moved.guid) == ("updated", first.guid)
    assert fresh.stats()["requests"]["POST /datamap/api/entity/moveTo"] == 1
    entity = requests.get(f"{fresh.url}/datamap/api/atlas/v2/entity/guid/{first.guid}", timeout=30).json()
    assert entity["entity"]["collectionId"] == "beta"


def test_removed_column_is_deleted(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    gateway.upsert_assets([bare_table(0)])
    item = bare_table(0)
    fewer = item.model_copy(update={"columns": item.columns[:2]})
    (result,) = gateway.upsert_assets([fewer])
    assert (result.status, result.changes) == ("updated", 1)
    assert fresh.stats()["entities"]["azure_sql_column"] == 2


def test_throttled_error_after_attempts_run_out(fresh: EmulatorServer) -> None:
    fresh.set_faults(capacity_units=0.04)  # one request per 25 s
    try:
        gateway = gateway_for(fresh, retry=RetryOptions(max_attempts=2, base_delay=0.1, max_delay=0.2))
        gateway.http.atlas("GET", "/glossary")
        with pytest.raises(ThrottledError) as info:
            gateway.http.atlas("GET", "/glossary")
        assert info.value.status == 429 and info.value.retry_after is not None
        assert gateway.stats()["throttled"] == 2
    finally:
        fresh.set_faults()


def test_plan_terms_reports_diffs_and_new_children(fresh: EmulatorServer) -> None:
    gateway = gateway_for(fresh)
    root = PivotGlossaryItem(catalog=CATALOG, external_id="r", name="Root", glossary="G", description="old")
    (created,) = gateway.upsert_terms([root])
    writes = write_requests(fresh)
    changed = root.model_copy(update={"description": "new"})
    child = PivotGlossaryItem(catalog=CATALOG, external_id="c", name="Child", glossary="G", parent="r")
    grandchild = PivotGlossaryItem(catalog=CATALOG, external_id="g", name="Leaf", glossary="G", parent="c")
    plans = gateway.plan_terms([grandchild, child, changed])
    assert [p.action for p in plans] == ["create", "create", "update"]
    assert [(d.path, d.before, d.after) for d in plans[2].diffs] == [("longDescription", "old", "new")]
    assert plans[2].guid == created.guid
    assert write_requests(fresh) == writes
    results = gateway.upsert_terms([grandchild, child, changed])
    assert [r.status for r in results] == ["created", "created", "updated"]
    assert results[0].qualified_name == "Root_Child_Leaf@G"


def test_delete_terms_and_classifications(fresh: EmulatorServer) -> None:
    from pivot import PivotClassificationItem

    gateway = gateway_for(fresh)
    (classification,) = gateway.ensure_classifications(
        [PivotClassificationItem(catalog=CATALOG, external_id="c", name="C", classification_name="SHOP.GONE")]
    )
    assert classification.status == "created"
    free, used = gateway.upsert_terms(
        [
            PivotGlossaryItem(catalog=CATALOG, external_id="a", name="Free", glossary="G"),
            PivotGlossaryItem(catalog=CATALOG, external_id="b", name="Used", glossary="G"),
        ]
    )
    (asset,) = gateway.upsert_assets([bare_table(0, glossary_items=["b"])], term_guids={"b": str(used.guid)})
    assert asset.status == "created"
    results = gateway.delete_terms([str(free.guid), str(used.guid), "00000000-0000-0000-0000-000000000000"])
    assert [r.status for r in results] == ["deleted", "failed", "deleted"]
    assert "ATLAS-" in str(results[1].reason)
    assert [r.status for r in gateway.delete_classifications(["SHOP.GONE", "SHOP.NEVER"])] == [
        "deleted",
        "deleted",
    ]


def test_assignments_added_to_existing_columns_and_removed_again(fresh: EmulatorServer) -> None:
    from pivot import PivotClassificationItem
    from purview import PriorState

    gateway = gateway_for(fresh)
    gateway.ensure_classifications(
        [PivotClassificationItem(catalog=CATALOG, external_id="c", name="C", classification_name="SHOP.PII")]
    )
    (term,) = gateway.upsert_terms(
        [PivotGlossaryItem(catalog=CATALOG, external_id="t", name="Email", glossary="G")]
    )
    term_guids = {"t": str(term.guid)}
    plain = bare_table(0)
    (created,) = gateway.upsert_assets([plain])
    columns = list(plain.columns)
    columns[1] = columns[1].model_copy(
        update={"glossary_items": (ItemRef(external_id="t"),), "classification_items": ("SHOP.PII",)}
    )
    tagged = plain.model_copy(update={"columns": tuple(columns)})
    (updated,) = gateway.upsert_assets(
        [tagged], term_guids=term_guids, prior={plain.sync_key: PriorState.after(created)}
    )
    assert (updated.status, updated.changes) == ("updated", 2)
    assert updated.assigned_terms == (f"{term.guid}@col_1",)
    assert updated.assigned_classifications == ("SHOP.PII@col_1",)
    read = requests.get(f"{fresh.url}/datamap/api/atlas/v2/entity/guid/{created.guid}", timeout=30).json()[
        "referredEntities"
    ]
    column = next(c for c in read.values() if c["attributes"]["name"] == "col_1")
    assert [m["guid"] for m in column["relationshipAttributes"]["meanings"]] == [term.guid]
    assert [c["typeName"] for c in column["classifications"]] == ["SHOP.PII"]
    assert fresh.stats()["requests"]["POST /datamap/api/atlas/v2/entity/bulk/classification"] == 1

    (removed,) = gateway.upsert_assets(
        [plain], term_guids=term_guids, prior={plain.sync_key: PriorState.after(updated)}
    )
    assert (removed.status, removed.changes, removed.assigned_terms, removed.assigned_classifications) == (
        "updated",
        2,
        (),
        (),
    )
    read = requests.get(f"{fresh.url}/datamap/api/atlas/v2/entity/guid/{created.guid}", timeout=30).json()[
        "referredEntities"
    ]
    column = next(c for c in read.values() if c["attributes"]["name"] == "col_1")
    assert column["relationshipAttributes"]["meanings"] == [] and column["classifications"] == []


def test_plan_classifications(fresh: EmulatorServer) -> None:
    from pivot import PivotClassificationItem

    gateway = gateway_for(fresh)
    first = PivotClassificationItem(catalog=CATALOG, external_id="a", name="A", classification_name="SHOP.A")
    gateway.ensure_classifications([first])
    writes = write_requests(fresh)
    changed = first.model_copy(update={"description": "now described"})
    other = PivotClassificationItem(catalog=CATALOG, external_id="b", name="B", classification_name="SHOP.B")
    plans = gateway.plan_classifications([first, changed, other])
    assert [p.action for p in plans] == ["unchanged", "update", "create"]
    assert [(d.path, d.after) for d in plans[1].diffs] == [("description", "now described")]
    assert write_requests(fresh) == writes
    assert [r.status for r in gateway.ensure_classifications([changed, other])] == ["updated", "created"]
