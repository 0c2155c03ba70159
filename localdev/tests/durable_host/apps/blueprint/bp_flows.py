"""Orchestrator, activity and entity on a blueprint; the activity is called by function object."""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

bp = df.Blueprint()


@bp.activity_trigger(input_name="payload", activity="normalize_name")
def normalize(payload: dict[str, Any]) -> dict[str, Any]:
    return {"name": payload["name"].strip().lower()}


@bp.orchestration_trigger(context_name="context", orchestration="onboarding")
def onboarding_orchestrator(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    cleaned = yield context.call_activity(normalize, context.get_input())
    context.signal_entity(df.EntityId("registry", "all"), "add", cleaned["name"])
    names = yield context.call_entity(df.EntityId("registry", "all"), "list")
    return {"cleaned": cleaned, "names": names}


@bp.entity_trigger(context_name="context", entity_name="registry")
def registry_entity(context: df.DurableEntityContext) -> None:
    names = context.get_state(list)
    if context.operation_name == "add":
        names = sorted({*names, context.get_input()})
        context.set_state(names)
    context.set_result(names)
