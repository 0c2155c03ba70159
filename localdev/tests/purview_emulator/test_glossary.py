"""Glossary semantics through pyapacheatlas: qualifiedNames, hierarchy, duplicates, term assignment."""

from __future__ import annotations

from typing import Any

import pytest
from pyapacheatlas.core.glossary import PurviewGlossaryTerm
from pyapacheatlas.core.util import AtlasException

from purview_emulator.conftest import A, D, Http, table_with_columns


@pytest.fixture
def glossary(http: Http) -> dict[str, Any]:
    response = http.post(f"{A}/glossary", json={"name": "Glossary", "shortDescription": "default"})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_create_glossary_shape_and_duplicate(glossary: dict[str, Any], http: Http, atlas_client: Any) -> None:
    assert glossary["qualifiedName"] == "Glossary" and glossary["terms"] == []
    duplicate = http.post(f"{D}/glossary", json={"name": "Glossary"})
    assert (duplicate.status_code, duplicate.json()["errorCode"]) == (409, "ATLAS-409-00-007")
    listed = atlas_client.glossary.get_glossaries()
    assert [g["guid"] for g in listed] == [glossary["guid"]]
    assert atlas_client.get_glossary(name="Glossary")["guid"] == glossary["guid"]


def test_upload_terms_with_hierarchy(glossary: dict[str, Any], atlas_client: Any, http: Http) -> None:
    parent = atlas_client.glossary.upload_term(
        PurviewGlossaryTerm(name="Finance", qualifiedName="Finance@Glossary", glossaryGuid=glossary["guid"])
    )
    assert parent["qualifiedName"] == "Finance@Glossary"
    assert parent["status"] == "Draft"
    assert parent["anchor"]["glossaryGuid"] == glossary["guid"]
    child = PurviewGlossaryTerm(
        name="Revenue", qualifiedName="Revenue@Glossary", glossaryGuid=glossary["guid"]
    )
    child.add_hierarchy(parentFormalName="Finance", parentGuid=parent["guid"])
    with pytest.raises(AtlasException) as info:
        # pyapacheatlas quirk: the deprecated PurviewClient.upload_terms passes force_update=False as
        # includeTermHierarchy, so a hierarchical term is refused like Purview does
        atlas_client.upload_terms([child])
    assert "TermHierarchyQueryParameterMissing" in str(info.value)
    created = atlas_client.glossary.upload_terms([child])
    assert [t["qualifiedName"] for t in created] == ["Finance_Revenue@Glossary"]
    assert created[0]["parentTerm"]["termGuid"] == parent["guid"]
    without_flag = http.post(
        f"{A}/glossary/term",
        json={
            "name": "Cost",
            "anchor": {"glossaryGuid": glossary["guid"]},
            "parentTerm": {"termGuid": parent["guid"]},
        },
    )
    assert (without_flag.status_code, without_flag.json()["errorCode"]) == (
        400,
        "TermHierarchyQueryParameterMissing",
    )
    detailed = atlas_client.get_glossary(guid=glossary["guid"], detailed=True)
    assert sorted(t["qualifiedName"] for t in detailed["termInfo"].values()) == [
        "Finance@Glossary",
        "Finance_Revenue@Glossary",
    ]
    fetched = atlas_client.glossary.get_term(guid=parent["guid"])
    assert [c["termGuid"] for c in fetched["childrenTerms"]] == [created[0]["guid"]]


def test_duplicate_term_and_missing_anchor(glossary: dict[str, Any], http: Http) -> None:
    body = {"name": "T", "anchor": {"glossaryGuid": glossary["guid"]}}
    assert http.post(f"{A}/glossary/term", json=body).status_code == 200
    duplicate = http.post(f"{A}/glossary/term", json=body)
    assert (duplicate.status_code, duplicate.json()["errorCode"]) == (409, "ATLAS-409-00-009")
    assert "T@Glossary" in duplicate.json()["errorMessage"]
    no_anchor = http.post(f"{A}/glossary/term", json={"name": "U"})
    assert (no_anchor.status_code, no_anchor.json()["errorCode"]) == (400, "ATLAS-400-00-072")
    bulk = http.post(
        f"{A}/glossary/terms", json=[{"name": "V", "anchor": {"glossaryGuid": glossary["guid"]}}, body]
    )
    assert bulk.status_code == 409
    terms = http.get(f"{A}/glossary/{glossary['guid']}/terms", params={"limit": -1}).json()
    assert [t["name"] for t in terms] == ["T"]  # the failed bulk left nothing behind


def test_assign_and_unassign_term(glossary: dict[str, Any], atlas_client: Any, http: Http) -> None:
    term = atlas_client.glossary.upload_term(
        PurviewGlossaryTerm(name="Customer", qualifiedName="Customer@Glossary", glossaryGuid=glossary["guid"])
    )
    guid = atlas_client.upload_entities(table_with_columns(columns=()))["guidAssignments"]["-1"]
    assert atlas_client.glossary.get_term(name="Customer", glossary_name="Glossary")["guid"] == term["guid"]
    atlas_client.glossary.assignTerm([{"guid": guid}], termName="Customer", glossary_name="Glossary")
    atlas_client.glossary.assignTerm([{"guid": guid}], termGuid=term["guid"])  # already assigned: no-op
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    meanings = entity["relationshipAttributes"]["meanings"]
    assert [m["guid"] for m in meanings] == [term["guid"]]
    assert meanings[0]["displayText"] == "Customer"
    assigned = atlas_client.glossary.get_termAssignedEntities(termGuid=term["guid"])
    assert [a["guid"] for a in assigned] == [guid]
    assert assigned[0]["relationshipType"] == "AtlasGlossarySemanticAssignment"
    refused = http.delete(f"{A}/glossary/term/{term['guid']}")
    assert (refused.status_code, refused.json()["errorCode"]) == (400, "ATLAS-400-00-086")
    no_rel = http.delete(f"{A}/glossary/terms/{term['guid']}/assignedEntities", json=[{"guid": guid}])
    assert (no_rel.status_code, no_rel.json()["errorCode"]) == (400, "ATLAS-400-00-078")
    atlas_client.glossary.delete_assignedTerm(entities=[entity], termGuid=term["guid"])
    entity = atlas_client.get_entity(guid=guid)["entities"][0]
    assert entity["relationshipAttributes"]["meanings"] == []
    assert atlas_client.glossary.delete_term(term["guid"]) is not None
    assert http.get(f"{A}/glossary/term/{term['guid']}").status_code == 404


def test_meanings_through_entity_upsert(glossary: dict[str, Any], atlas_client: Any) -> None:
    term = atlas_client.glossary.upload_term(
        PurviewGlossaryTerm(name="Order", qualifiedName="Order@Glossary", glossaryGuid=glossary["guid"])
    )
    table = table_with_columns(columns=())[0]
    table["relationshipAttributes"] = {"meanings": [{"guid": term["guid"]}]}
    guid = atlas_client.upload_entities([table])["guidAssignments"]["-1"]
    assigned = atlas_client.glossary.get_termAssignedEntities(termGuid=term["guid"])
    assert [a["guid"] for a in assigned] == [guid]


def test_update_term_and_glossary(glossary: dict[str, Any], atlas_client: Any, http: Http) -> None:
    term = atlas_client.glossary.upload_term(
        PurviewGlossaryTerm(name="Old", qualifiedName="Old@Glossary", glossaryGuid=glossary["guid"])
    )
    updated = http.put(
        f"{A}/glossary/term/{term['guid']}",
        json={"name": "New", "anchor": {"glossaryGuid": glossary["guid"]}, "longDescription": "x"},
    ).json()
    assert (updated["qualifiedName"], updated["longDescription"]) == ("New@Glossary", "x")
    partial = http.put(f"{A}/glossary/term/{term['guid']}/partial", json={"status": "Approved"}).json()
    assert (partial["status"], partial["longDescription"]) == ("Approved", "x")
    renamed = http.put(
        f"{A}/glossary/{glossary['guid']}", json={"name": "Glossary", "shortDescription": "s"}
    ).json()
    assert renamed["shortDescription"] == "s" and renamed["terms"][0]["displayText"] == "New"
    assert http.delete(f"{A}/glossary/{glossary['guid']}").status_code == 204
    assert http.get(f"{A}/glossary", params={"limit": -1}).json() == []


def test_default_glossary_option() -> None:
    from localdev.purview import Options, pyapacheatlas_client, running_emulator

    with running_emulator(options=Options(default_glossary=True)) as server:
        client = pyapacheatlas_client(server.url)
        assert client.get_glossary()["qualifiedName"] == "Glossary"
        server.reset()
        assert [g["name"] for g in client.glossary.get_glossaries()] == ["Glossary"]
