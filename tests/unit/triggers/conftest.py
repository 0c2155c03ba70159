"""Triggers read the catalogs file through ``activities.resources``: each test gets its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from activities import resources


def use_catalogs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, yaml: str) -> Iterator[Path]:
    """Write ``yaml`` as the app's catalogs file for one test, with the resource caches reset around it."""
    path = tmp_path / "catalogs.yaml"
    path.write_text(yaml)
    monkeypatch.setenv("CATALOGS_FILE", str(path))
    resources.reset()
    yield path
    resources.reset()
