"""The package's public surface: ``__all__`` is complete and sorted, and the docstring examples hold."""

from __future__ import annotations

import doctest
import types

import pytest

import config
from config import _validation, _yaml, catalogs, errors, schedule, secrets, settings


def test_all_is_exactly_the_public_names() -> None:
    public = {
        name
        for name, value in vars(config).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(config.__all__) == public
    assert len(config.__all__) == len(set(config.__all__))


def test_all_is_sorted_like_ruff() -> None:
    constants = [n for n in config.__all__ if n.isupper()]
    rest = [n for n in config.__all__ if not n.isupper()]
    assert constants == sorted(constants)
    assert rest == sorted(rest, key=lambda n: (n[0].islower(), n))


def test_root_error_is_an_exception() -> None:
    for name in ("SettingsError", "CatalogsFileError", "UnknownCatalogError", "SecretNotSetError"):
        error_type = getattr(config, name)
        assert issubclass(error_type, config.ConfigError)
    assert issubclass(config.ConfigError, Exception)


@pytest.mark.parametrize("module", [_validation, _yaml, catalogs, errors, schedule, secrets, settings])
def test_docstring_examples(module: types.ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
