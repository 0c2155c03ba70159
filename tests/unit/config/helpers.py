"""Shared helpers for the config tests: build catalogs YAML around one valid entry."""

from __future__ import annotations

import textwrap
from collections.abc import Collection

import pytest

from config import CatalogsFileError, parse_catalogs

BASE_ENTRY = """\
catalogs:
  - name: sales-dbt
    connector: dbt
    schedule: "0 0 2 * * *"
"""


def with_entry(extra: str) -> str:
    """The base catalog plus ``extra`` lines (written at the entry's indentation)."""
    return BASE_ENTRY + textwrap.indent(textwrap.dedent(extra), "    ")


def error_text(text: str, *, known_connectors: Collection[str] | None = None) -> str:
    """The message of the ``CatalogsFileError`` that ``text`` must raise."""
    with pytest.raises(CatalogsFileError) as info:
        parse_catalogs(text, known_connectors=known_connectors)
    return str(info.value)
