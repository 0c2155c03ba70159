"""Configuration errors: one small tree so callers can catch exactly what a bad deployment raises.

```
ConfigError(Exception)            any invalid or missing configuration; abort start-up or the run
├── SettingsError                 app settings (environment variables) are invalid or missing
├── CatalogsFileError             catalogs.yaml cannot be read or does not validate (lists every problem)
├── UnknownCatalogError(KeyError) a catalog name that catalogs.yaml does not define
└── SecretNotSetError             a secret reference points at an app setting that is unset or empty
```

Messages name the file, the catalog and the field, and never contain a secret value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CatalogsFileError",
    "ConfigError",
    "Problem",
    "SecretNotSetError",
    "SettingsError",
    "UnknownCatalogError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation finding: where it is (file, line, catalog name or ``#position``, field) and the fix."""

    message: str
    file: str | None = None
    line: int | None = None
    catalog: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.catalog is not None:
            # a catalog without a usable name is shown by its 1-based position, e.g. "#3"
            parts.append(
                f"catalog {self.catalog}" if self.catalog.startswith("#") else f"catalog '{self.catalog}'"
            )
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class ConfigError(Exception):
    """Invalid or missing configuration; the message says what to change."""


class SettingsError(ConfigError):
    """App settings (environment variables) are invalid or missing."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__(_join("invalid app settings", self.problems))


class CatalogsFileError(ConfigError):
    """The catalogs file cannot be read or does not validate; ``problems`` holds every finding."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = tuple(problems)
        super().__init__(_join(f"{file}: invalid catalogs file", self.problems))


class UnknownCatalogError(ConfigError, KeyError):
    """A catalog name that the catalogs file does not define (also a ``KeyError`` for mapping-style use)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        ConfigError.__init__(self, message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class SecretNotSetError(ConfigError):
    """A secret reference names an app setting that is unset or empty at run time."""

    def __init__(self, setting: str, message: str) -> None:
        self.setting = setting
        super().__init__(message)


def _join(title: str, problems: Sequence[Problem]) -> str:
    if len(problems) == 1:
        return str(problems[0])
    return f"{title} ({len(problems)} problems):\n" + "\n".join(f"  {p}" for p in problems)
