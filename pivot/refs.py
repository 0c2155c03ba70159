"""References from one pivot item to another object, inside or outside the item's own catalog.

JSON forms (all accepted wherever a reference is expected)::

    "dbt:model.shop.orders"                                      # external_id in the same catalog
    {"external_id": "dbt:model.shop.orders"}                     # the same, explicit (canonical output form)
    {"type_name": "azure_sql_table", "qualified_name": "mssql://srv/db/dbo/orders"}  # any object in Purview

An ``ItemRef`` is resolved by the importer through the referenced item of the same catalog (which must also
be synced); a ``QualifiedNameRef`` points at an object Purview already holds, whoever created it. A plain
string is shorthand for ``{"external_id": ...}`` and is always dumped in the explicit form.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, TypeAlias

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag
from pydantic_core import PydanticCustomError

from pivot.base import PivotModel
from pivot.limits import ExternalId, QualifiedName, TypeName

__all__ = [
    "GLOSSARY_TERM_TYPE",
    "ItemRef",
    "QualifiedNameRef",
    "Ref",
    "RefOrRefs",
    "TermRefs",
    "check_term_refs",
]

GLOSSARY_TERM_TYPE: Final = "AtlasGlossaryTerm"
"""The Atlas type of glossary terms: a ``QualifiedNameRef`` to a term uses it with ``Term@Glossary``."""


class ItemRef(PivotModel):
    """A reference to another item of the same catalog, by its ``external_id``.

    >>> ItemRef(external_id="urn:li:dataset:(urn:li:dataPlatform:hive,db.orders,PROD)")
    ItemRef(external_id='urn:li:dataset:(urn:li:dataPlatform:hive,db.orders,PROD)')
    """

    external_id: ExternalId = Field(description="external_id of the referenced item in the same catalog.")


class QualifiedNameRef(PivotModel):
    """A reference to any object in Purview by its unique attribute, e.g. an asset another tool scanned.

    >>> QualifiedNameRef(type_name="azure_sql_table", qualified_name="mssql://srv/db/dbo/orders")
    QualifiedNameRef(type_name='azure_sql_table', qualified_name='mssql://srv/db/dbo/orders')
    """

    type_name: TypeName = Field(description="Atlas type name of the referenced object.")
    qualified_name: QualifiedName = Field(description="qualifiedName of the referenced object.")


def _ref_tag(value: Any) -> str | None:
    if isinstance(value, ItemRef | QualifiedNameRef):
        return type(value).__name__
    if isinstance(value, dict):
        if "external_id" in value:
            return "ItemRef"
        if "type_name" in value or "qualified_name" in value:
            return "QualifiedNameRef"
    return None


def _expand_shorthand(value: Any) -> Any:
    return {"external_id": value} if isinstance(value, str) else value


_REF_ERROR = (
    "a reference is an external_id string, {'external_id': ...} or {'type_name': ..., 'qualified_name': ...}"
)

Ref: TypeAlias = Annotated[
    Annotated[ItemRef, Tag("ItemRef")] | Annotated[QualifiedNameRef, Tag("QualifiedNameRef")],
    Discriminator(_ref_tag, custom_error_type="invalid_reference", custom_error_message=_REF_ERROR),
    BeforeValidator(_expand_shorthand, json_schema_input_type=str | ItemRef | QualifiedNameRef),
]
"""A reference: ``ItemRef`` (same catalog, by external_id) or ``QualifiedNameRef`` (any Purview object)."""


def _cardinality_tag(value: Any) -> Literal["many", "one"]:
    return "many" if isinstance(value, list | tuple) else "one"


RefOrRefs: TypeAlias = Annotated[
    Annotated[Ref, Tag("one")] | Annotated[tuple[Ref, ...], Tag("many")],
    Discriminator(_cardinality_tag),
]
"""The value of a relationship attribute: one reference, or a list of them."""


def check_term_refs(refs: tuple[Ref, ...]) -> tuple[Ref, ...]:
    """Refuse a ``QualifiedNameRef`` that does not point at a glossary term (``AtlasGlossaryTerm``)."""
    for ref in refs:
        if isinstance(ref, QualifiedNameRef) and ref.type_name != GLOSSARY_TERM_TYPE:
            raise PydanticCustomError(
                "not_a_term",
                "a glossary term reference outside the catalog must have type_name '{expected}', got '{got}'",
                {"expected": GLOSSARY_TERM_TYPE, "got": ref.type_name},
            )
    return refs


TermRefs: TypeAlias = Annotated[tuple[Ref, ...], AfterValidator(check_term_refs)]
"""References to glossary terms: item refs, or qualified-name refs of type ``AtlasGlossaryTerm``."""
