"""Pure helpers shared by the DataHub mappings: URN parsing, names, qualifiedNames, owners, tags.

qualifiedName scheme (stable: derived from the URN only)::

    dataset  urn:li:dataset:(urn:li:dataPlatform:<platform>,<name>,<ENV>)  →  datahub://<platform>/<ENV>/<name>
    lineage  (the process feeding that dataset)                           →  datahub-lineage://<platform>/<ENV>/<name>
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pivot import Contact, QualifiedNameRef

__all__ = [
    "GENERIC_DATASET",
    "GENERIC_PROCESS",
    "DatasetUrn",
    "MappingContext",
    "contacts",
    "field_column_name",
    "parse_dataset_urn",
    "parse_schema_field_urn",
    "tag_classification",
    "urns_of",
]

GENERIC_DATASET: Final = "federation_dataset"
"""The project's generic dataset type (created by the gateway's typedef bootstrap)."""
GENERIC_PROCESS: Final = "federation_process"
"""The project's generic process type (lineage)."""
LINEAGE_KEY: Final = "lineage"
"""``type_mapping`` key that overrides the process type of lineage assets."""

_DATASET_URN = re.compile(r"^urn:li:dataset:\(urn:li:dataPlatform:([^,]+),(.+),([A-Za-z0-9_]+)\)$")
_FIELD_URN = re.compile(r"^urn:li:schemaField:\((urn:li:dataset:\(.+\)),(.+)\)$")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_NOT_CLASSIFICATION = re.compile(r"[^A-Za-z0-9_.]")

_ASSET_ROLES: Final = {
    "DATA_STEWARD": "expert",
    "DELEGATE": "expert",
    "STAKEHOLDER": "expert",
    "CONSUMER": "expert",
}
_TERM_ROLES: Final = {"DATA_STEWARD": "steward", "BUSINESS_OWNER": "steward", "DATAOWNER": "steward"}


@dataclass(frozen=True)
class DatasetUrn:
    """The three parts of a dataset URN."""

    urn: str
    platform: str
    name: str
    env: str

    @property
    def qualified_name(self) -> str:
        return f"datahub://{self.platform}/{self.env}/{self.name}"

    @property
    def lineage_qualified_name(self) -> str:
        return f"datahub-lineage://{self.platform}/{self.env}/{self.name}"

    @property
    def short_name(self) -> str:
        """The last segment of the name, as DataHub shows it when the dataset has no display name."""
        return re.split(r"[./]", self.name.rstrip("/"))[-1] or self.name


def parse_dataset_urn(urn: str) -> DatasetUrn | None:
    match = _DATASET_URN.match(urn)
    if match is None:
        return None
    return DatasetUrn(urn=urn, platform=match.group(1), name=match.group(2), env=match.group(3))


def parse_schema_field_urn(urn: str) -> tuple[str, str] | None:
    """``urn:li:schemaField:(<dataset urn>,<field path>)`` → (dataset urn, column name)."""
    match = _FIELD_URN.match(urn)
    if match is None:
        return None
    return match.group(1), field_column_name(match.group(2))


def field_column_name(field_path: str) -> str:
    """A column name from a field path: v2 paths drop their ``[version=2.0].[type=struct]`` tokens, and nested
    fields keep their parents (``address.[type=string].city`` → ``address.city``)."""
    if not field_path.startswith("["):
        return field_path
    parts = [part for part in _BRACKETS.sub("", field_path).split(".") if part]
    return ".".join(parts) or field_path


@dataclass
class MappingContext:
    """What a mapping needs besides the entity: catalog settings and the report's ignore counter."""

    catalog: str
    type_mapping: Mapping[str, str] = field(default_factory=dict)
    collections: Mapping[str, str] = field(default_factory=dict)
    email_domain: str | None = None
    owner_emails: Mapping[str, str] = field(default_factory=dict)
    classification_prefix: str = "DATAHUB."
    ignore: Callable[[str], None] = lambda what: None

    def dataset_type(self, platform: str) -> str:
        return self.type_mapping.get(platform, GENERIC_DATASET)

    def process_type(self) -> str:
        return self.type_mapping.get(LINEAGE_KEY, GENERIC_PROCESS)

    def dataset_ref(self, urn: str) -> QualifiedNameRef | None:
        parsed = parse_dataset_urn(urn)
        if parsed is None:
            return None
        return QualifiedNameRef(
            type_name=self.dataset_type(parsed.platform), qualified_name=parsed.qualified_name
        )

    def email_of(self, owner_urn: str, known: Mapping[str, str] | None = None) -> str | None:
        """The owner's email: configured, else known from DataHub (``known``), else the id if it is an email,
        else ``id@email_domain``."""
        if owner_urn in self.owner_emails:
            return self.owner_emails[owner_urn]
        if known and owner_urn in known:
            return known[owner_urn]
        if not owner_urn.startswith("urn:li:corpuser:"):
            return None
        user = owner_urn.removeprefix("urn:li:corpuser:")
        if "@" in user:
            return user
        return f"{user}@{self.email_domain}" if self.email_domain else None


def contacts(
    ownership: Any, ctx: MappingContext, *, term: bool = False, known: Mapping[str, str] | None = None
) -> list[Contact]:
    """Owners → contacts: users with a known email; groups and unknown users are counted as ignored.

    ``known`` maps corpuser URNs to the emails DataHub holds for them (``corpUserInfo``, GraphQL).
    """
    if not isinstance(ownership, dict):
        return []
    roles = _TERM_ROLES if term else _ASSET_ROLES
    default = "expert" if term else "owner"
    out: dict[tuple[str, str], Contact] = {}
    for owner in ownership.get("owners") or []:
        urn = owner.get("owner") if isinstance(owner, dict) else None
        if not isinstance(urn, str):
            continue
        email = ctx.email_of(urn, known)
        if email is None:
            ctx.ignore("owner without a known email" if "corpuser" in urn else "group owner")
            continue
        role = roles.get(str(owner.get("type") or ""), default)
        try:
            out[(email, role)] = Contact(id=email, role=role)
        except ValueError:
            ctx.ignore("owner without a known email")
    return list(out.values())


def tag_classification(tag_urn: str, ctx: MappingContext) -> str:
    """``urn:li:tag:dbt:pii`` → ``DATAHUB.dbt_pii``: Purview classification names allow ``[A-Za-z0-9_.]``."""
    name = tag_urn.removeprefix("urn:li:tag:")
    return ctx.classification_prefix + _NOT_CLASSIFICATION.sub("_", name)


def urns_of(entries: Iterable[Any] | None, key: str) -> list[str]:
    """The ``key`` URNs of a list of association objects (tags, terms), de-duplicated in order."""
    seen: dict[str, None] = {}
    for entry in entries or []:
        value = entry.get(key) if isinstance(entry, dict) else None
        if isinstance(value, str):
            seen[value] = None
    return list(seen)
