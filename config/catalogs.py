"""The ``catalogs.yaml`` schema and loader: which external catalogs this deployment syncs, and how.

Shape (every key except ``name`` and ``connector`` is optional; unknown keys are errors)::

    catalogs:
      - name: sales-dbt              # ^[a-z0-9-]{1,40}$ — used in instance ids and entity keys
        connector: dbt               # a registered connector name
        mode: pull                   # pull | push | both (default pull)
        schedule: "0 0 2 * * *"      # NCRONTAB, six fields; required for pull/both, null = HTTP-started only
        enabled: true                # false keeps the entry but never schedules or accepts it
        target_collection: sales     # Purview collection; default PURVIEW_PARENT_COLLECTION / the root
        glossary: Sales              # Purview glossary for its terms; default: the catalog name
        source: {...}                # connector settings, checked by the connector; secrets as references
        type_mapping: {snowflake: snowflake_table}
        deletion: {retention_days: 7, min_complete_runs: 3, max_delete_fraction: 0.2}

``schedule`` must be written for a pull catalog — even as ``null`` — so that "never runs on its own" is a
visible decision, not a forgotten key. The glossary defaults to the catalog name so that two catalogs' terms
never collide and deletion of one catalog cannot touch another's glossary.

Errors list every problem, each naming file, line, catalog and field, e.g.
``catalogs.yaml:14: catalog 'sales-dbt': deletion.max_delete_fraction: must be ≤ 1 (got 1.5)``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from config import _yaml
from config._validation import ConfigModel, Loc, config_error, did_you_mean, explain, format_loc, show
from config.errors import CatalogsFileError, Problem, UnknownCatalogError
from config.schedule import validate_ncrontab
from config.secrets import find_literal_secrets

__all__ = [
    "CATALOGS_FILE_ENV",
    "CatalogConfig",
    "CatalogsConfig",
    "DeletionPolicy",
    "Mode",
    "load_catalogs",
    "parse_catalogs",
]

Mode = Literal["pull", "push", "both"]
CATALOGS_FILE_ENV = "CATALOGS_FILE"
DEFAULT_CATALOGS_FILE = "catalogs.yaml"
#: The app root (where function_app.py and catalogs.yaml live); relative paths fall back to it.
APP_ROOT = Path(__file__).resolve().parent.parent

_NAME = re.compile(r"[a-z0-9-]{1,40}")
_CONNECTOR = re.compile(r"[a-z][a-z0-9_-]{0,62}")
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,255}")


class DeletionPolicy(ConfigModel):
    """When objects that vanished from the source are deleted from Purview (see the cleanup orchestration)."""

    retention_days: int = Field(
        default=7, ge=0, description="Days an object must have been missing before it may be deleted."
    )
    min_complete_runs: int = Field(
        default=3,
        ge=1,
        description="An object is stale only if not seen in the last N complete, successful runs.",
    )
    max_delete_fraction: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="If more than this share of the catalog's objects is stale, delete nothing and report "
        "'deletion blocked' (an operator can force it over HTTP). Also the limit of delete markers per "
        "run (or push batch), and of a run's shrink unless max_shrink_fraction is set.",
    )
    max_shrink_fraction: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="A pull run that sees more than this share fewer objects than the last complete run "
        "does not count as complete for deletion (default: max_delete_fraction); accept it with "
        "accept_shrink.",
    )

    @property
    def shrink_limit(self) -> float:
        """The drop (share of the last complete run's objects) above which a run is held."""
        return self.max_delete_fraction if self.max_shrink_fraction is None else self.max_shrink_fraction


class CatalogConfig(ConfigModel):
    """One external catalog: its connector, when it runs, where its objects land in Purview.

    >>> CatalogConfig(name="demo", connector="pivotfile", schedule=None).glossary
    'demo'
    """

    name: str = Field(description="Unique catalog name, 1-40 characters of a-z, 0-9 and '-'.")
    connector: str = Field(
        description="Registered connector name, e.g. datahub, dbt, glue, atlas, pivotfile."
    )
    mode: Mode = Field(default="pull", description="pull (scheduled/HTTP extract), push (events) or both.")
    schedule: str | None = Field(
        default=None,
        description="NCRONTAB '{second} {minute} {hour} {day} {month} {day-of-week}' for pull/both catalogs; "
        "null means the catalog is only synced when started over HTTP.",
    )
    enabled: bool = Field(default=True, description="false: keep the entry but never run or accept it.")
    target_collection: str | None = Field(
        default=None,
        description="Purview collection (reference name) for this catalog's assets; default: the parent "
        "collection from PURVIEW_PARENT_COLLECTION, else the root collection.",
    )
    glossary: str = Field(
        default="", description="Purview glossary for the catalog's terms; default: its name."
    )
    source: dict[str, Any] = Field(
        default_factory=dict,
        description="Connector settings, validated by the connector's own model. Secret keys hold references "
        "only: 'token_setting: APP_SETTING' or 'token: ${APP_SETTING}'.",
    )
    type_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Overrides: source platform/type → Purview type name (built-in or the project's custom).",
    )
    deletion: DeletionPolicy = Field(
        default_factory=DeletionPolicy,
        description="Deletion policy for objects that vanished from the source.",
    )
    existing_assets: Literal["adopt", "skip", "fail"] = Field(
        default="adopt",
        description="An asset already in Purview that this sync did not create (a scan, a person, another "
        "tool): adopt (write only the fields the sync manages; never delete it), skip it, or fail the item.",
    )
    adopt_from: list[str] = Field(
        default_factory=list,
        description="Catalogs whose assets this catalog may take over when it lists the same type and "
        "qualifiedName (otherwise the first catalog to write an identity keeps it).",
    )
    verify_every: int | None = Field(
        default=None,
        ge=1,
        description="Every N-th scheduled run is a verify run (reads back what Purview holds and "
        "repairs drift); null: only when asked (?verify=true).",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_glossary(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("glossary") is None and isinstance(data.get("name"), str):
            return {**data, "glossary": data["name"]}
        return data

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            hint = " (use lower case)" if _NAME.fullmatch(value.lower()) else ""
            raise ValueError(f"must be 1-40 characters of a-z, 0-9 and '-'{hint} (got {show(value)})")
        return value

    @field_validator("connector")
    @classmethod
    def _check_connector(cls, value: str) -> str:
        if not _CONNECTOR.fullmatch(value):
            raise ValueError(f"must be a connector name such as 'datahub' or 'dbt' (got {show(value)})")
        return value

    @field_validator("schedule")
    @classmethod
    def _check_schedule(cls, value: str | None) -> str | None:
        return None if value is None else validate_ncrontab(value)

    @field_validator("target_collection", "glossary")
    @classmethod
    def _check_text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be blank; remove the key to use the default")
        if value is not None and len(value) > 256:
            raise ValueError("must be at most 256 characters")
        return value

    @field_validator("source")
    @classmethod
    def _check_secrets(cls, value: dict[str, Any]) -> dict[str, Any]:
        problems = find_literal_secrets(value)
        if problems:
            raise config_error(problems)
        return value

    @field_validator("type_mapping")
    @classmethod
    def _check_type_mapping(cls, value: dict[str, str]) -> dict[str, str]:
        problems: list[tuple[Loc, str]] = [
            ((key,), f"must be a Purview type name like 'azure_sql_table' (got {show(type_name)})")
            for key, type_name in value.items()
            if not _TYPE_NAME.fullmatch(type_name)
        ]
        problems += [((key,), "source type must not be blank") for key in value if not key.strip()]
        if problems:
            raise config_error(problems)
        return value

    @model_validator(mode="after")
    def _check_schedule_for_mode(self) -> CatalogConfig:
        if self.mode == "push" and self.schedule is not None:
            raise config_error([(("schedule",), "only pull and both catalogs are scheduled; remove it")])
        if self.mode != "push" and "schedule" not in self.model_fields_set:
            raise config_error(
                [
                    (
                        ("schedule",),
                        f"required for a {self.mode} catalog: an NCRONTAB such as '0 0 2 * * *' "
                        "(02:00 daily), or null to sync only when started over HTTP",
                    )
                ]
            )
        return self

    @property
    def pulls(self) -> bool:
        """Whether the catalog is extracted by pull syncs (scheduled or HTTP-started)."""
        return self.mode in ("pull", "both")

    @property
    def pushes(self) -> bool:
        """Whether the catalog accepts pushed events (Event Hub or HTTP)."""
        return self.mode in ("push", "both")


class CatalogsConfig(ConfigModel):
    """All catalogs of a deployment, looked up by name.

    >>> cfg = parse_catalogs("catalogs: [{name: a, connector: pivotfile, schedule: null}]")
    >>> cfg.get("a").connector
    'pivotfile'
    """

    catalogs: tuple[CatalogConfig, ...] = Field(
        default=(), strict=False, description="The catalogs, in order."
    )
    file: str | None = Field(default=None, description="The file they were loaded from, for messages.")

    @model_validator(mode="after")
    def _unique_names(self) -> CatalogsConfig:
        first: dict[str, int] = {}
        problems: list[tuple[Loc, str]] = []
        for i, catalog in enumerate(self.catalogs):
            if catalog.name in first:
                problems.append(
                    (("catalogs", i, "name"), _duplicate_message(catalog.name, first[catalog.name], i))
                )
            first.setdefault(catalog.name, i)
        if problems:
            raise config_error(problems)
        return self

    @property
    def names(self) -> list[str]:
        """Catalog names in file order."""
        return [c.name for c in self.catalogs]

    def get(self, name: str) -> CatalogConfig:
        """The catalog called ``name``; ``UnknownCatalogError`` (a ``KeyError``) lists the known names."""
        for catalog in self.catalogs:
            if catalog.name == name:
                return catalog
        where = f" in {self.file}" if self.file else ""
        known = ", ".join(self.names) or "none"
        raise UnknownCatalogError(
            name, f"unknown catalog '{name}'{did_you_mean(name, self.names)}; catalogs{where}: {known}"
        )

    def enabled(self) -> list[CatalogConfig]:
        """The catalogs with ``enabled: true``."""
        return [c for c in self.catalogs if c.enabled]

    def scheduled(self) -> list[CatalogConfig]:
        """Enabled pull/both catalogs with a schedule: the ones that get a timer."""
        return [c for c in self.catalogs if c.enabled and c.pulls and c.schedule is not None]

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.catalogs)

    def __len__(self) -> int:
        return len(self.catalogs)


def _duplicate_message(
    name: str, first: int, again: int, lines: tuple[int | None, int | None] = (None, None)
) -> str:
    at = [
        f"#{pos + 1}" + (f" (line {line})" if line else "")
        for pos, line in zip((first, again), lines, strict=True)
    ]
    return f"catalog name '{name}' is used by catalogs {at[0]} and {at[1]}; names must be unique"


def load_catalogs(
    path: str | os.PathLike[str] | None = None, *, known_connectors: Collection[str] | None = None
) -> CatalogsConfig:
    """Load and validate the catalogs file.

    ``path`` defaults to ``$CATALOGS_FILE``, else ``catalogs.yaml``; a relative path is looked up in the
    current directory, then in the app root. ``known_connectors`` (from the connector registry) turns an
    unknown connector name into an error listing the known ones. ``CatalogsFileError`` lists every problem.
    """
    given = (
        os.fspath(path) if path is not None else os.environ.get(CATALOGS_FILE_ENV) or DEFAULT_CATALOGS_FILE
    )
    candidate = Path(given)
    if not candidate.is_absolute() and not candidate.exists() and (APP_ROOT / candidate).exists():
        candidate = APP_ROOT / candidate
    try:
        text = candidate.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        message = (
            f"file not found (cwd {Path.cwd()}, app root {APP_ROOT}); create it or set {CATALOGS_FILE_ENV}"
        )
        raise CatalogsFileError(given, [Problem(message, file=given)]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogsFileError(given, [Problem(f"cannot read: {exc}", file=given)]) from exc
    return parse_catalogs(text, file=given, known_connectors=known_connectors)


def parse_catalogs(
    text: str, *, file: str = DEFAULT_CATALOGS_FILE, known_connectors: Collection[str] | None = None
) -> CatalogsConfig:
    """Validate catalogs YAML ``text``; ``file`` is only used in messages. See ``load_catalogs``."""
    try:
        data, node = _yaml.parse(text)
    except _yaml.YamlSyntaxError as exc:
        raise CatalogsFileError(file, [Problem(exc.message, file=file, line=exc.line)]) from exc
    entries = data.get("catalogs") if isinstance(data, dict) else None
    found: list[tuple[Loc, int | None, str]] = list(_yaml.duplicate_keys(node))
    found += _check_top_level(data)
    valid: list[CatalogConfig] = []
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        here: Loc = ("catalogs", i)
        if not isinstance(entry, dict):
            found.append(
                (here, None, f"must be a mapping with at least name and connector (got {show(entry)})")
            )
            continue
        try:
            catalog = CatalogConfig.model_validate(entry)
        except ValidationError as exc:
            found += [((*here, *loc), None, msg) for loc, msg in explain(exc, CatalogConfig)]
            continue
        if known_connectors is not None and catalog.connector not in known_connectors:
            known = ", ".join(sorted(known_connectors)) or "none registered"
            hint = did_you_mean(catalog.connector, known_connectors)
            found.append(
                ((*here, "connector"), None, f"unknown connector '{catalog.connector}'{hint}; known: {known}")
            )
        valid.append(catalog)
    found += _check_unique(entries if isinstance(entries, list) else [], node)
    found += _check_adopt_from(valid, entries if isinstance(entries, list) else [])
    if found:
        problems = [_problem(f, file=file, node=node, entries=entries) for f in found]
        problems.sort(key=lambda p: p.line or 0)
        raise CatalogsFileError(file, problems)
    return CatalogsConfig(catalogs=tuple(valid), file=file)


def _check_top_level(data: Any) -> Iterator[tuple[Loc, int | None, str]]:
    expected = "a mapping with a 'catalogs' list, e.g. 'catalogs: [...]'"
    if not isinstance(data, dict):
        got = "an empty file" if data is None else show(data)
        yield (), None, f"top level must be {expected} (got {got})"
        return
    for key in data:
        if key != "catalogs":
            yield (str(key),), None, f"unknown top-level key '{key}'{did_you_mean(str(key), ['catalogs'])}"
    if "catalogs" not in data:
        yield (), None, f"top level must be {expected}; the 'catalogs' key is missing"
    elif not isinstance(data["catalogs"], list):
        yield ("catalogs",), None, f"must be a list of catalogs (got {show(data['catalogs'])})"


def _check_unique(entries: list[Any], node: Any) -> Iterator[tuple[Loc, int | None, str]]:
    first: dict[str, int] = {}
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            lines = (_yaml.line_of(node, ("catalogs", first[name])), _yaml.line_of(node, ("catalogs", i)))
            yield ("catalogs", i, "name"), None, _duplicate_message(name, first[name], i, lines)
        first.setdefault(name, i)


def _check_adopt_from(
    catalogs: list[CatalogConfig], entries: list[Any]
) -> Iterator[tuple[Loc, int | None, str]]:
    """Ownership moves one way: two catalogs adopting from each other would take an identity back and forth
    on every write. (A name of no configured catalog is fine: a removed catalog's claims can be adopted.)"""
    adopts = {c.name: set(c.adopt_from) - {c.name} for c in catalogs}
    position = {e.get("name"): i for i, e in enumerate(entries) if isinstance(e, dict)}
    for catalog in catalogs:
        for other in sorted(adopts[catalog.name]):
            if catalog.name in adopts.get(other, set()) and catalog.name > other:
                where = ("catalogs", position.get(catalog.name, 0), "adopt_from")
                yield where, None, f"'{other}' adopts from '{catalog.name}' too; ownership must move one way"


def _problem(finding: tuple[Loc, int | None, str], *, file: str, node: Any, entries: Any) -> Problem:
    """Place a finding: line from the YAML nodes, catalog label from the entry, field path after it."""
    loc, line, message = finding
    catalog: str | None = None
    field: Loc = loc
    if len(loc) >= 2 and loc[0] == "catalogs" and isinstance(loc[1], int):
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        catalog = name if isinstance(name, str) and name else f"#{loc[1] + 1}"
        field = loc[2:]
    if line is None:
        line = _yaml.line_of(node, loc)
    return Problem(message, file=file, line=line, catalog=catalog, field=format_loc(field))
