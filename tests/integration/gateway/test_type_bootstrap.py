"""Issue #10 item 7 under attack: the custom types deleted by hand after the worker bootstrapped them."""

from __future__ import annotations

from typing import Any

import requests

from localdev.purview import EmulatorServer
from pivot import PivotAssetItem
from purview import PurviewGateway, PurviewHttp, TypeBootstrap
from purview.typedefs import project_typedefs
from tests.unit.purview.fakes import response


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
        gateway = PurviewGateway(PurviewHttp(server.url), types=TypeBootstrap())
        gateway.bootstrap_types()
        for name in reversed([d["name"] for d in project_typedefs()]):
            answer = requests.delete(
                f"{server.url}/datamap/api/atlas/v2/types/typedef/name/{name}", timeout=10
            )
            assert answer.status_code in (200, 204), (name, answer.text)

        results = gateway.upsert_assets([dataset(n) for n in range(3)])

        assert [r.status for r in results] == ["created"] * 3, [r.reason for r in results]
        assert gateway.types.ready(server.url)


class _NoTypedefWrites(requests.Session):
    """The real emulator, except that typedef writes answer 403 while ``denied`` (a missing permission)."""

    denied = True

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        if self.denied and str(method) in ("POST", "PUT") and "/types/typedefs" in str(url):
            return response(403, {"error": {"code": "Forbidden", "message": "caller may not write typedefs"}})
        return super().request(method, url, *args, **kwargs)


def test_a_bootstrap_without_permission_names_the_cause_then_recovers() -> None:
    """Without permission to write typedefs the custom-type assets fail saying why (not only "type does
    not exist"); once the permission is granted the next batch bootstraps and lands them."""
    with EmulatorServer(port=0) as server:
        session = _NoTypedefWrites()
        gateway = PurviewGateway(PurviewHttp(server.url, session=session), types=TypeBootstrap())
        denied = gateway.upsert_assets([dataset(n) for n in range(2)])
        assert [r.status for r in denied] == ["failed"] * 2
        assert "could not be ensured" in str(denied[0].reason), denied[0].reason
        assert "caller may not write typedefs" in str(denied[0].reason), denied[0].reason

        session.denied = False
        granted = gateway.upsert_assets([dataset(n) for n in range(2)])
        assert [r.status for r in granted] == ["created"] * 2, [r.reason for r in granted]
