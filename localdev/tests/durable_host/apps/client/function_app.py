"""A client-heavy app: HTTP functions that drive the SDK's own DurableOrchestrationClient."""

import asyncio
import json
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def wait_for_go(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    context.set_custom_status({"stage": "waiting"})
    value = yield context.wait_for_external_event("Go")
    greeting = yield context.call_activity("greet", value)
    return greeting


@app.activity_trigger(input_name="who")
def greet(who: str) -> str:
    return f"hi {who}"


@app.entity_trigger(context_name="context")
def Tally(context: df.DurableEntityContext) -> None:
    state = context.get_state(lambda: {"n": 0})
    if context.operation_name == "add":
        state["n"] += context.get_input()["by"]
    context.set_state(state)
    context.set_result(state)


async def _until(client: df.DurableOrchestrationClient, instance_id: str, statuses: set[str]) -> str:
    for _ in range(400):
        status = await client.get_status(instance_id)
        if status.runtime_status is not None and status.runtime_status.value in statuses:
            return str(status.runtime_status.value)
        await asyncio.sleep(0.02)
    raise TimeoutError(instance_id)


@app.route(route="probe", methods=["POST"])
@app.durable_client_input(client_name="client")
async def probe(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    out: dict[str, Any] = {}
    iid = await client.start_new("wait_for_go", "probe-1", {"x": 1})
    out["id"] = iid
    await _until(client, iid, {"Running"})
    status = await client.get_status(iid)
    out["running"] = {
        "status": status.runtime_status.value,
        "custom": status.custom_status,
        "input": status.input_,
    }
    try:
        await client.start_new("wait_for_go", "probe-1", None)
        out["duplicate"] = "accepted"
    except Exception as exc:
        out["duplicate"] = str(exc)
    await client.raise_event(iid, "Go", "bob")
    await _until(client, iid, {"Completed"})
    done = await client.get_status(iid, show_history=True)
    out["completed"] = {"status": done.runtime_status.value, "output": done.output}
    try:
        await client.raise_event(iid, "Go", "late")
        out["late_event"] = "accepted"
    except Exception as exc:
        out["late_event"] = str(exc)
    missing = await client.get_status("nope")
    out["missing"] = missing.runtime_status
    second = await client.start_new("wait_for_go", None, None)
    await _until(client, second, {"Running"})
    await client.suspend(second, "hold")
    out["suspended"] = await _until(client, second, {"Suspended"})
    await client.resume(second, "go")
    await _until(client, second, {"Running"})
    await client.terminate(second, "stop")
    out["terminated"] = await _until(client, second, {"Terminated"})
    out["all"] = sorted(s.instance_id for s in await client.get_status_all())
    by = await client.get_status_by(runtime_status=[df.OrchestrationRuntimeStatus.Terminated])
    out["by_status"] = [s.instance_id for s in by]
    entity = df.EntityId("Tally", "t1")
    await client.signal_entity(entity, "add", {"by": 2})
    await client.signal_entity(entity, "add", {"by": 3})
    for _ in range(200):
        state = await client.read_entity_state(entity)
        if state.entity_exists and state.entity_state["n"] == 5:
            break
        await asyncio.sleep(0.02)
    out["entity"] = {"exists": state.entity_exists, "state": state.entity_state}
    out["no_entity"] = (await client.read_entity_state(df.EntityId("Tally", "none"))).entity_exists
    purged = await client.purge_instance_history(iid)
    out["purged"] = purged.instances_deleted
    out["purged_again"] = (await client.purge_instance_history(iid)).instances_deleted
    out["second"] = second
    return func.HttpResponse(json.dumps(out), mimetype="application/json")


@app.route(route="start/{name}/{instance_id?}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    instance_id = await client.start_new(req.route_params["name"], req.route_params.get("instance_id"), body)
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


FIRED: list[str] = []


@app.timer_trigger(schedule="*/1 * * * * *", arg_name="timer", run_on_startup=True)
def every_second(timer: func.TimerRequest) -> None:
    FIRED.append("tick")


@app.event_hub_message_trigger(arg_name="events", event_hub_name="hub", connection="EH", cardinality="many")
@app.durable_client_input(client_name="client")
async def from_hub(events: list[func.EventHubEvent], client: df.DurableOrchestrationClient) -> None:
    for event in events:
        await client.signal_entity(df.EntityId("Tally", "hub"), "add", json.loads(event.get_body()))
