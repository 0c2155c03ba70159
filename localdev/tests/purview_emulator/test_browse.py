"""The read-only HTML pages: index, asset detail (columns, terms, classifications, lineage), glossary tree."""

from __future__ import annotations

from typing import Any

from purview_emulator.conftest import A, Http, table_with_columns


def test_browse_pages(atlas_client: Any, http: Http) -> None:
    atlas_client.upload_typedefs(classificationDefs=[{"name": "PII", "category": "CLASSIFICATION"}])
    entities = table_with_columns(name="orders<script>", columns=("id", "amount"))
    entities[1]["classifications"] = [{"typeName": "PII"}]
    entities.append(
        {
            "typeName": "Process",
            "guid": "-9",
            "attributes": {"name": "load_orders", "qualifiedName": "p://load", "inputs": [{"guid": "-1"}]},
        }
    )
    g = atlas_client.upload_entities(entities)["guidAssignments"]
    glossary = http.post(f"{A}/glossary", json={"name": "Glossary"}).json()
    parent = http.post(
        f"{A}/glossary/term", json={"name": "Sales", "anchor": {"glossaryGuid": glossary["guid"]}}
    )
    child = http.post(
        f"{A}/glossary/term",
        params={"includeTermHierarchy": "true"},
        json={
            "name": "Order",
            "anchor": {"glossaryGuid": glossary["guid"]},
            "parentTerm": {"termGuid": parent.json()["guid"]},
        },
    ).json()
    atlas_client.glossary.assignTerm([{"guid": g["-2"]}], termGuid=child["guid"])

    index = http.get("/")
    assert index.status_code == 200 and index.headers["Content-Type"].startswith("text/html")
    assert "azure_sql_table" in index.text and "orders&lt;script&gt;" in index.text
    assert "<script>" not in index.text
    assert f"/browse/glossary/{glossary['guid']}" in index.text
    filtered = http.get("/", params={"type": "Process"}).text
    assert "load_orders" in filtered and "orders&lt;script&gt;" not in filtered.split("<h2>Assets</h2>")[1]

    page = http.get(f"/browse/entity/{g['-1']}").text
    for text in ("amount", "int", "Order", "PII", "load_orders"):
        assert text in page, text
    tree = http.get(f"/browse/glossary/{glossary['guid']}").text
    assert tree.index("Sales") < tree.index("Order") and "Sales_Order@Glossary" in tree
    assert "Not found" in http.get("/browse/entity/nope").text
    assert http.get("/_emulator/stats").json()["requests"].get("GET /") is None  # pages are not counted
