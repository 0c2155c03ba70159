"""The project's custom types, ensured once per worker process before anything that may use them is written.

Assets of ``federation_dataset`` / ``federation_process`` fail in Purview (``ATLAS-400-00-014 … does not
exist``) until their defs exist; a run may carry no classification, so the bootstrap cannot ride on the
classification phase. ``TypeBootstrap.ensure`` is idempotent (it reads the defs, writes only what is missing
or differs), thread-safe (one thread bootstraps, the others wait), and remembers success for the process, so
it costs a few reads once per worker, not per batch. A failed bootstrap is retried by the next call;
``forget`` makes the next call check again (Purview answered that a type does not exist after all).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from purview.client import PurviewHttp
from purview.typedefs import TypedefOutcome, ensure_typedefs, project_typedefs

__all__ = ["TYPE_MISSING_CODE", "TypeBootstrap"]

logger = logging.getLogger(__name__)

TYPE_MISSING_CODE = "ATLAS-400-00-014"
"""Purview's error code for "Type … with name … does not exist"."""


class TypeBootstrap:
    """Ensures the project's custom types once per endpoint; share one per worker process.

    >>> types = TypeBootstrap()
    >>> types.ready("http://127.0.0.1:8585")
    False
    """

    def __init__(self, defs: Callable[[], list[dict[str, Any]]] = project_typedefs) -> None:
        self._defs = defs
        self._lock = threading.Lock()
        self._ready: set[str] = set()
        self.runs = 0
        self.last_errors: dict[str, str] = {}
        """Why the last bootstrap failed, per def (empty once it succeeded): assets failing for a missing
        type then say why the type is missing (e.g. no permission to write typedefs)."""

    def ready(self, endpoint: str) -> bool:
        return endpoint in self._ready

    def ensure(self, http: PurviewHttp) -> TypedefOutcome | None:
        """Create or update the custom types unless already done for ``http``'s endpoint in this process.

        Returns what was done (None when already ensured). Failures are logged and returned, not raised:
        assets of built-in types must not fail because a custom def could not be written.
        """
        if http.endpoint in self._ready:
            return None
        with self._lock:
            if http.endpoint in self._ready:
                return None
            self.runs += 1
            outcome = ensure_typedefs(http, self._defs())
            for name, error in outcome.errors.items():
                logger.error("custom type %s could not be ensured: %s", name, error)
            self.last_errors = {name: str(error)[:300] for name, error in outcome.errors.items()}
            if not outcome.errors:
                self._ready.add(http.endpoint)
            return outcome

    def forget(self, endpoint: str | None = None) -> None:
        """Check again on next use (one endpoint, or all)."""
        with self._lock:
            if endpoint is None:
                self._ready.clear()
            else:
                self._ready.discard(endpoint)
