"""The Durable management HTTP API (routes and answers of the Azure host, reference §4) over aiohttp.

The same routes are served under the RPC base (``/durabletask/``) that the SDK's client calls and under
``/runtime/webhooks/durabletask/`` that users poll (``statusQueryGetUri``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from localdev.durable.engine import TERMINAL
from localdev.durable.entities import split_entity_id
from localdev.durable.errors import DurableHostError, InvalidRequestError
from localdev.durable.history import parse_time
from localdev.durable.host import DurableHost, status_json

__all__ = ["PREFIXES", "add_management_routes", "client_binding", "management_urls"]

PREFIXES = ("/durabletask", "/runtime/webhooks/durabletask")
PAGE_SIZE = 100
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def management_urls(base_url: str, task_hub: str, instance_id: str) -> dict[str, str]:
    """The check-status payload (``base_url`` ends with ``/runtime/webhooks/durabletask``)."""
    query = f"taskHub={task_hub}&connection=Storage"
    inst = f"{base_url}/instances/{instance_id}"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{inst}?{query}",
        "sendEventPostUri": f"{inst}/raiseEvent/{{eventName}}?{query}",
        "terminatePostUri": f"{inst}/terminate?reason={{text}}&{query}",
        "rewindPostUri": f"{inst}/rewind?reason={{text}}&{query}",
        "purgeHistoryDeleteUri": f"{inst}?{query}",
        "restartPostUri": f"{inst}/restart?{query}",
        "suspendPostUri": f"{inst}/suspend?reason={{text}}&{query}",
        "resumePostUri": f"{inst}/resume?reason={{text}}&{query}",
    }


def client_binding(base_url: str, rpc_base_url: str, task_hub: str) -> str:
    """The durable client binding JSON a client function receives."""
    create = (
        f"{base_url}/orchestrators/{{functionName}}[/{{instanceId}}]?taskHub={task_hub}&connection=Storage"
    )
    return json.dumps(
        {
            "taskHubName": task_hub,
            "creationUrls": {
                "createNewInstancePostUri": create,
                "createAndWaitOnNewInstancePostUri": create + "&timeout={timeoutInSeconds}"
                "&pollingInterval={intervalInSeconds}",
            },
            "managementUrls": management_urls(base_url, task_hub, "INSTANCEID"),
            "baseUrl": base_url,
            "requiredQueryStringParameters": "",
            "rpcBaseUrl": rpc_base_url,
        }
    )


def add_management_routes(app: web.Application, host: DurableHost, public_base: Callable[[], str]) -> None:
    """Register every management route under both prefixes. ``public_base()`` gives the webhook base URL."""
    api = _Api(host, public_base)
    table: list[tuple[str, str, Handler]] = [
        ("POST", "/orchestrators/{name}", api.start),
        ("POST", "/orchestrators/{name}/{instance_id}", api.start),
        ("GET", "/instances", api.list_instances),
        ("GET", "/instances/", api.list_instances),
        ("DELETE", "/instances", api.purge_many),
        ("DELETE", "/instances/", api.purge_many),
        ("GET", "/instances/{instance_id}", api.status),
        ("DELETE", "/instances/{instance_id}", api.purge),
        ("POST", "/instances/{instance_id}/raiseEvent/{event}", api.raise_event),
        ("POST", "/instances/{instance_id}/{action:terminate|suspend|resume|rewind|restart}", api.control),
        ("GET", "/entities", api.list_entities),
        ("GET", "/entities/", api.list_entities),
        ("GET", "/entities/{name}", api.list_entities),
        ("GET", "/entities/{name}/{key}", api.read_entity),
        ("POST", "/entities/{name}/{key}", api.signal_entity),
        ("DELETE", "/entities/{name}/{key}", api.delete_entity),
    ]
    for prefix in PREFIXES:
        for method, path, handler in table:
            app.router.add_route(method, prefix + path, _errors(handler))


def _errors(handler: Handler) -> Handler:
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except DurableHostError as exc:
            body = {"Message": str(exc), "ExceptionMessage": str(exc), "ExceptionType": type(exc).__name__}
            return web.json_response(body, status=exc.status)

    return wrapped


def _input_text(raw: str) -> str | None:
    """Request body → JSON text; the Python client double-encodes, so a JSON string holds the JSON text."""
    if not raw.strip():
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestError("Only application/json request content is supported") from exc
    if isinstance(value, str):
        try:
            json.loads(value)
            return value
        except ValueError:
            return json.dumps(value)
    return json.dumps(value)


def _flag(request: web.Request, name: str, default: bool) -> bool:
    value = request.query.get(name)
    return default if value is None else value.lower() in ("true", "1")


def _page(request: web.Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    token = request.headers.get("x-ms-continuation-token") or request.query.get("continuationToken")
    offset = 0
    if token:
        try:
            offset = int(json.loads(base64.b64decode(token))["offset"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidRequestError("invalid continuation token") from exc
    top = int(request.query.get("top") or PAGE_SIZE)
    page = items[offset : offset + top]
    headers: dict[str, str] = {}
    if offset + top < len(items):
        headers["x-ms-continuation-token"] = base64.b64encode(
            json.dumps({"offset": offset + top}).encode()
        ).decode()
    return page, headers


class _Api:
    def __init__(self, host: DurableHost, public_base: Callable[[], str]) -> None:
        self.host = host
        self.public_base = public_base

    def _payload(self, instance_id: str) -> dict[str, str]:
        return management_urls(self.public_base(), self.host.task_hub, instance_id)

    async def start(self, request: web.Request) -> web.Response:
        text = _input_text(await request.text())
        instance_id = self.host.start_new(
            request.match_info["name"], request.match_info.get("instance_id"), input_json=text
        )
        payload = self._payload(instance_id)
        headers = {"Location": payload["statusQueryGetUri"], "Retry-After": "10"}
        return web.json_response(payload, status=202, headers=headers)

    async def status(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        status = self.host.get_status(
            instance_id,
            show_history=_flag(request, "showHistory", False),
            show_input=_flag(request, "showInput", True),
            show_history_output=_flag(request, "showHistoryOutput", False),
        )
        if status is None:
            return web.json_response(None, status=404)
        if status["runtimeStatus"] in TERMINAL:
            return web.json_response(status, status=200)
        location = self._payload(instance_id)["statusQueryGetUri"]
        return web.json_response(status, status=202, headers={"Location": location, "Retry-After": "5"})

    def _filtered(self, request: web.Request) -> list[dict[str, Any]]:
        query = request.query
        created_from = parse_time(query["createdTimeFrom"]) if query.get("createdTimeFrom") else None
        created_to = parse_time(query["createdTimeTo"]) if query.get("createdTimeTo") else None
        statuses = {s for s in (query.get("runtimeStatus") or "").split(",") if s}
        prefix = query.get("instanceIdPrefix") or ""
        show_input = _flag(request, "showInput", False)
        out = []
        for record in self.host.list_instances():
            created = parse_time(record.created_time)
            status = status_json(record, show_input=show_input)
            if (created_from and created < created_from) or (created_to and created > created_to):
                continue
            if statuses and status["runtimeStatus"] not in statuses:
                continue
            if not record.instance_id.startswith(prefix):
                continue
            out.append(status)
        return out

    async def list_instances(self, request: web.Request) -> web.Response:
        page, headers = _page(request, self._filtered(request))
        return web.json_response(page, headers=headers)

    async def purge(self, request: web.Request) -> web.Response:
        deleted = self.host.purge(request.match_info["instance_id"])
        if not deleted:
            return web.json_response(None, status=404)
        return web.json_response({"instancesDeleted": deleted})

    async def purge_many(self, request: web.Request) -> web.Response:
        targets = [s["instanceId"] for s in self._filtered(request) if s["runtimeStatus"] in TERMINAL]
        deleted = sum(self.host.purge(i) for i in targets)
        if not deleted:
            return web.json_response(None, status=404)
        return web.json_response({"instancesDeleted": deleted})

    async def raise_event(self, request: web.Request) -> web.Response:
        raw = await request.text()
        _input_text(raw)  # 400 when not JSON
        data = raw if raw.strip() else "null"
        self.host.raise_event(request.match_info["instance_id"], request.match_info["event"], data_json=data)
        return web.Response(status=202)

    async def control(self, request: web.Request) -> web.Response:
        instance_id = request.match_info["instance_id"]
        action = request.match_info["action"]
        reason = request.query.get("reason")
        if action == "restart":
            record = self.host.store.get_instance(instance_id)
            if record is None:
                return web.json_response(None, status=404)
            new_id = None if _flag(request, "restartWithNewInstanceId", True) else instance_id
            started = self.host.start_new(record.name, new_id, input_json=record.input)
            return web.json_response(self._payload(started), status=202)
        if action == "rewind":
            return web.json_response({"Message": "rewind is not supported by the local host"}, status=501)
        getattr(self.host, action)(instance_id, reason)
        return web.Response(status=202)

    async def read_entity(self, request: web.Request) -> web.Response:
        record = self.host.store.get_entity(
            f"@{request.match_info['name'].lower()}@{request.match_info['key']}"
        )
        if record is None or not record.exists:
            return web.json_response(None, status=404)
        return web.Response(status=200, text=record.state or "null", content_type="application/json")

    async def signal_entity(self, request: web.Request) -> web.Response:
        text = _input_text(await request.text())
        operation = request.query.get("op", "")
        self.host.signal_entity(
            request.match_info["name"], request.match_info["key"], operation, input_json=text
        )
        return web.Response(status=202)

    async def delete_entity(self, request: web.Request) -> web.Response:
        self.host.signal_entity(
            request.match_info["name"], request.match_info["key"], "delete", input_json=None
        )
        return web.Response(status=202)

    async def list_entities(self, request: web.Request) -> web.Response:
        query = request.query
        name = (request.match_info.get("name") or "").lower()
        time_from = parse_time(query["lastOperationTimeFrom"]) if query.get("lastOperationTimeFrom") else None
        time_to = parse_time(query["lastOperationTimeTo"]) if query.get("lastOperationTimeTo") else None
        fetch_state = _flag(request, "fetchState", False)
        items = []
        for record in self.host.list_entities():
            if not record.exists or (name and record.name != name):
                continue
            last = parse_time(record.last_operation)
            if (time_from and last < time_from) or (time_to and last > time_to):
                continue
            entity_name, key = split_entity_id(record.entity_id)
            item: dict[str, Any] = {
                "entityId": {"name": entity_name, "key": key},
                "lastOperationTime": record.last_operation,
            }
            if fetch_state:
                item["state"] = None if record.state is None else json.loads(record.state)
            items.append(item)
        page, headers = _page(request, items)
        return web.json_response(page, headers=headers)
