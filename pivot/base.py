"""The shared base of every pivot model and of the three item kinds: identity, contacts and common fields."""

from __future__ import annotations

import inspect
import re
from collections import Counter
from typing import Annotated, Any, ClassVar, Literal, Self, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from pivot.fingerprint import fingerprint_of
from pivot.limits import (
    MAX_ATTRIBUTE_BYTES,
    MAX_CONTACTS_PER_ROLE,
    MAX_ITEM_BYTES,
    AttributeText,
    CatalogName,
    ExternalId,
    Name,
    Url,
    check_bytes,
)

__all__ = ["Contact", "ContactRole", "ItemKind", "PivotItem", "PivotModel", "make_sync_key"]

ItemKind: TypeAlias = Literal["asset", "glossary_term", "classification"]
"""The three kinds of pivot item; the ``kind`` field discriminates them in JSON."""

ContactRole: TypeAlias = Literal["owner", "expert", "steward"]
"""Purview contact types: assets take owner/expert, glossary terms expert/steward."""

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class PivotModel(BaseModel):
    """Base of all pivot models: immutable; unknown fields are errors (a typo must not vanish silently)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Use the docstring's summary, not its usage example, as the schema description."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        summary = []
        for line in inspect.cleandoc(cls.__doc__ or "").splitlines():
            if not line.strip() or line.lstrip().startswith(">>>"):
                break
            summary.append(line.strip())
        target["description"] = " ".join(summary)
        return schema


def _check_contact_id(value: str) -> str:
    if _GUID.match(value):
        return value.lower()
    if _EMAIL.match(value):
        return value
    raise PydanticCustomError(
        "invalid_contact", "a contact id is an email/UPN (user@domain) or an Entra object id (GUID)"
    )


class Contact(PivotModel):
    """A person responsible for an object. The gateway resolves emails/UPNs to Entra object ids.

    >>> Contact(id="ana@contoso.com", role="owner")
    Contact(id='ana@contoso.com', role='owner')
    """

    id: Annotated[str, AfterValidator(_check_contact_id)] = Field(
        description="Email/UPN (user@domain) or Entra object id (GUID, stored lowercase)."
    )
    role: ContactRole = Field(description="Purview contact type: owner, expert or steward.")


def _check_key(key: str) -> str:
    if not key:
        raise PydanticCustomError("empty_key", "keys must not be empty")
    return check_bytes(key, MAX_ATTRIBUTE_BYTES)


def make_sync_key(catalog: str, kind: ItemKind, external_id: str) -> str:
    """An item's identity across runs: ``catalog|kind|external_id`` (only the id may contain '|')."""
    return f"{catalog}|{kind}|{external_id}"


class PivotItem(PivotModel):
    """Fields shared by all item kinds. Abstract: build a ``PivotAssetItem``, ``PivotGlossaryItem`` or
    ``PivotClassificationItem`` (or parse JSON with ``parse_item``)."""

    allowed_contact_roles: ClassVar[frozenset[str]] = frozenset()

    catalog: CatalogName = Field(description="Name of the source catalog in catalogs.yaml.")
    kind: ItemKind = Field(description="Item kind; selects the item model.")
    external_id: ExternalId = Field(description="The source's stable id, unique per catalog and kind.")
    name: Name = Field(description="Display name (at most 4 KB).")
    description: AttributeText | None = Field(default=None, description="Technical description (≤ 32 KB).")
    target_collection: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="Purview collection for this object; None uses the catalog's configured collection.",
    )
    owners: tuple[Contact, ...] = Field(
        default=(), description="Contacts; a set (order and duplicates do not matter), ≤ 20 per role."
    )
    properties: dict[Annotated[str, AfterValidator(_check_key)], AttributeText] = Field(
        default_factory=dict,
        description="String properties (custom attributes), each value ≤ 32 KB.",
    )
    source_url: Url | None = Field(default=None, description="Link to the object in the source catalog's UI.")

    def model_post_init(self, context: Any, /) -> None:
        if type(self) is PivotItem:
            raise TypeError(
                "PivotItem is abstract: use PivotAssetItem, PivotGlossaryItem or PivotClassificationItem"
            )

    @field_validator("owners")
    @classmethod
    def _check_owners(cls, owners: tuple[Contact, ...]) -> tuple[Contact, ...]:
        for role in sorted({c.role for c in owners} - cls.allowed_contact_roles):
            allowed = ", ".join(sorted(cls.allowed_contact_roles)) or "none"
            raise PydanticCustomError(
                "contact_role",
                "role '{role}' is not a Purview contact type for this kind (allowed: {allowed})",
                {"role": role, "allowed": allowed},
            )
        per_role = Counter(role for role, _ in {(c.role, c.id) for c in owners})
        for role, count in sorted(per_role.items()):
            if count > MAX_CONTACTS_PER_ROLE:
                raise PydanticCustomError(
                    "purview_limit",
                    "{count} distinct contacts with role '{role}'; Purview allows at most {limit} per role",
                    {"count": count, "role": role, "limit": MAX_CONTACTS_PER_ROLE},
                )
        return owners

    @model_validator(mode="after")
    def _check_item_size(self) -> Self:
        size = len(self.model_dump_json().encode("utf-8"))
        if size > MAX_ITEM_BYTES:
            raise PydanticCustomError(
                "purview_limit",
                "item is {size} bytes serialised; Purview allows at most {limit} per object "
                "(split it or trim attributes/columns)",
                {"size": size, "limit": MAX_ITEM_BYTES},
            )
        return self

    @property
    def sync_key(self) -> str:
        """``catalog|kind|external_id``: the key of this object's sync state."""
        return make_sync_key(self.catalog, self.kind, self.external_id)

    def fingerprint(self) -> str:
        """sha256 hex of everything that reaches Purview, insensitive to the order of set-like lists."""
        return fingerprint_of(self.model_dump(mode="json", exclude_defaults=True))
