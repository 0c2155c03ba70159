from __future__ import annotations

from purview.assignments import add_classifications, plan_assignments, remove_classification, remove_terms
from purview.client import PurviewHttp
from purview.results import ItemResult, PriorState
from tests.unit.purview.fakes import ScriptedSession, response


def test_new_entity_gets_everything_desired_and_owns_it() -> None:
    plan = plan_assignments({"": {"T1"}, "email": {"T2"}}, {"": None, "email": None, "id": None}, [])
    assert plan.add == {"": {"T1"}, "email": {"T2"}}
    assert plan.remove == {}
    assert plan.owned == {"T1", "T2@email"}


def test_removes_only_what_the_sync_added() -> None:
    # T1 was added by the sync and is no longer wanted; HAND was assigned by a person
    plan = plan_assignments({"": {"T2"}}, {"": {"T1", "HAND"}}, ["T1"])
    assert plan.add == {"": {"T2"}}
    assert plan.remove == {"": {"T1"}}
    assert plan.owned == {"T2"}


def test_hand_assigned_and_desired_is_neither_added_nor_claimed() -> None:
    plan = plan_assignments({"": {"HAND"}}, {"": {"HAND"}}, [])
    assert (plan.add, plan.remove, plan.owned) == ({}, {}, set())


def test_previously_added_still_wanted_stays_owned() -> None:
    plan = plan_assignments({"": {"T1"}, "c": {"T1"}}, {"": {"T1"}, "c": {"T1"}}, ["T1", "T1@c"])
    assert plan.changes == 0
    assert plan.owned == {"T1", "T1@c"}


def test_removed_by_hand_is_added_again() -> None:
    plan = plan_assignments({"": {"T1"}}, {"": set()}, ["T1"])
    assert plan.add == {"": {"T1"}} and plan.owned == {"T1"}


def test_previous_keys_of_vanished_columns_are_ignored() -> None:
    plan = plan_assignments({}, {"": set()}, ["T1@gone"])
    assert plan.changes == 0 and plan.owned == set()


def test_already_gone_is_not_removed() -> None:
    plan = plan_assignments({}, {"": set()}, ["T1"])
    assert plan.remove == {}


def test_prior_state_after_a_result() -> None:
    before = PriorState(guid="g", assigned_terms=("a",), assigned_classifications=("C",))
    ok = ItemResult(
        sync_key="k", status="updated", guid="g", assigned_terms=("b",), assigned_classifications=()
    )
    assert PriorState.after(ok, before) == PriorState(guid="g", assigned_terms=("b",))
    failed = ItemResult(sync_key="k", status="failed", reason="x")
    assert PriorState.after(failed, before) == before
    assert PriorState.after(ItemResult(sync_key="k", status="created", guid="n")) == PriorState(guid="n")


def _http(session: ScriptedSession) -> PurviewHttp:
    return PurviewHttp("http://p", session=session)


def test_bulk_classify_falls_back_one_by_one_and_tolerates_already_classified() -> None:
    already = '{"errorCode": "ATLAS-400-00-01B", "errorMessage": "already"}'
    session = ScriptedSession([response(400, already), response(400, already), response(204)])
    add_classifications(_http(session), "PII", ["a", "b"])
    assert [c.url.rsplit("/v2", 1)[1] for c in session.calls] == [
        "/entity/bulk/classification",
        "/entity/guid/a/classifications",
        "/entity/guid/b/classifications",
    ]


def test_removals_that_are_already_done_succeed() -> None:
    session = ScriptedSession(
        [
            response(400, '{"errorCode": "ATLAS-400-00-06D", "errorMessage": "not associated"}'),
            response(404, '{"errorCode": "ATLAS-404-00-005", "errorMessage": "no entity"}'),
            response(400, '{"errorCode": "ATLAS-400-00-080", "errorMessage": "stale"}'),
        ]
    )
    http = _http(session)
    remove_classification(http, "g", "PII")
    remove_classification(http, "g", "PII")
    remove_terms(http, "t", [("g", "r")])
    assert session.calls[2].json == [{"guid": "g", "relationshipGuid": "r"}]
