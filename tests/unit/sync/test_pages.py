"""Page rules: the last mention of an object wins, deletions vs items, and what cannot be imported."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from connectors.base import Deletion, Rejected
from pivot import AnyPivotItem
from pivot.items import parse_item
from sync.pages import invalid_records, page_items, unattributed
from sync.waves import OrderFailure


def asset(external_id: str, name: str = "t") -> AnyPivotItem:
    return parse_item(
        {
            "kind": "asset",
            "catalog": "c",
            "external_id": external_id,
            "name": name,
            "type_name": "azure_sql_table",
            "qualified_name": f"mssql://srv/db/{external_id}",
        }
    )


def term(external_id: str, name: str = "Term") -> AnyPivotItem:
    return parse_item({"kind": "glossary_term", "catalog": "c", "external_id": external_id, "name": name})


def gone(external_id: str, kind: str = "asset") -> Deletion:
    return Deletion(kind=kind, external_id=external_id)


def ids(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["kind"], r["external_id"]) for r in records]


def test_plain_items_deletions_and_rejects_are_sorted() -> None:
    rejected = Rejected(where="line 3", reason="no name", external_id="x", kind="asset")
    page = page_items([asset("a"), term("t"), gone("z"), rejected])
    assert ids(page.items) == [("asset", "a"), ("glossary_term", "t")]
    assert page.items[0] == asset("a").model_dump(mode="json")
    assert page.deletions == [{"kind": "asset", "external_id": "z"}]
    assert page.rejected == [rejected.to_json()]
    assert page.duplicates == []
    assert page.errors() == ["line 3: no name"]


def test_an_object_then_its_deletion_is_a_deletion_only() -> None:
    page = page_items([asset("a"), gone("a")])
    assert page.items == []
    assert page.deletions == [{"kind": "asset", "external_id": "a"}]
    assert page.duplicates == []


def test_a_deletion_then_the_object_again_is_the_item_only() -> None:
    page = page_items([gone("a"), asset("a", name="back")])
    assert page.deletions == []
    assert [item["name"] for item in page.items] == ["back"]
    assert page.duplicates == []  # coming back after a deletion is no duplicate


def test_a_duplicate_is_reported_once_per_extra_mention_and_the_last_wins() -> None:
    page = page_items([asset("a", "v1"), asset("a", "v2"), asset("a", "v3")])
    assert [item["name"] for item in page.items] == ["v3"]
    assert page.duplicates == ["asset a: appears more than once; the last one is used"] * 2
    assert page.errors() == page.duplicates


def test_the_same_external_id_of_two_kinds_is_two_objects() -> None:
    page = page_items([asset("x"), term("x"), gone("x", "glossary_term")])
    assert ids(page.items) == [("asset", "x")]
    assert ids(page.deletions) == [("glossary_term", "x")]
    assert page.duplicates == []


def test_the_order_of_last_mentions_is_kept() -> None:
    page = page_items([asset("a"), asset("b"), gone("c"), asset("a"), term("t"), gone("b"), asset("c")])
    # last mentions in order: a (item), t (item), b (deletion), c (item)
    assert ids(page.items) == [("asset", "a"), ("glossary_term", "t"), ("asset", "c")]
    keyed = page_items(
        [asset("a"), gone("c"), asset("a"), term("t")],
        key_of=lambda item, raw: {"id": item.external_id, "raw": raw},
        raws=["r1", "r2", "r3", "r4"],
    )
    assert keyed.keys == [{"id": "a", "raw": "r3"}, {"id": "t", "raw": "r4"}]  # same order as the items
    assert ids(page.deletions) == [("asset", "b")]
    assert page.duplicates == ["asset a: appears more than once; the last one is used"]


def test_invalid_records_and_unattributed() -> None:
    rejected = [
        Rejected(where="l1", reason="bad type", external_id="a", kind="asset").to_json(),
        Rejected(where="l2", reason="unreadable JSON").to_json(),
        Rejected(where="l3", reason="no kind", external_id="b").to_json(),
    ]
    failures = [OrderFailure(external_id="t1", reason="parent cycle")]
    assert invalid_records(rejected, failures) == [
        {"external_id": "a", "kind": "asset", "reason": "bad type"},
        {"external_id": "t1", "kind": "glossary_term", "reason": "parent cycle"},
    ]
    assert unattributed(rejected) == 2  # neither names a whole object
    assert unattributed([]) == 0


MENTION = st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans(), st.integers(0, 9))


@given(st.lists(MENTION, max_size=25))
def test_each_object_lands_once_as_its_last_mention_says(mentions: list[tuple[str, bool, int]]) -> None:
    """A mention is (external_id, deleted?, version); the page must agree with a plain replay."""
    results = [gone(eid) if deleted else asset(eid, f"v{version}") for eid, deleted, version in mentions]
    page = page_items(results)
    last: dict[str, tuple[bool, int]] = {}
    for eid, deleted, version in mentions:
        last.pop(eid, None)
        last[eid] = (deleted, version)
    assert [item["external_id"] for item in page.items] == [eid for eid, (d, _) in last.items() if not d]
    assert [item["name"] for item in page.items] == [f"v{v}" for d, v in last.values() if not d]
    assert [r["external_id"] for r in page.deletions] == [eid for eid, (d, _) in last.items() if d]
    # a duplicate is an item mention following an item mention of the same object (no deletion between)
    expected = 0
    previous: dict[str, bool] = {}
    for eid, deleted, _ in mentions:
        if not deleted and previous.get(eid) is False:
            expected += 1
        previous[eid] = deleted
    assert len(page.duplicates) == expected
