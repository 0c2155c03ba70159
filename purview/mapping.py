"""Pure mapping of pivot items to Atlas payloads: entities, columns, lineage, glossary terms, classifications.

Rules (each has a unit test):
- An asset becomes one entity of its ``type_name``: ``qualifiedName``, ``name`` and the technical
  ``description`` (never ``userDescription``, which belongs to people in Purview; ``None`` is sent as null
  so a description removed at the source is cleared), plus its ``attributes`` as they are.
- ``properties`` and ``source_url`` become ``customAttributes``; ``owners`` become ``contacts``
  (``Owner``/``Expert``, ids as given: resolve emails to Entra object ids before the gateway if needed).
- ``relationships``, ``inputs`` and ``outputs`` are relationship attributes whose targets are referenced by
  ``{typeName, uniqueAttributes: {qualifiedName}}``; the batcher turns references to entities in the same
  request into placeholder guids.
- Each column becomes an entity of the column type of the asset's type (``ColumnSchema``), qualifiedName
  ``{asset qualifiedName}#{column name}``, pointing at its asset through the schema's parent attribute.
- ``column_lineage`` becomes the process's ``columnMapping`` JSON string (one entry per dataset pair).
- Terms and classifications are not part of the entity payload here: ``MappedAsset`` lists them per target
  (``""`` for the asset, else the column name) and the gateway decides how to assign them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from pivot import Column, Contact, PivotAssetItem, PivotClassificationItem, PivotGlossaryItem
from pivot.refs import Ref
from purview.errors import ItemError
from purview.provenance import CATALOG_ATTRIBUTE, SOURCE_URL_ATTRIBUTE, label_for
from purview.typedefs import GENERIC_COLUMN, GENERIC_DATASET, classification_def

__all__ = [
    "DEFAULT_COLUMN_SCHEMAS",
    "TERM_TYPE",
    "ColumnSchema",
    "EntityRef",
    "MappedAsset",
    "assignment_key",
    "column_mapping",
    "column_qualified_name",
    "contacts_payload",
    "map_asset",
    "map_classification",
    "map_term",
    "object_ref",
    "split_assignment_key",
]

TERM_TYPE: Final = "AtlasGlossaryTerm"
UNKNOWN_DATA_TYPE: Final = "unknown"
"""Sent when a column has no data type: column types such as azure_sql_column require one."""


@dataclass(frozen=True, slots=True, order=True)
class EntityRef:
    """Where an entity lives in Purview: its type and qualifiedName (its unique attribute).

    >>> object_ref(EntityRef("azure_sql_table", "mssql://srv/db/dbo/orders"))["uniqueAttributes"]
    {'qualifiedName': 'mssql://srv/db/dbo/orders'}
    """

    type_name: str
    qualified_name: str


@dataclass(frozen=True, slots=True)
class ColumnSchema:
    """How the columns of an asset type are stored: their entity type, the attribute pointing at the asset,
    and the attribute holding the data type (pass more in ``GatewayOptions(column_schemas=...)``).

    >>> DEFAULT_COLUMN_SCHEMAS["hive_table"]
    ColumnSchema(column_type='hive_column', parent_attribute='table', data_type_attribute='type')
    """

    column_type: str
    parent_attribute: str
    data_type_attribute: str = "data_type"


def _sql_schemas() -> dict[str, ColumnSchema]:
    out: dict[str, ColumnSchema] = {}
    for prefix in ("azure_sql", "mssql", "azure_synapse_dedicated_sql", "snowflake"):
        for kind in ("table", "view"):
            out[f"{prefix}_{kind}"] = ColumnSchema(f"{prefix}_column", kind)
    return out


DEFAULT_COLUMN_SCHEMAS: Final[Mapping[str, ColumnSchema]] = {
    **_sql_schemas(),
    "hive_table": ColumnSchema("hive_column", "table", "type"),
    GENERIC_DATASET: ColumnSchema(GENERIC_COLUMN, "dataset"),
}
"""Column storage of the built-in types the project maps to, and of its own generic dataset."""


def object_ref(ref: EntityRef) -> dict[str, Any]:
    """An Atlas object id by unique attribute."""
    return {"typeName": ref.type_name, "uniqueAttributes": {"qualifiedName": ref.qualified_name}}


def column_qualified_name(asset_qualified_name: str, column_name: str) -> str:
    """Purview's convention for column qualifiedNames: ``{asset}#{column}``."""
    return f"{asset_qualified_name}#{column_name}"


def assignment_key(name: str, column: str | None = None) -> str:
    """How a term guid or classification name assigned to an asset (or one of its columns) is recorded in
    the sync state: ``name`` or ``name@column`` (neither term guids nor classification names contain '@')."""
    return name if not column else f"{name}@{column}"


def split_assignment_key(key: str) -> tuple[str, str]:
    """(name, column) of an assignment key; column is ``""`` for the asset itself."""
    name, _, column = key.partition("@")
    return name, column


def contacts_payload(
    owners: tuple[Contact, ...], roles: Mapping[str, str]
) -> dict[str, list[dict[str, str]]]:
    """Purview contacts grouped by contact type, sorted and de-duplicated (``roles``: pivot role → type)."""
    grouped: dict[str, set[str]] = {}
    for contact in owners:
        grouped.setdefault(roles[contact.role], set()).add(contact.id)
    return {kind: [{"id": i} for i in sorted(ids)] for kind, ids in sorted(grouped.items())}


@dataclass
class MappedAsset:
    """An asset's Atlas payloads (no guids yet) and what should be assigned to it and its columns."""

    sync_key: str
    ref: EntityRef
    entity: dict[str, Any]
    columns: list[dict[str, Any]] = field(default_factory=list)
    terms: dict[str, frozenset[str]] = field(default_factory=dict)
    classifications: dict[str, frozenset[str]] = field(default_factory=dict)


RefResolver = Callable[[Ref], EntityRef]
TermResolver = Callable[[Ref], str]


def column_mapping(item: PivotAssetItem, resolve: RefResolver) -> str | None:
    """The ``columnMapping`` attribute of a process: JSON text of
    ``[{"DatasetMapping": {"Source", "Sink"}, "ColumnMapping": [{"Source", "Sink"}, ...]}]``."""
    if not item.column_lineage:
        return None
    pairs: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for lineage in item.column_lineage:
        source = resolve(lineage.source).qualified_name
        sink = resolve(lineage.target).qualified_name
        columns = pairs.setdefault((source, sink), set())
        columns.update((column, lineage.target_column) for column in lineage.source_columns)
    mapping = [
        {
            "DatasetMapping": {"Source": source, "Sink": sink},
            "ColumnMapping": [{"Source": s, "Sink": t} for s, t in sorted(columns)],
        }
        for (source, sink), columns in sorted(pairs.items())
    ]
    return json.dumps(mapping, separators=(",", ":"), sort_keys=True)


def _refs(values: tuple[Ref, ...], resolve: RefResolver) -> list[dict[str, Any]]:
    return [object_ref(r) for r in sorted({resolve(v) for v in values})]


def _column_entity(asset: PivotAssetItem, column: Column, schema: ColumnSchema) -> dict[str, Any]:
    return {
        "typeName": schema.column_type,
        "attributes": {
            "qualifiedName": column_qualified_name(asset.qualified_name, column.name),
            "name": column.name,
            "description": column.description,
            schema.data_type_attribute: column.data_type or UNKNOWN_DATA_TYPE,
        },
        "relationshipAttributes": {
            schema.parent_attribute: object_ref(EntityRef(asset.type_name, asset.qualified_name))
        },
    }


def map_asset(
    item: PivotAssetItem,
    *,
    resolve_ref: RefResolver,
    resolve_term: TermResolver,
    column_schemas: Mapping[str, ColumnSchema] = DEFAULT_COLUMN_SCHEMAS,
) -> MappedAsset:
    """Map an asset (and its columns) to Atlas entity payloads. Raises ``ItemError`` when a reference,
    a term or the column type cannot be resolved."""
    attributes: dict[str, Any] = {
        **item.attributes,
        "qualifiedName": item.qualified_name,
        "name": item.name,
        "description": item.description,
    }
    mapping = column_mapping(item, resolve_ref)
    if mapping is not None:
        attributes["columnMapping"] = mapping
    relationships: dict[str, Any] = {}
    for name, value in sorted(item.relationships.items()):
        relationships[name] = (
            _refs(value, resolve_ref) if isinstance(value, tuple) else object_ref(resolve_ref(value))
        )
    if item.inputs or item.outputs:
        relationships["inputs"] = _refs(item.inputs, resolve_ref)
        relationships["outputs"] = _refs(item.outputs, resolve_ref)
    entity: dict[str, Any] = {"typeName": item.type_name, "attributes": attributes}
    if relationships:
        entity["relationshipAttributes"] = relationships
    if item.owners:
        entity["contacts"] = contacts_payload(item.owners, {"owner": "Owner", "expert": "Expert"})
    custom = {**item.properties, CATALOG_ATTRIBUTE: item.catalog}
    if item.source_url:
        custom[SOURCE_URL_ATTRIBUTE] = item.source_url
    entity["customAttributes"] = dict(sorted(custom.items()))
    entity["labels"] = [label_for(item.catalog)]
    ref = EntityRef(item.type_name, item.qualified_name)
    mapped = MappedAsset(item.sync_key, ref, entity)
    if item.columns:
        schema = column_schemas.get(item.type_name)
        if schema is None:
            raise ItemError(
                f"type '{item.type_name}' has columns but no known column type; map the asset to "
                f"'{GENERIC_DATASET}' or configure a column schema for it"
            )
        mapped.columns = [_column_entity(item, column, schema) for column in item.columns]
    targets: list[tuple[str, tuple[Ref, ...], tuple[str, ...]]] = [
        ("", item.glossary_items, item.classification_items)
    ]
    targets += [(c.name, c.glossary_items, c.classification_items) for c in item.columns]
    for target, terms, classifications in targets:
        if terms:
            mapped.terms[target] = frozenset(resolve_term(t) for t in terms)
        if classifications:
            mapped.classifications[target] = frozenset(classifications)
    return mapped


def map_term(
    item: PivotGlossaryItem,
    *,
    glossary_guid: str,
    parent_guid: str | None,
    synonym_guids: list[str],
    related_guids: list[str],
) -> dict[str, Any]:
    """The AtlasGlossaryTerm payload of a glossary item (its description becomes the term definition)."""
    term: dict[str, Any] = {
        "name": item.name,
        "anchor": {"glossaryGuid": glossary_guid},
        "longDescription": item.description or "",
        "abbreviation": item.abbreviation,
        "synonyms": [{"termGuid": g} for g in sorted(set(synonym_guids))],
        "seeAlso": [{"termGuid": g} for g in sorted(set(related_guids))],
        "resources": [{"displayName": r.display_name, "url": r.url} for r in item.resources],
    }
    if item.status is not None:
        term["status"] = item.status
    if parent_guid is not None:
        term["parentTerm"] = {"termGuid": parent_guid}
    if item.owners:
        term["contacts"] = contacts_payload(item.owners, {"expert": "Expert", "steward": "Steward"})
    return term


def map_classification(item: PivotClassificationItem) -> dict[str, Any]:
    """The classificationDef of a classification item."""
    return classification_def(item)
