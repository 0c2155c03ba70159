"""Realistic bulk-upsert units, built the way the gateway builds them: tables with columns, lineage processes,
terms and classifications from the e2e dataset, mapped and decided as new assets (everything written)."""

from __future__ import annotations

from pivot import ItemRef, PivotAssetItem, parse_item
from pivot.refs import Ref
from purview.assets import AssetWork, _decide
from purview.batching import Unit
from purview.mapping import EntityRef, map_asset
from purview.results import PriorState
from tests.e2e.dataset import catalog_items


def _external_id(ref: Ref) -> str:
    assert isinstance(ref, ItemRef)  # the e2e dataset refers to its own items only
    return ref.external_id


def realistic_units(tables: int, columns: int, processes: int) -> list[Unit]:
    """Units of ``tables`` tables with ``columns`` columns each and ``processes`` lineage processes (each
    reads table n and writes table n+1), in two collections, processes first (so that they share batches with
    their tables); terms resolve to stable fake guids."""
    items = [parse_item(r) for r in catalog_items("cat", tables, columns=columns, processes=processes)]
    assets = [i for i in items if isinstance(i, PivotAssetItem)]
    assets.sort(key=lambda a: a.type_name != "Process")
    index = {a.external_id: EntityRef(a.type_name, a.qualified_name) for a in assets}
    units = []
    for n, item in enumerate(assets):
        mapped = map_asset(
            item,
            resolve_ref=lambda ref: index[_external_id(ref)],
            resolve_term=lambda ref: f"guid-of-{_external_id(ref)}",
        )
        work = AssetWork(item, PriorState(), mapped=mapped, collection="sales" if n % 7 else "finance")
        _decide(work, lambda ref: None)
        units.append(Unit(item.sync_key, tuple(work.payloads()), work.collection))
    return units
