from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import purview


def test_all_matches_public_names() -> None:
    public = {name for name in dir(purview) if not name.startswith("_")}
    modules = {m.name for m in pkgutil.iter_modules(purview.__path__)}
    assert set(purview.__all__) == public - modules
    assert purview.__all__ == sorted(purview.__all__, key=lambda n: (not n.isupper(), n))


def test_all_names_resolve() -> None:
    for name in purview.__all__:
        assert getattr(purview, name) is not None


@pytest.mark.parametrize("module", sorted(m.name for m in pkgutil.iter_modules(purview.__path__)))
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"purview.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_errors_derive_from_exception_only() -> None:
    for name in purview.__all__:
        value = getattr(purview, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, purview.PurviewError)
            assert issubclass(value, Exception)
