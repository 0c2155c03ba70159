"""function_app.py builds the DFApp from the blueprints and registers exactly the expected functions."""

from __future__ import annotations

import importlib


def test_registered_function_names() -> None:
    module = importlib.import_module("function_app")
    functions = {f.get_function_name(): f.get_trigger().type for f in module.app.get_functions()}
    assert functions == {"list_catalogs": "httpTrigger", "get_catalog": "httpTrigger"}


def test_http_routes_use_function_auth() -> None:
    module = importlib.reload(importlib.import_module("function_app"))
    for function in module.app.get_functions():
        trigger = function.get_trigger()
        if trigger.type == "httpTrigger":
            assert str(trigger.auth_level).endswith("FUNCTION")
            assert trigger.route.startswith("catalogs")
