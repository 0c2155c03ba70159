from __future__ import annotations

from typing import Any

from purview.glossary import term_diffs


def term(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Revenue",
        "anchor": {"glossaryGuid": "g"},
        "longDescription": "Money",
        "abbreviation": None,
        "status": "Approved",
        "parentTerm": {"termGuid": "p"},
        "synonyms": [{"termGuid": "s"}],
        "seeAlso": [],
        "resources": [{"displayName": "Wiki", "url": "https://w"}],
    }
    body.update(overrides)
    return body


def test_same_term_has_no_diffs() -> None:
    current = term(
        guid="x",
        qualifiedName="P_Revenue@G",
        synonyms=[{"termGuid": "s", "relationGuid": "r"}],
        abbreviation="",
        parentTerm={"termGuid": "p", "relationGuid": "r2"},
    )
    assert term_diffs(term(), current) == []


def test_term_field_diffs() -> None:
    current = term(longDescription="Old", synonyms=[], parentTerm=None, resources=[])
    paths = [d.path for d in term_diffs(term(), current)]
    assert paths == ["longDescription", "parentTerm", "synonyms", "resources"]


def test_status_not_managed_when_not_sent() -> None:
    wanted = term()
    del wanted["status"]
    assert term_diffs(wanted, term(status="Draft")) == []


def test_contacts_compared_when_sent() -> None:
    wanted = term(contacts={"Expert": [{"id": "a"}]})
    assert [d.path for d in term_diffs(wanted, term())] == ["contacts"]
    assert term_diffs(wanted, term(contacts={"Expert": [{"id": "a", "info": "x"}]})) == []


def test_levels_order_parents_first_and_detect_cycles() -> None:
    from pivot import PivotGlossaryItem
    from purview.glossary import TermWork, _levels
    from purview.results import PriorState

    def work(external_id: str, parent: str | None) -> TermWork:
        item = PivotGlossaryItem(catalog="c", external_id=external_id, name=external_id, parent=parent)
        return TermWork(item, PriorState())

    works = [work("leaf", "mid"), work("mid", "root"), work("root", None), work("other", "outside")]
    _levels(works)
    assert [w.level for w in works] == [2, 1, 0, 0]
    looped = [work("a", "b"), work("b", "a")]
    _levels(looped)
    assert all(w.error is not None for w in looped)
