"""The datahub package: ``__all__`` exact and sorted, doctests pass, errors are Exceptions."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

from connectors import datahub

MODULES = sorted(m.name for m in pkgutil.iter_modules(datahub.__path__))


def test_all_matches_public_names() -> None:
    public = {name for name in dir(datahub) if not name.startswith("_")}
    assert set(datahub.__all__) == public - set(MODULES)
    assert datahub.__all__ == sorted(datahub.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_every_module_declares_resolvable_all(module: str) -> None:
    loaded = importlib.import_module(f"connectors.datahub.{module}")
    assert all(getattr(loaded, name, None) is not None for name in loaded.__all__)


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(
        importlib.import_module(f"connectors.datahub.{module}"), optionflags=doctest.ELLIPSIS
    )
    assert result.failed == 0


def test_errors_derive_from_exception() -> None:
    assert issubclass(datahub.DataHubAuthError, datahub.DataHubError)
    assert issubclass(datahub.DataHubGraphQLError, datahub.DataHubError)
    assert issubclass(datahub.DataHubError, Exception)
