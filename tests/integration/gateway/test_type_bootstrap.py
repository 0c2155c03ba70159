"""Issue #10 item 7 under attack: the custom types deleted by hand after the worker bootstrapped them."""

from __future__ import annotations

import requests

from localdev.purview import EmulatorServer
from pivot import PivotAssetItem
from purview import PurviewGateway, TypeBootstrap
from purview.typedefs import project_typedefs


def dataset(n: int) -> PivotAssetItem:
    return PivotAssetItem.model_validate(
        {
            "kind": "asset",
            "catalog": "types",
            "external_id": f"ds{n}",
            "name": f"dataset_{n}",
            "type_name": "federation_dataset",
            "qualified_name": f"mongodb://cluster/shop/dataset_{n}",
            "columns": [{"name": "f0", "data_type": "string"}],
        }
    )


def test_assets_land_when_the_custom_types_vanish_after_the_bootstrap() -> None:
    """The worker cached "types ensured"; someone deleted them (possible while no asset uses them). The
    batch that meets ``ATLAS-400-00-014`` re-ensures the types and writes its assets again: none fails."""
    with EmulatorServer(port=0) as server:
        gateway = PurviewGateway(endpoint=server.url, capacity_units=None, types=TypeBootstrap())
        gateway.bootstrap_types()
        for name in reversed([d["name"] for d in project_typedefs()]):
            answer = requests.delete(
                f"{server.url}/datamap/api/atlas/v2/types/typedef/name/{name}", timeout=10
            )
            assert answer.status_code in (200, 204), (name, answer.text)

        results = gateway.upsert_assets([dataset(n) for n in range(3)])

        assert [r.status for r in results] == ["created"] * 3, [r.reason for r in results]
        assert gateway.types.ready(server.url)
