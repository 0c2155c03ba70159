"""The connector modules outside ``datahub`` (which has its own test): ``__all__`` resolves, doctests pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "connectors.base",
    "connectors.files",
    "connectors.pivotfile",
    "connectors.pivotfile.connector",
    "connectors.registry",
]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_declares_resolvable_all(module: str) -> None:
    loaded = importlib.import_module(module)
    assert loaded.__all__ and all(getattr(loaded, name, None) is not None for name in loaded.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    assert doctest.testmod(importlib.import_module(module)).failed == 0
