"""The durable entity functions: thin wrappers over the pure state machines.

Each operation is parsed and validated first, then applied; only then is state touched, because entities have
no rollback. An invalid operation raises (the caller sees the error) and leaves the state as it was. ``now``
comes from the caller (the orchestrator's replay-safe clock) when given, else the wall clock.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import azure.durable_functions as df

from entities import catalog as catalog_machine
from entities import identity_claim as claim_machine
from entities import manifest as manifest_machine
from entities import sync_state as sync_machine
from entities.machine import Frozen, Transition

__all__ = ["bp"]

logger = logging.getLogger(__name__)
bp = df.Blueprint()


@bp.entity_trigger(context_name="context")
def sync_state(context: df.DurableEntityContext) -> None:
    """Per-object lock and sync state, keyed ``{catalog}|{kind}|{external_id}`` (see entities/keys.py)."""
    operation = sync_machine.parse_operation(
        context.operation_name or "", context.get_input(), entity_key=context.entity_key
    )
    raw: Any = context.get_state(lambda: None)
    state = sync_machine.SyncState.from_json(raw) if raw else None
    _store(context, state, sync_machine.apply(state, operation, datetime.now(UTC)))


@bp.entity_trigger(context_name="context")
def catalog(context: df.DurableEntityContext) -> None:
    """One catalog's runs registry, keyed by catalog name."""
    operation = catalog_machine.parse_operation(context.operation_name or "", context.get_input())
    state = catalog_machine.CatalogState.from_json(context.get_state(lambda: None))
    _store(context, state, catalog_machine.apply(state, operation, datetime.now(UTC)))


@bp.entity_trigger(context_name="context")
def manifest(context: df.DurableEntityContext) -> None:
    """One catalog's manifest pointer and journal of touched keys, keyed by catalog name."""
    operation = manifest_machine.parse_operation(context.operation_name or "", context.get_input())
    state = manifest_machine.ManifestBook.from_json(context.get_state(lambda: None))
    _store(context, state, manifest_machine.apply(state, operation, datetime.now(UTC)))


@bp.entity_trigger(context_name="context")
def identity_claim(context: df.DurableEntityContext) -> None:
    """Which catalog owns one Purview identity (type name + qualifiedName), keyed by ``identity_key``."""
    operation = claim_machine.parse_operation(context.operation_name or "", context.get_input())
    raw: Any = context.get_state(lambda: None)
    state = claim_machine.Claim.model_validate(raw) if raw else None
    _store(context, state, claim_machine.apply(state, operation, datetime.now(UTC)))


def _store(
    context: df.DurableEntityContext, state: Frozen | None, transition: Transition[Frozen | None]
) -> None:
    """Write what changed (destruct on ``None``, which also keeps a ``get`` from creating an entity)."""
    if transition.new_state is None:
        context.destruct_on_exit()
    elif transition.new_state is not state:
        context.set_state(transition.new_state.to_json())
    context.set_result(transition.result)
