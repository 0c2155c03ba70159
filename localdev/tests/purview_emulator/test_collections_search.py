"""Collections (account plane), collection upload/move and discovery search."""

from __future__ import annotations

from typing import Any

import pytest
from pyapacheatlas.core import AtlasClassification

from purview_emulator.conftest import A, D, Http, table_with_columns


@pytest.fixture
def collections(atlas_client: Any) -> None:
    atlas_client.collections.create_or_update_collection("sales", "Sales", "emulator")
    atlas_client.collections.create_or_update_collection("hr", "Human resources", "emulator", description="d")


def test_collection_crud(collections: None, atlas_client: Any, http: Http) -> None:
    listed = {c["name"]: c for c in atlas_client.collections.list_collections()}
    assert set(listed) == {"emulator", "sales", "hr"}
    assert listed["hr"]["parentCollection"] == {"type": "CollectionReference", "referenceName": "emulator"}
    assert listed["hr"]["collectionProvisioningState"] == "Succeeded"
    got = http.get("/account/collections/sales", params={"api-version": "2019-11-01-preview"})
    assert got.status_code == 200 and got.json()["friendlyName"] == "Sales"
    missing = http.get("/account/collections/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "CollectionNotFound"
    orphan = http.put(
        "/account/collections/x1", json={"friendlyName": "x", "parentCollection": {"referenceName": "zz"}}
    )
    assert orphan.status_code == 400 and "error" in orphan.json()
    path = http.get("/account/collections/sales/getCollectionPath").json()
    assert path == {"parentNameChain": ["emulator"], "parentFriendlyNameChain": ["emulator"]}
    children = http.get("/collections/emulator/getChildCollectionNames").json()
    assert [c["name"] for c in children["value"]] == ["hr", "sales"]
    assert http.delete("/account/collections/hr").status_code == 204
    assert http.delete("/account/collections/emulator").status_code == 400


def test_collection_upload_and_moves(collections: None, atlas_client: Any, http: Http) -> None:
    result = atlas_client.collections.upload_entities(table_with_columns(), collection="sales")
    guid = result["guidAssignments"]["-1"]
    assert atlas_client.get_entity(guid=guid)["entities"][0]["collectionId"] == "sales"
    refused = http.delete("/account/collections/sales")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "CollectionHasAssets"
    moved = atlas_client.collections.move_entities(guids=[guid], collection="hr")
    assert [h["guid"] for h in moved["mutatedEntities"]["UPDATE"]] == [guid]
    assert atlas_client.get_entity(guid=guid)["entities"][0]["collectionId"] == "hr"
    move_to = http.post(
        "/datamap/api/entity/moveTo",
        params={"collectionId": "sales", "api-version": "2023-09-01"},
        json={"entityGuids": [guid]},
    )
    assert move_to.status_code == 200
    assert atlas_client.get_entity(guid=guid)["entities"][0]["collectionId"] == "sales"
    upsert = http.post(
        f"{D}/entity/bulk", params={"collectionId": "hr"}, json={"entities": table_with_columns()[:1]}
    )
    assert upsert.json()["mutatedEntities"]["UPDATE"][0]["guid"] == guid
    assert atlas_client.get_entity(guid=guid)["entities"][0]["collectionId"] == "hr"
    unknown = http.post(
        f"{D}/entity/bulk", params={"collectionId": "zz"}, json={"entities": table_with_columns()}
    )
    assert unknown.status_code == 400 and "errorCode" in unknown.json()


@pytest.fixture
def catalog(collections: None, atlas_client: Any) -> dict[str, str]:
    atlas_client.upload_typedefs(classificationDefs=[{"name": "PII", "category": "CLASSIFICATION"}])
    guids: dict[str, str] = {}
    for i in range(12):
        name = f"orders_{i:02d}" if i < 10 else f"customers_{i}"
        coll = "sales" if i % 2 == 0 else "hr"
        table = table_with_columns(name=name, columns=())[0]
        table["attributes"]["description"] = "revenue table" if i == 3 else None
        result = atlas_client.collections.upload_entities([table], collection=coll)
        guids[name] = result["guidAssignments"]["-1"]
    atlas_client.classify_entity(guids["orders_05"], [AtlasClassification("PII")])
    atlas_client.upload_entities(
        [
            {
                "typeName": "azure_blob_path",
                "guid": "-1",
                "attributes": {"name": "f.csv", "qualifiedName": "https://a.blob.core.windows.net/c/f.csv"},
            }
        ]
    )
    return guids


def test_search_keywords_filters_and_offset(catalog: dict[str, str], atlas_client: Any, http: Http) -> None:
    everything = atlas_client.discovery.query(keywords="*", limit=100)
    assert everything["@search.count"] == 13
    orders = atlas_client.discovery.query(keywords="orders", limit=100)
    assert orders["@search.count"] == 10
    first = orders["value"][0]
    for key in (
        "@search.score",
        "id",
        "qualifiedName",
        "name",
        "entityType",
        "classification",
        "term",
        "assetType",
    ):
        assert key in first
    described = atlas_client.discovery.query(keywords="revenue")
    assert [v["name"] for v in described["value"]] == ["orders_03"]
    in_sales = atlas_client.discovery.query(
        keywords="*",
        filter={"and": [{"collectionId": "sales"}, {"entityType": "azure_sql_table"}]},
        limit=100,
    )
    assert in_sales["@search.count"] == 6
    assert all(v["collectionId"] == "sales" for v in in_sales["value"])
    pii = atlas_client.discovery.query(keywords="*", filter={"classification": "PII"})
    assert [v["id"] for v in pii["value"]] == [catalog["orders_05"]]
    files = atlas_client.discovery.query(keywords="*", filter={"objectType": "Files"})
    assert [v["name"] for v in files["value"]] == ["f.csv"]
    attr = atlas_client.discovery.query(
        keywords="*",
        filter={
            "not": {"attributeName": "name", "operator": "startswith", "attributeValue": "orders"},
            "kind": "NotFilter",
        },
    )
    assert sorted(v["name"] for v in attr["value"]) == ["customers_10", "customers_11", "f.csv"]
    page1 = atlas_client.discovery.query(keywords="orders", limit=4, offset=0)
    page3 = atlas_client.discovery.query(keywords="orders", limit=4, offset=8)
    assert len(page1["value"]) == 4 and len(page3["value"]) == 2
    too_big = http.post("/catalog/api/search/query", json={"keywords": "*", "limit": 1001})
    assert too_big.status_code == 400 and "error" in too_big.json()
    bad = http.post("/catalog/api/search/query", json={"keywords": "*", "filter": {"bogus": 1}})
    assert bad.status_code == 400


def test_search_continuation_token(catalog: dict[str, str], http: Http) -> None:
    seen: list[str] = []
    body: dict[str, Any] = {"keywords": "orders", "limit": 3}
    pages = 0
    while True:
        page = http.post("/datamap/api/search/query", params={"api-version": "2023-09-01"}, json=body).json()
        pages += 1
        assert page["@search.count"] == 10
        seen += [v["id"] for v in page["value"]]
        if "continuationToken" not in page:
            break
        body = {**body, "continuationToken": page["continuationToken"]}
    assert pages == 4 and len(set(seen)) == 10


def test_search_terms_and_facets(catalog: dict[str, str], atlas_client: Any, http: Http) -> None:
    glossary = http.post(f"{A}/glossary", json={"name": "Glossary"}).json()
    term = http.post(
        f"{A}/glossary/term", json={"name": "Sales", "anchor": {"glossaryGuid": glossary["guid"]}}
    ).json()
    atlas_client.glossary.assignTerm([{"guid": catalog["orders_01"]}], termGuid=term["guid"])
    by_term = atlas_client.discovery.query(keywords="*", filter={"term": "Sales", "glossary": "Glossary"})
    assert [v["id"] for v in by_term["value"]] == [catalog["orders_01"]]
    assert by_term["value"][0]["term"][0]["name"] == "Sales"
    terms = atlas_client.discovery.query(keywords="Sales", filter={"objectType": "Glossary terms"})
    assert [v["qualifiedName"] for v in terms["value"]] == ["Sales@Glossary"]
    faceted = http.post(
        "/datamap/api/search/query",
        json={
            "keywords": "*",
            "filter": {"entityType": "azure_sql_table"},
            "facets": [{"facet": "collectionId", "count": 10}],
        },
    ).json()
    assert {f["value"]: f["count"] for f in faceted["@search.facets"]["collectionId"]} == {
        "sales": 6,
        "hr": 6,
    }


def test_pyapacheatlas_search_generator_pages_through_everything(
    catalog: dict[str, str], atlas_client: Any
) -> None:
    found = list(atlas_client.discovery.search_entities("orders", limit=3))
    assert sorted(v["id"] for v in found) == sorted(g for n, g in catalog.items() if n.startswith("orders"))


def test_entity_level_collection_id(collections: None, atlas_client: Any, http: Http) -> None:
    table = {**table_with_columns(columns=())[0], "collectionId": "hr"}
    guid = http.post(f"{D}/entity/bulk", json={"entities": [table]}).json()["guidAssignments"]["-1"]
    assert atlas_client.get_entity(guid=guid)["entities"][0]["collectionId"] == "hr"
    unknown = http.post(f"{D}/entity/bulk", json={"entities": [{**table, "collectionId": "zz"}]})
    assert unknown.status_code == 400
