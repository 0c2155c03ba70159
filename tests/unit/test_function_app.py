"""function_app.py builds the DFApp from the blueprints and registers exactly the expected functions."""

from __future__ import annotations

import importlib


def test_registered_function_names() -> None:
    """Fixed functions, plus one timer per scheduled catalog and one Event Hub trigger per push catalog of the
    catalogs file the app loaded (the repository's, or the end-to-end tests' when they run in the session)."""
    from activities import resources
    from triggers.names import event_function_name, timer_function_name

    module = importlib.import_module("function_app")
    functions = {f.get_function_name(): f.get_trigger().type for f in module.app.get_functions()}
    catalogs = resources.catalogs()
    per_catalog = {timer_function_name(c.name): "timerTrigger" for c in catalogs.scheduled()}
    per_catalog |= {event_function_name(c.name): "eventHubTrigger" for c in catalogs.enabled() if c.pushes}
    assert functions == per_catalog | {
        "list_catalogs": "httpTrigger",
        "get_catalog": "httpTrigger",
        "start_catalog_sync": "httpTrigger",
        "get_object_state": "httpTrigger",
        "start_cleanup": "httpTrigger",
        "post_events": "httpTrigger",
        "cleanup_keeper": "timerTrigger",
        "sync_catalog": "orchestrationTrigger",
        "extract_segment": "orchestrationTrigger",
        "upsert_chunk": "orchestrationTrigger",
        "cleanup_pass": "orchestrationTrigger",
        "cleanup": "orchestrationTrigger",
        "ingest_events": "orchestrationTrigger",
        "extract_page": "activityTrigger",
        "transform_page": "activityTrigger",
        "decode_events": "activityTrigger",
        "plan_waves": "activityTrigger",
        "chunk_keys": "activityTrigger",
        "upsert_batch": "activityTrigger",
        "merge_index": "activityTrigger",
        "find_stale": "activityTrigger",
        "delete_stale": "activityTrigger",
        "delete_objects": "activityTrigger",
        "retire_assets": "activityTrigger",
        "catalog_policies": "activityTrigger",
        "cleanup_staging": "activityTrigger",
        "sync_state": "entityTrigger",
        "catalog": "entityTrigger",
        "identity_claim": "entityTrigger",
        "manifest": "entityTrigger",
        "write_manifest": "activityTrigger",
        "prune_state": "activityTrigger",
    }


def test_http_routes_use_function_auth() -> None:
    module = importlib.reload(importlib.import_module("function_app"))
    for function in module.app.get_functions():
        trigger = function.get_trigger()
        if trigger.type == "httpTrigger":
            assert str(trigger.auth_level).endswith("FUNCTION")
            assert trigger.route.startswith(("catalogs", "cleanup"))
