"""The shared entity-machine frame: the parse step, UTC times, evolve and the transition."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import ClassVar

import pytest
from pydantic import Field, ValidationError

from entities import catalog, identity_claim, machine, sync_state
from entities.machine import Frozen, InvalidOperationError, Transition, UtcTime, evolve, parse_request, to_utc

PARIS = timezone(timedelta(hours=2))


class AddRequest(Frozen):
    amount: int = Field(default=1, gt=0)


class ResetRequest(Frozen):
    pass


class Counter(Frozen):
    value: int = Field(ge=0)
    tags: tuple[str, ...] = ()
    at: UtcTime | None = None


class CounterError(InvalidOperationError):
    machine: ClassVar[str] = "counter"


REQUESTS: dict[str, type[AddRequest | ResetRequest]] = {"add": AddRequest, "reset": ResetRequest}


def parse(name: str, payload: object) -> AddRequest | ResetRequest:
    return parse_request(REQUESTS, name, payload, CounterError)


def test_a_payload_is_validated_into_its_request() -> None:
    assert parse("add", {"amount": 3}) == AddRequest(amount=3)


def test_no_payload_means_an_empty_object() -> None:
    assert parse("add", None) == AddRequest(amount=1)
    assert parse("reset", None) == ResetRequest()


def test_an_unknown_operation_names_the_machine_and_the_known_ones() -> None:
    with pytest.raises(
        CounterError, match=r"^counter operation 'mul': unknown operation; expected one of add, reset$"
    ):
        parse("mul", {})


@pytest.mark.parametrize("payload", [[1], "add", 3, True])
def test_a_payload_that_is_not_an_object_is_refused(payload: object) -> None:
    with pytest.raises(CounterError, match="payload must be a JSON object") as info:
        parse("add", payload)
    assert info.value.operation == "add"


@pytest.mark.parametrize("payload", [{"amount": 0}, {"amount": "many"}, {"amount": 1, "extra": True}])
def test_an_invalid_payload_is_refused_with_the_validation_error_chained(payload: object) -> None:
    with pytest.raises(CounterError, match=r"^counter operation 'add': invalid payload") as info:
        parse("add", payload)
    assert isinstance(info.value.__cause__, ValidationError)
    assert isinstance(info.value, ValueError)  # callers that catch ValueError still see it


def test_each_machine_names_itself_in_its_errors() -> None:
    machines = {catalog: "catalog", identity_claim: "identity_claim", sync_state: "sync_state"}
    for module, name in machines.items():
        with pytest.raises(machine.InvalidOperationError, match=rf"^{name} operation 'nope'"):
            module.parse_operation("nope", None)


def test_to_utc_converts_an_aware_time_and_refuses_a_naive_one() -> None:
    converted = to_utc(datetime(2024, 5, 1, 10, 0, tzinfo=PARIS))
    assert converted == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert converted.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        to_utc(datetime(2024, 5, 1, 10, 0))


def test_utc_time_fields_store_utc_and_refuse_naive_times() -> None:
    counter = Counter.model_validate({"value": 0, "at": "2024-05-01T10:00:00+02:00"})
    assert counter.at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert counter.to_json()["at"] == "2024-05-01T08:00:00Z"
    with pytest.raises(ValidationError):
        Counter.model_validate({"value": 0, "at": "2024-05-01T10:00:00"})


def test_frozen_models_refuse_changes_and_unknown_fields() -> None:
    counter = Counter(value=1)
    with pytest.raises(ValidationError):
        counter.value = 2  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Counter.model_validate({"value": 1, "colour": "red"})


def test_evolve_returns_a_new_state_and_leaves_the_old_one_as_it_was() -> None:
    old = Counter(value=1, tags=("a",))
    new = evolve(old, value=2, tags=("a", "b"))
    assert (new.value, new.tags) == (2, ("a", "b"))
    assert old == Counter(value=1, tags=("a",))
    assert type(new) is Counter


def test_evolve_validates_the_new_state() -> None:
    with pytest.raises(ValidationError):
        evolve(Counter(value=1), value=-1)  # model_copy(update=...) would have let this through
    converted = evolve(Counter(value=1), at=datetime(2024, 5, 1, 10, 0, tzinfo=PARIS))
    assert converted.at is not None and converted.at.tzinfo is UTC


def test_transitions_are_values() -> None:
    state = Counter(value=1)
    assert Transition(state, {"value": 1}) == Transition(Counter(value=1), {"value": 1})
    assert Transition(state, None) != Transition(Counter(value=2), None)
    with pytest.raises(AttributeError):
        Transition(state, None).result = {}  # type: ignore[misc]


def test_every_machine_applies_only_aware_clocks() -> None:
    naive = datetime(2024, 5, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        catalog.apply(catalog.CatalogState(), catalog.GetRequest(), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        sync_state.apply(None, sync_state.GetRequest(), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        identity_claim.apply(None, identity_claim.GetRequest(), naive)
