from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pivot


def test_all_matches_public_names() -> None:
    public = {name for name in dir(pivot) if not name.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(pivot.__path__)}
    assert set(pivot.__all__) == public - modules
    assert pivot.__all__ == sorted(pivot.__all__, key=lambda n: (not n.isupper(), n))


def test_all_names_resolve() -> None:
    for name in pivot.__all__:
        assert getattr(pivot, name) is not None


@pytest.mark.parametrize("module", sorted(m.name for m in pkgutil.iter_modules(pivot.__path__)))
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"pivot.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
