"""Durable patterns used by the conformance tests of the local Durable host."""

import json
from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
ATTEMPTS: dict[str, int] = {}


# ---- function chaining -----------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    cities = context.get_input()["cities"]
    results = []
    for city in cities:
        results.append((yield context.call_activity("say_hello", city)))
    return results


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    return f"Hello {city}!"


# ---- fan-out / fan-in ------------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    n = context.get_input()
    tasks = [context.call_activity("square", i) for i in range(n)]
    results = yield context.task_all(tasks)
    context.set_custom_status({"done": len(results)})
    return sum(results)


@app.activity_trigger(input_name="value")
def square(value: int) -> int:
    return value * value


@app.orchestration_trigger(context_name="context")
def fan_out_parent(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    spec = context.get_input()
    total, chunk = spec["total"], spec["chunk"]
    children = [
        context.call_sub_orchestrator("noop_chunk", {"start": start, "count": min(chunk, total - start)})
        for start in range(0, total, chunk)
    ]
    counts = yield context.task_all(children)
    return sum(counts)


@app.orchestration_trigger(context_name="context")
def noop_chunk(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    spec = context.get_input()
    tasks = [context.call_activity("noop", spec["start"] + i) for i in range(spec["count"])]
    results = yield context.task_all(tasks)
    return len(results)


@app.activity_trigger(input_name="value")
def noop(value: int) -> int:
    return value


# ---- monitor (timer + continue_as_new) -------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    state = context.get_input()
    job = yield context.call_activity("check_job", state["job"])
    if job == "done" or state["round"] >= state["max_rounds"]:
        return {"rounds": state["round"], "job": job}
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=state["every_hours"]))
    context.continue_as_new({**state, "round": state["round"] + 1})
    return None


JOBS: dict[str, int] = {}


@app.activity_trigger(input_name="job")
def check_job(job: str) -> str:
    JOBS[job] = JOBS.get(job, 0) + 1
    return "done" if JOBS[job] >= 3 else "running"


# ---- human interaction -----------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    deadline = context.current_utc_datetime + timedelta(days=7)
    timeout = context.create_timer(deadline)
    approved = context.wait_for_external_event("Approval")
    winner = yield context.task_any([approved, timeout])
    if winner == approved:
        timeout.cancel()
        return {"approved": approved.result}
    return {"escalated": True}


# ---- aggregator entity -----------------------------------------------------------------------------
@app.entity_trigger(context_name="context")
def Counter(context: df.DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    op = context.operation_name
    if op == "add":
        amount = context.get_input()
        if not isinstance(amount, int):
            raise ValueError(f"add needs an int, got {amount!r}")
        value += amount
        context.set_state(value)
    elif op == "reset":
        context.set_state(0)
    elif op == "get":
        context.set_result(value)
    elif op == "delete":
        context.destruct_on_exit()
    elif op == "add_then_fail":
        context.set_state(value + context.get_input())
        raise RuntimeError("failed after changing state")


@app.orchestration_trigger(context_name="context")
def counter_user(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    key = context.get_input()
    entity = df.EntityId("Counter", key)
    context.signal_entity(entity, "add", 5)
    yield context.call_entity(entity, "add", 10)
    value = yield context.call_entity(entity, "get")
    try:
        yield context.call_entity(entity, "add", "oops")
        error = None
    except Exception as exc:
        error = str(exc)
    return {"value": value, "error": error}


# ---- sub-orchestrations ----------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    first = yield context.call_sub_orchestrator("chain", {"cities": ["Oslo"]})
    second = yield context.call_sub_orchestrator("chain", {"cities": ["Rome"]}, "fixed-child")
    try:
        yield context.call_sub_orchestrator("failing")
        failure = None
    except Exception as exc:
        failure = str(exc)
    return {"first": first, "second": second, "failure": failure}


@app.orchestration_trigger(context_name="context")
def failing(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    yield context.call_activity("say_hello", "x")
    raise ValueError("child broke")


# ---- retries ----------------------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    spec = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=5000, max_number_of_attempts=spec["attempts"]
    )
    try:
        result = yield context.call_activity_with_retry("flaky", options, spec["key"])
        return {"result": result}
    except Exception as exc:
        return {"error": str(exc)}


@app.activity_trigger(input_name="key")
def flaky(key: str) -> str:
    ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
    if ATTEMPTS[key] <= 2:
        raise RuntimeError(f"boom{ATTEMPTS[key]}")
    return f"ok after {ATTEMPTS[key]}"


@app.orchestration_trigger(context_name="context")
def retrying_parent(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    options = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=3)
    result = yield context.call_sub_orchestrator_with_retry("flaky_child", options, context.get_input())
    return result


@app.orchestration_trigger(context_name="context")
def flaky_child(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    result = yield context.call_activity("flaky", context.get_input())
    return result


# ---- non-determinism ---------------------------------------------------------------------------------
CALLS: dict[str, int] = {}


@app.orchestration_trigger(context_name="context")
def nondeterministic(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    # Deliberately breaks the rules: the activity name depends on how often this code ran.
    CALLS[context.instance_id] = CALLS.get(context.instance_id, 0) + 1
    name = "say_hello" if CALLS[context.instance_id] == 1 else "square"
    first = yield context.call_activity(name, 2)
    return first


@app.orchestration_trigger(context_name="context")
def parent_of_waiter(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    try:
        value = yield context.call_sub_orchestrator("waiter")
        return {"value": value}
    except Exception as exc:
        return {"error": str(exc)}


# ---- misc --------------------------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def calls_missing(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    yield context.call_activity("does_not_exist", 1)
    return "unreachable"


@app.orchestration_trigger(context_name="context")
def big_status(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    context.set_custom_status("x" * (context.get_input() or 0))
    yield context.call_activity("square", 3)
    return "ok"


@app.orchestration_trigger(context_name="context")
def waiter(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    value = yield context.wait_for_external_event("Go")
    return {"got": value, "type": type(value).__name__}


# ---- HTTP starter (async HTTP API pattern) ----------------------------------------------------------
@app.route(route="orchestrators/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    body = req.get_json() if req.get_body() else None
    instance_id = await client.start_new(req.route_params["name"], None, body)
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


@app.route(route="hello", methods=["GET"])
def hello_http(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps({"hello": req.params.get("name", "world")}), mimetype="application/json"
    )


@app.orchestration_trigger(context_name="context")
def clashing_parent(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    try:
        yield context.call_sub_orchestrator("waiter", None, context.get_input())
        return "started"
    except Exception as exc:
        return {"error": str(exc)}


@app.orchestration_trigger(context_name="context")
def http_caller(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    response = yield context.call_http("GET", context.get_input())
    return {"status": response["statusCode"], "body": json.loads(response["content"])}


@app.orchestration_trigger(context_name="context")
def naive_timer(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    from datetime import datetime

    # the production bug under test: a naive datetime compared with the aware orchestration clock
    yield context.create_timer(datetime.utcnow() + timedelta(minutes=1))
    return "unreachable"
