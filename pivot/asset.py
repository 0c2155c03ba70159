"""Assets: datasets, columns, processes (lineage) and anything else Purview stores as an Atlas entity."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, JsonValue, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pivot.base import PivotItem, PivotModel
from pivot.limits import (
    MAX_ATTRIBUTE_BYTES,
    AttributeText,
    ClassificationName,
    Name,
    QualifiedName,
    TypeName,
    json_size,
)
from pivot.refs import Ref, RefOrRefs, TermRefs

__all__ = ["Column", "ColumnLineage", "PivotAssetItem"]

RESERVED_ATTRIBUTES: dict[str, str] = {
    "qualifiedName": "qualified_name",
    "name": "name",
    "description": "description",
    "inputs": "inputs",
    "outputs": "outputs",
    "columnMapping": "column_lineage",
    "meanings": "glossary_items",
}
"""Atlas attribute names that have a dedicated pivot field (the value says which)."""

AttributeName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.]*$", max_length=256)]


class Column(PivotModel):
    """One column of a tabular asset; the gateway turns it into a column entity owned by the asset.

    >>> Column(name="email", data_type="varchar(255)", classification_items=["MICROSOFT.PERSONAL.EMAIL"]).name
    'email'
    """

    name: Name = Field(description="Column name, unique within the asset (case-sensitive).")
    data_type: AttributeText | None = Field(default=None, description="Source data type, e.g. 'int'.")
    description: AttributeText | None = Field(default=None, description="Technical description (≤ 32 KB).")
    classification_items: tuple[ClassificationName, ...] = Field(
        default=(), description="Classification names applied to the column (a set)."
    )
    glossary_items: TermRefs = Field(default=(), description="Glossary terms assigned to the column (a set).")


class ColumnLineage(PivotModel):
    """Column-level lineage of a process: ``target_column`` of ``target`` derives from ``source_columns`` of
    ``source``. The gateway groups these into Purview's ``columnMapping`` attribute (per dataset pair).

    >>> ColumnLineage(source="raw.orders", source_columns=["amount", "vat"], target="orders",
    ...               target_column="gross")  # doctest: +ELLIPSIS
    ColumnLineage(source=ItemRef(external_id='raw.orders'), ...)
    """

    source: Ref = Field(description="The input dataset; must be one of the process's inputs.")
    source_columns: tuple[Name, ...] = Field(min_length=1, description="Source column names (a set).")
    target: Ref = Field(description="The output dataset; must be one of the process's outputs.")
    target_column: Name = Field(description="Target column name.")


class PivotAssetItem(PivotItem):
    """An asset: an Atlas entity of ``type_name`` identified in Purview by ``qualified_name``.

    >>> item = PivotAssetItem(catalog="dbt-shop", external_id="model.shop.orders", name="orders",
    ...     type_name="azure_sql_table", qualified_name="mssql://srv/db/dbo/orders",
    ...     columns=[Column(name="id", data_type="int")], owners=[{"id": "ana@contoso.com", "role": "owner"}])
    >>> item.sync_key
    'dbt-shop|asset|model.shop.orders'

    A process (lineage) asset lists ``inputs``/``outputs`` and optionally ``column_lineage``.
    """

    allowed_contact_roles: ClassVar[frozenset[str]] = frozenset({"owner", "expert"})

    kind: Literal["asset"] = Field(default="asset", description="Always 'asset'.")
    type_name: TypeName = Field(description="Atlas entity type, e.g. 'azure_sql_table' or 'Process'.")
    qualified_name: QualifiedName = Field(description="Atlas qualifiedName: the unique key in Purview.")
    attributes: dict[AttributeName, JsonValue] = Field(
        default_factory=dict,
        description="Other Atlas attributes of type_name (JSON values, each ≤ 32 KB serialised).",
    )
    columns: tuple[Column, ...] = Field(default=(), description="Columns in position order; names unique.")
    relationships: dict[AttributeName, RefOrRefs] = Field(
        default_factory=dict,
        description="Relationship attributes (e.g. 'dbSchema'): one reference or a list of references.",
    )
    inputs: tuple[Ref, ...] = Field(default=(), description="Process inputs (lineage sources), a set.")
    outputs: tuple[Ref, ...] = Field(default=(), description="Process outputs (lineage targets), a set.")
    column_lineage: tuple[ColumnLineage, ...] = Field(
        default=(), description="Column-level lineage of a process (a set); datasets must be inputs/outputs."
    )
    glossary_items: TermRefs = Field(default=(), description="Glossary terms assigned to the asset (a set).")
    classification_items: tuple[ClassificationName, ...] = Field(
        default=(), description="Classification names applied to the asset (a set)."
    )

    @field_validator("attributes")
    @classmethod
    def _check_attributes(cls, attributes: dict[str, JsonValue]) -> dict[str, JsonValue]:
        for key, value in attributes.items():
            if key in RESERVED_ATTRIBUTES:
                raise PydanticCustomError(
                    "reserved_attribute",
                    "attribute '{key}' has its own field: set '{field}' instead",
                    {"key": key, "field": RESERVED_ATTRIBUTES[key]},
                )
            try:
                size = json_size(value)
            except ValueError:
                raise PydanticCustomError(
                    "not_json",
                    "attribute '{key}' holds NaN or infinity (not JSON)",
                    {"key": key},
                ) from None
            if size > MAX_ATTRIBUTE_BYTES:
                raise PydanticCustomError(
                    "purview_limit",
                    "attribute '{key}' is {size} bytes serialised; Purview allows at most {limit}",
                    {"key": key, "size": size, "limit": MAX_ATTRIBUTE_BYTES},
                )
        return attributes

    @field_validator("relationships")
    @classmethod
    def _check_relationships(cls, relationships: dict[str, Any]) -> dict[str, Any]:
        for key in relationships:
            if key in RESERVED_ATTRIBUTES:
                raise PydanticCustomError(
                    "reserved_attribute",
                    "relationship '{key}' has its own field: set '{field}' instead",
                    {"key": key, "field": RESERVED_ATTRIBUTES[key]},
                )
        return relationships

    @field_validator("columns")
    @classmethod
    def _check_column_names(cls, columns: tuple[Column, ...]) -> tuple[Column, ...]:
        duplicates = sorted(name for name, n in Counter(c.name for c in columns).items() if n > 1)
        if duplicates:
            raise PydanticCustomError(
                "duplicate_column", "duplicate column names: {names}", {"names": ", ".join(duplicates)}
            )
        return columns

    @model_validator(mode="after")
    def _check_cross_fields(self) -> Self:
        both = sorted(self.attributes.keys() & self.relationships.keys())
        if both:
            raise PydanticCustomError(
                "ambiguous_attribute",
                "{keys} appear in both attributes and relationships; keep each in one place",
                {"keys": ", ".join(both)},
            )
        for i, lineage in enumerate(self.column_lineage):
            if lineage.source not in self.inputs:
                raise PydanticCustomError(
                    "lineage_not_input",
                    "column_lineage[{i}].source is not one of inputs",
                    {"i": i},
                )
            if lineage.target not in self.outputs:
                raise PydanticCustomError(
                    "lineage_not_output",
                    "column_lineage[{i}].target is not one of outputs",
                    {"i": i},
                )
        return self
