"""Glossary terms, with hierarchy (``parent``) and term-to-term relations."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self, TypeAlias

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from pivot.base import PivotItem, PivotModel
from pivot.limits import AttributeText, Name, Url
from pivot.refs import ItemRef, Ref, TermRefs, check_term_refs

__all__ = ["PivotGlossaryItem", "Resource", "TermStatus"]

TermStatus: TypeAlias = Literal["Draft", "Approved", "Alert", "Expired"]
"""Purview glossary term statuses."""


def _check_term_name(name: str) -> str:
    if "@" in name:
        raise PydanticCustomError(
            "invalid_term_name", "a term name must not contain '@' (Purview derives 'Term@Glossary' from it)"
        )
    return name


def _check_parent(ref: Ref | None) -> Ref | None:
    if ref is not None:
        check_term_refs((ref,))
    return ref


class Resource(PivotModel):
    """A link shown on the term page in Purview.

    >>> Resource(display_name="Wiki", url="https://wiki.contoso.com/revenue")
    Resource(display_name='Wiki', url='https://wiki.contoso.com/revenue')
    """

    display_name: Name = Field(description="Link text.")
    url: Url = Field(description="Absolute http(s) URL.")


class PivotGlossaryItem(PivotItem):
    """A glossary term. ``name`` is the term name; Purview derives its qualifiedName (``Term@Glossary``).

    >>> term = PivotGlossaryItem(catalog="datahub", external_id="urn:li:glossaryTerm:revenue", name="Revenue",
    ...     parent="urn:li:glossaryTerm:finance", status="Approved", synonyms=["urn:li:glossaryTerm:sales"])
    >>> term.parent
    ItemRef(external_id='urn:li:glossaryTerm:finance')
    """

    allowed_contact_roles: ClassVar[frozenset[str]] = frozenset({"expert", "steward"})

    kind: Literal["glossary_term"] = Field(default="glossary_term", description="Always 'glossary_term'.")
    name: Annotated[Name, AfterValidator(_check_term_name)] = Field(description="Term name (no '@', ≤ 4 KB).")
    glossary: Name | None = Field(
        default=None, description="Glossary name; None uses the catalog's configured glossary."
    )
    parent: Annotated[Ref | None, AfterValidator(_check_parent)] = Field(
        default=None, description="Parent term (hierarchy); imported before this term."
    )
    abbreviation: AttributeText | None = Field(default=None, description="Abbreviation, e.g. 'ARR'.")
    synonyms: TermRefs = Field(default=(), description="Synonym terms (a set).")
    related: TermRefs = Field(default=(), description="Related terms ('see also'), a set.")
    status: TermStatus | None = Field(
        default=None, description="Term status; None leaves Purview's default (Draft) or current value."
    )
    resources: tuple[Resource, ...] = Field(default=(), description="Links shown on the term page, in order.")

    @model_validator(mode="after")
    def _check_not_self(self) -> Self:
        me = ItemRef(external_id=self.external_id)
        for field in ("parent", "synonyms", "related"):
            value = getattr(self, field)
            if value == me or (isinstance(value, tuple) and me in value):
                raise PydanticCustomError(
                    "self_reference", "{field} refers to the term itself", {"field": field}
                )
        return self
