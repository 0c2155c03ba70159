"""State and rules of the emulated Data Map, one module per resource family."""

from localdev.purview.models.backend import Backend, Options, now_ms

__all__ = ["Backend", "Options", "now_ms"]
