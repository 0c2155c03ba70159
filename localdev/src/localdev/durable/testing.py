"""A test helper: ``python -m localdev serve`` as a subprocess (loopback, free port, bounded waits).

from localdev.durable.testing import ServeProcess

serve = ServeProcess(app_dir, tmp_path / "data")
status, body = serve.request("POST", "/api/orchestrators/hello")
serve.stop()
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["ServeProcess"]


class ServeProcess:
    """``python -m localdev serve --port 0`` with its ready line parsed; ``kill()`` sends SIGKILL."""

    def __init__(
        self,
        app_dir: Path,
        data_dir: Path,
        *,
        workers: int = 2,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        command = [
            sys.executable, "-m", "localdev", "serve", "--app-dir", str(app_dir), "--port", "0",
            "--data-dir", str(data_dir), "--workers", str(workers), "--no-timers",
        ]  # fmt: skip
        full_env = {**os.environ, **(env or {})}  # localdev is installed; the app comes from --app-dir
        self.proc = subprocess.Popen(
            command,
            cwd=cwd or app_dir,
            env=full_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.base_url = self._wait_ready(timeout=30)

    def _wait_ready(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                line = self.proc.stdout.readline()
                if line.startswith("listening on "):
                    return line.split("listening on ", 1)[1].strip()
                if not line and self.proc.poll() is not None:
                    break
        self.kill()
        raise RuntimeError("serve did not print its ready line")

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw.strip() else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            return err.code, json.loads(raw) if raw.strip() else None

    def wait_status(self, instance_id: str, statuses: set[str], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            _, body = self.request("GET", f"/runtime/webhooks/durabletask/instances/{instance_id}")
            if body and body.get("runtimeStatus") in statuses:
                return dict(body)
            time.sleep(0.05)
        raise TimeoutError(f"{instance_id}: {body}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.kill()
