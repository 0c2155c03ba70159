"""Classifications: the definitions (Atlas classification types) that assets and columns refer to by name."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from pivot.base import PivotItem
from pivot.limits import ClassificationName, TypeName

__all__ = ["PivotClassificationItem"]


class PivotClassificationItem(PivotItem):
    """A classification definition, created in Purview before any asset that uses it.

    ``name`` is the human label; ``classification_name`` is the Purview type name that
    ``classification_items`` of assets and columns refer to. Classification types have no contacts.

    >>> PivotClassificationItem(catalog="glue", external_id="pii", name="PII",
    ...     classification_name="CONTOSO.PII", applies_to=["DataSet"]).sync_key
    'glue|classification|pii'
    """

    allowed_contact_roles: ClassVar[frozenset[str]] = frozenset()

    kind: Literal["classification"] = Field(default="classification", description="Always 'classification'.")
    classification_name: ClassificationName = Field(
        description="Purview classification type name: letters, digits, '_' and '.' (≤ 4 KB)."
    )
    applies_to: tuple[TypeName, ...] = Field(
        default=(), description="Entity types it may be applied to (a set); empty means any type."
    )
