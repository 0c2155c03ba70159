"""The typedefs an emulator starts with: Atlas base, glossary and lineage types plus common Purview built-ins.

Written for the emulator from the public Apache Atlas models and Purview documentation (no public dump of
Purview's built-in typedefs exists). Only what the project and a typical pyapacheatlas user touch is here;
the builders keep each family to a few lines. ``seed_typedefs()`` returns a fresh ``AtlasTypesDef`` dict.
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["seed_typedefs"]

Def = dict[str, Any]


def _attr(name: str, type_name: str = "string", *, required: bool = False, unique: bool = False) -> Def:
    return {
        "name": name,
        "typeName": type_name,
        "isOptional": not required,
        "cardinality": "SET" if type_name.startswith("array<") else "SINGLE",
        "valuesMinCount": 1 if required else 0,
        "valuesMaxCount": 1,
        "isUnique": unique,
        "isIndexable": unique or name in ("name", "qualifiedName"),
        "includeInNotification": False,
    }


def _entity(
    name: str,
    supers: list[str],
    attrs: list[Def] | None = None,
    *,
    service: str = "",
    options: dict[str, str] | None = None,
) -> Def:
    d: Def = {"category": "ENTITY", "name": name, "description": name, "typeVersion": "1.0"}
    d["superTypes"] = supers
    d["attributeDefs"] = attrs or []
    if service:
        d["serviceType"] = service
    if options:
        d["options"] = options
    return d


def _end(type_name: str, name: str, cardinality: str = "SINGLE", *, container: bool = False) -> Def:
    return {
        "type": type_name,
        "name": name,
        "isContainer": container,
        "cardinality": cardinality,
        "isLegacyAttribute": False,
    }


def _rel(name: str, category: str, end1: Def, end2: Def, attrs: list[Def] | None = None) -> Def:
    return {
        "category": "RELATIONSHIP",
        "name": name,
        "description": name,
        "typeVersion": "1.0",
        "relationshipCategory": category,
        "propagateTags": "NONE",
        "endDef1": end1,
        "endDef2": end2,
        "attributeDefs": attrs or [],
    }


def _parent_child(rel: str, parent: str, children: str, child: str, back: str, *, own: bool = True) -> Def:
    """A container (``parent.children``, SET) owning ``child.back`` (SINGLE): COMPOSITION or AGGREGATION."""
    return _rel(
        rel,
        "COMPOSITION" if own else "AGGREGATION",
        _end(parent, children, "SET", container=True),
        _end(child, back),
    )


def _base() -> tuple[list[Def], list[Def]]:
    entities = [
        _entity(
            "Referenceable",
            [],
            [_attr("qualifiedName", required=True, unique=True)],
        ),
        _entity(
            "Asset",
            ["Referenceable"],
            [
                _attr("name", required=True),
                _attr("description"),
                _attr("owner"),
                _attr("displayName"),
                _attr("userDescription"),
            ],
        ),
        _entity("DataSet", ["Asset"]),
        _entity("Infrastructure", ["Asset"]),
        _entity("DataStore", ["DataSet"]),
        _entity("Process", ["Asset"], [_attr("columnMapping")]),
        _entity("ProcessExecution", ["Asset"]),
        _entity("column", ["DataSet"], [_attr("type"), _attr("data_type")]),
        _entity("tabular_schema", ["DataSet"]),
    ]
    lineage_in = _rel(
        "dataset_process_inputs",
        "AGGREGATION",
        _end("Process", "inputs", "SET", container=True),
        _end("DataSet", "inputToProcesses", "SET"),
    )
    lineage_out = _rel(
        "process_dataset_outputs",
        "AGGREGATION",
        _end("Process", "outputs", "SET", container=True),
        _end("DataSet", "outputFromProcesses", "SET"),
    )
    for rel in (lineage_in, lineage_out):
        rel["endDef1"]["isLegacyAttribute"] = True
    rels = [
        lineage_in,
        lineage_out,
        _parent_child("tabular_schema_columns", "tabular_schema", "columns", "column", "composeSchema"),
        _rel(
            "tabular_schema_datasets",
            "ASSOCIATION",
            _end("tabular_schema", "associatedDataSets", "SET"),
            _end("DataSet", "tabular_schema"),
        ),
    ]
    return entities, rels


def _glossary() -> tuple[list[Def], list[Def], list[Def]]:
    enums = [
        {
            "category": "ENUM",
            "name": "AtlasGlossaryTermRelationshipStatus",
            "typeVersion": "1.0",
            "elementDefs": [
                {"value": v, "ordinal": i}
                for i, v in enumerate(("DRAFT", "ACTIVE", "DEPRECATED", "OBSOLETE"))
            ],
        },
        {
            "category": "ENUM",
            "name": "AtlasGlossaryTermAssignmentStatus",
            "typeVersion": "1.0",
            "elementDefs": [
                {"value": v, "ordinal": i}
                for i, v in enumerate(
                    ("DISCOVERED", "PROPOSED", "IMPORTED", "VALIDATED", "DEPRECATED", "OBSOLETE", "OTHER")
                )
            ],
        },
    ]
    texts = [_attr("name"), _attr("shortDescription"), _attr("longDescription")]
    entities = [
        _entity("AtlasGlossary", ["Referenceable"], [*texts, _attr("language"), _attr("usage")]),
        _entity(
            "AtlasGlossaryTerm",
            ["Referenceable"],
            [*texts, _attr("examples", "array<string>"), _attr("abbreviation"), _attr("usage")],
        ),
        _entity("AtlasGlossaryCategory", ["Referenceable"], texts),
    ]
    assignment_attrs = [
        _attr("description"),
        _attr("expression"),
        _attr("status", "AtlasGlossaryTermAssignmentStatus"),
        _attr("confidence", "int"),
        _attr("createdBy"),
        _attr("steward"),
        _attr("source"),
    ]
    rels = [
        _rel(
            "AtlasGlossarySemanticAssignment",
            "ASSOCIATION",
            _end("AtlasGlossaryTerm", "assignedEntities", "SET"),
            _end("Referenceable", "meanings", "SET"),
            assignment_attrs,
        ),
        _parent_child("AtlasGlossaryTermAnchor", "AtlasGlossary", "terms", "AtlasGlossaryTerm", "anchor"),
        _parent_child(
            "AtlasGlossaryCategoryAnchor", "AtlasGlossary", "categories", "AtlasGlossaryCategory", "anchor"
        ),
    ]
    return enums, entities, rels


def _sql_family(
    prefix: str, service: str, levels: list[str], *, column_required: str = "data_type"
) -> tuple[list[Def], list[Def]]:
    """server/db/schema/table/view/column types of a relational source, with their containment."""
    tabular = {"schemaElementsAttribute": "columns"}
    entities: list[Def] = []
    rels: list[Def] = []
    parents = [f"{prefix}_{lvl}" for lvl in levels]
    for name in parents:
        entities.append(_entity(name, ["Asset"], service=service))
    schema = parents[-1]
    for kind in ("table", "view"):
        entities.append(
            _entity(f"{prefix}_{kind}", ["DataSet"], [_attr("objectType")], service=service, options=tabular)
        )
    entities.append(
        _entity(
            f"{prefix}_column",
            ["DataSet"],
            [
                _attr("data_type", required=column_required == "data_type"),
                _attr("length", "int"),
                _attr("precision", "int"),
                _attr("scale", "int"),
                _attr("isNullable", "boolean"),
                _attr("ordinalPosition", "int"),
            ],
            service=service,
        )
    )
    back_names = {"db": "server", "schema": "db", "database": "account"}
    child_names = {"db": "databases", "schema": "schemas", "database": "databases"}
    for upper, lower in itertools.pairwise(levels):
        rels.append(
            _parent_child(
                f"{prefix}_{upper}_{child_names[lower]}",
                f"{prefix}_{upper}",
                child_names[lower],
                f"{prefix}_{lower}",
                back_names[lower],
            )
        )
    rels.append(_parent_child(f"{prefix}_schema_tables", schema, "tables", f"{prefix}_table", "dbSchema"))
    rels.append(_parent_child(f"{prefix}_schema_views", schema, "views", f"{prefix}_view", "dbSchema"))
    for kind in ("table", "view"):
        rel = _parent_child(
            f"{prefix}_{kind}_columns", f"{prefix}_{kind}", "columns", f"{prefix}_column", kind
        )
        rel["endDef1"]["isLegacyAttribute"] = True
        rels.append(rel)
    return entities, rels


def _hive() -> tuple[list[Def], list[Def]]:
    entities = [
        _entity(
            "hive_db",
            ["Asset"],
            [
                _attr("clusterName", required=True),
                _attr("location"),
                _attr("parameters", "map<string,string>"),
            ],
            service="hive",
        ),
        _entity(
            "hive_table",
            ["DataSet"],
            [
                _attr("createTime", "date"),
                _attr("lastAccessTime", "date"),
                _attr("comment"),
                _attr("retention", "int"),
                _attr("aliases", "array<string>"),
                _attr("parameters", "map<string,string>"),
                _attr("tableType"),
                _attr("temporary", "boolean"),
            ],
            service="hive",
            options={"schemaElementsAttribute": "columns"},
        ),
        _entity(
            "hive_column",
            ["DataSet"],
            [_attr("type", required=True), _attr("comment"), _attr("position", "int")],
            service="hive",
        ),
        _entity("hive_process", ["Process"], [_attr("queryText"), _attr("userName")], service="hive"),
    ]
    table_db = _rel(
        "hive_table_db",
        "AGGREGATION",
        _end("hive_table", "db"),
        _end("hive_db", "tables", "SET", container=True),
    )
    columns = _rel(
        "hive_table_columns",
        "COMPOSITION",
        _end("hive_table", "columns", "SET", container=True),
        _end("hive_column", "table"),
    )
    for rel in (table_db, columns):
        rel["endDef1"]["isLegacyAttribute"] = True
    columns["endDef2"]["isLegacyAttribute"] = True
    return entities, [table_db, columns]


def _object_stores() -> tuple[list[Def], list[Def]]:
    s3 = "aws_s3_v2"
    entities = [
        _entity(f"{s3}_container", []),
        _entity(f"{s3}_contained", []),
        _entity(
            f"{s3}_base", ["DataSet"], [_attr("region"), _attr("ownerName"), _attr("eTag")], service="aws"
        ),
        _entity(
            f"{s3}_bucket",
            [f"{s3}_base", f"{s3}_container"],
            [_attr("creationTime", "date"), _attr("accountId")],
            service="aws",
        ),
        _entity(
            f"{s3}_object",
            [f"{s3}_base", f"{s3}_contained"],
            [
                _attr("lastModifiedTime", "date"),
                _attr("bucketName"),
                _attr("size", "long"),
                _attr("dataType"),
            ],
            service="aws",
        ),
        _entity(
            f"{s3}_directory",
            [f"{s3}_object", f"{s3}_container"],
            [_attr("objectPrefix", required=True)],
            service="aws",
        ),
    ]
    file_attrs = [
        _attr("path"),
        _attr("size", "long"),
        _attr("isFile", "boolean"),
        _attr("modifiedTime", "date"),
    ]
    tabular = {"schemaElementsAttribute": "tabular_schema"}
    entities += [
        _entity("azure_storage_account", ["Asset"], service="azure_storage"),
        _entity("azure_blob_container", ["DataSet"], service="azure_storage"),
        _entity("azure_blob_path", ["DataSet"], file_attrs, service="azure_storage", options=tabular),
        _entity("azure_datalake_gen2_filesystem", ["DataSet"], service="azure_storage"),
        _entity(
            "azure_datalake_gen2_path", ["DataSet"], file_attrs, service="azure_storage", options=tabular
        ),
        _entity("azure_datalake_gen2_resource_set", ["DataSet"], service="azure_storage", options=tabular),
    ]
    rels = [
        _parent_child(
            f"{s3}_container_contained", f"{s3}_container", "contained", f"{s3}_contained", "container"
        ),
        _parent_child(
            "azure_storage_account_containers",
            "azure_storage_account",
            "containers",
            "azure_blob_container",
            "account",
        ),
    ]
    return entities, rels


def _bi() -> tuple[list[Def], list[Def]]:
    entities = [
        _entity("powerbi_workspace", ["Asset"], service="powerbi"),
        _entity("powerbi_dataset", ["DataSet"], [_attr("configuredBy")], service="powerbi"),
        _entity("powerbi_report", ["DataSet"], [_attr("reportType")], service="powerbi"),
        _entity("powerbi_dashboard", ["DataSet"], service="powerbi"),
        _entity("powerbi_dataflow", ["DataSet"], service="powerbi"),
        _entity("azure_data_factory", ["Asset"], service="adf"),
        _entity("adf_copy_activity", ["Process"], service="adf"),
    ]
    rels = [
        _parent_child(
            f"powerbi_workspace_{kind}s", "powerbi_workspace", f"{kind}s", f"powerbi_{kind}", "workspace"
        )
        for kind in ("dataset", "report", "dashboard", "dataflow")
    ]
    return entities, rels


def seed_typedefs() -> dict[str, list[Def]]:
    """A fresh copy of every seeded typedef, grouped like an AtlasTypesDef."""
    entity_defs, rel_defs = _base()
    enums, glossary_entities, glossary_rels = _glossary()
    entity_defs += glossary_entities
    rel_defs += glossary_rels
    families = [
        _sql_family("azure_sql", "Azure SQL Database", ["server", "db", "schema"]),
        _sql_family("mssql", "SQL Server", ["instance", "db", "schema"]),
        _sql_family("azure_synapse_dedicated_sql", "Azure Synapse Analytics", ["db", "schema"]),
        _sql_family("snowflake", "Snowflake", ["account", "database", "schema"]),
        _hive(),
        _object_stores(),
        _bi(),
    ]
    for family_entities, family_rels in families:
        entity_defs += family_entities
        rel_defs += family_rels
    return {
        "enumDefs": enums,
        "structDefs": [],
        "classificationDefs": [],
        "entityDefs": entity_defs,
        "relationshipDefs": rel_defs,
        "businessMetadataDefs": [],
    }
