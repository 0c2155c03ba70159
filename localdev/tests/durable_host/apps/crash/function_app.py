"""A slow fan-out for the crash test: each activity leaves a marker file so re-runs are visible."""

import os
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def crash_fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    n = context.get_input()
    results = yield context.task_all([context.call_activity("slow_square", i) for i in range(n)])
    return {"sum": sum(results), "results": results}


@app.activity_trigger(input_name="value")
def slow_square(value: int) -> int:
    time.sleep(0.05)
    marker = Path(os.environ["CRASH_MARKER_DIR"]) / f"{value}-{os.getpid()}-{time.monotonic_ns()}"
    marker.touch()
    return value * value
