"""The route table: (method, path template, handler) rows, read like Purview's REST reference.

Atlas routes are served under both ``/catalog/api/atlas/v2`` (legacy, pyapacheatlas) and
``/datamap/api/atlas/v2`` (current API, azure-purview-datamap). Static segments come before
``{parameters}`` in each group so ``/glossary/term`` never matches ``/glossary/{glossaryId}``.
"""

from __future__ import annotations

__all__ = ["ACCOUNT_ROUTES", "ATLAS_PREFIXES", "ATLAS_ROUTES", "OPERATOR_ROUTES", "PURVIEW_ROUTES"]

ATLAS_PREFIXES = ("/catalog/api/atlas/v2", "/datamap/api/atlas/v2")

# (method, path below the Atlas prefix, "<family>.<handler>")
ATLAS_ROUTES: list[tuple[str, str, str]] = [
    # region entity
    ("POST", "/entity", "entities.create_or_update"),
    ("POST", "/entity/bulk", "entities.bulk_create_or_update"),
    ("GET", "/entity/bulk", "entities.list_by_guids"),
    ("DELETE", "/entity/bulk", "entities.bulk_delete"),
    ("POST", "/entity/bulk/classification", "entities.add_classification_bulk"),
    ("POST", "/entity/bulk/setClassifications", "entities.set_classifications"),
    ("GET", "/entity/bulk/uniqueAttribute/type/{typeName}", "entities.list_by_unique_attributes"),
    ("GET", "/entity/guid/{guid}", "entities.get"),
    ("PUT", "/entity/guid/{guid}", "entities.partial_update_attribute"),
    ("DELETE", "/entity/guid/{guid}", "entities.delete"),
    ("GET", "/entity/guid/{guid}/header", "entities.get_header"),
    ("GET", "/entity/guid/{guid}/classifications", "entities.get_classifications"),
    ("POST", "/entity/guid/{guid}/classifications", "entities.add_classifications"),
    ("PUT", "/entity/guid/{guid}/classifications", "entities.update_classifications"),
    ("GET", "/entity/guid/{guid}/classification/{classificationName}", "entities.get_classification"),
    ("DELETE", "/entity/guid/{guid}/classification/{classificationName}", "entities.remove_classification"),
    ("POST", "/entity/guid/{guid}/labels", "entities.set_labels"),
    ("PUT", "/entity/guid/{guid}/labels", "entities.add_labels"),
    ("DELETE", "/entity/guid/{guid}/labels", "entities.remove_labels"),
    ("GET", "/entity/uniqueAttribute/type/{typeName}", "entities.get_by_unique_attributes"),
    ("PUT", "/entity/uniqueAttribute/type/{typeName}", "entities.partial_update_by_unique_attribute"),
    ("DELETE", "/entity/uniqueAttribute/type/{typeName}", "entities.delete_by_unique_attribute"),
    ("POST", "/entity/uniqueAttribute/type/{typeName}/classifications", "entities.add_classifications"),
    ("PUT", "/entity/uniqueAttribute/type/{typeName}/classifications", "entities.update_classifications"),
    (
        "DELETE",
        "/entity/uniqueAttribute/type/{typeName}/classification/{classificationName}",
        "entities.remove_classification",
    ),
    ("POST", "/entity/uniqueAttribute/type/{typeName}/labels", "entities.set_labels"),
    ("PUT", "/entity/uniqueAttribute/type/{typeName}/labels", "entities.add_labels"),
    ("DELETE", "/entity/uniqueAttribute/type/{typeName}/labels", "entities.remove_labels"),
    # endregion
    # region types
    ("GET", "/types/typedefs", "types.list_typedefs"),
    ("POST", "/types/typedefs", "types.create_typedefs"),
    ("PUT", "/types/typedefs", "types.update_typedefs"),
    ("DELETE", "/types/typedefs", "types.delete_typedefs"),
    ("GET", "/types/typedefs/headers", "types.list_headers"),
    ("DELETE", "/types/typedef/name/{name}", "types.delete_by_name"),
    ("GET", "/types/{kind}/name/{name}", "types.get_by_name"),
    ("GET", "/types/{kind}/guid/{guid}", "types.get_by_guid"),
    # endregion
    # region relationship and lineage
    ("POST", "/relationship", "types.create_relationship"),
    ("PUT", "/relationship", "types.update_relationship"),
    ("GET", "/relationship/guid/{guid}", "types.get_relationship"),
    ("DELETE", "/relationship/guid/{guid}", "types.delete_relationship"),
    ("GET", "/lineage/uniqueAttribute/type/{typeName}", "types.get_lineage_by_unique_attribute"),
    ("GET", "/lineage/{guid}", "types.get_lineage"),
    ("GET", "/lineage/{guid}/next", "types.get_next_lineage"),
    # endregion
    # region glossary
    ("GET", "/glossary", "glossary.list_glossaries"),
    ("POST", "/glossary", "glossary.create_glossary"),
    ("POST", "/glossary/term", "glossary.create_term"),
    ("POST", "/glossary/terms", "glossary.create_terms"),
    ("GET", "/glossary/term/{termId}", "glossary.get_term"),
    ("PUT", "/glossary/term/{termId}", "glossary.update_term"),
    ("DELETE", "/glossary/term/{termId}", "glossary.delete_term"),
    ("PUT", "/glossary/term/{termId}/partial", "glossary.partial_update_term"),
    ("GET", "/glossary/terms/{termId}/assignedEntities", "glossary.list_assigned_entities"),
    ("POST", "/glossary/terms/{termId}/assignedEntities", "glossary.assign_term"),
    ("DELETE", "/glossary/terms/{termId}/assignedEntities", "glossary.remove_term_assignment"),
    ("PUT", "/glossary/terms/{termId}/assignedEntities", "glossary.remove_term_assignment"),
    ("GET", "/glossary/{glossaryId}", "glossary.get_glossary"),
    ("PUT", "/glossary/{glossaryId}", "glossary.update_glossary"),
    ("DELETE", "/glossary/{glossaryId}", "glossary.delete_glossary"),
    ("GET", "/glossary/{glossaryId}/detailed", "glossary.get_detailed"),
    ("PUT", "/glossary/{glossaryId}/partial", "glossary.partial_update_glossary"),
    ("GET", "/glossary/{glossaryId}/terms", "glossary.list_terms"),
    ("GET", "/glossary/{glossaryId}/terms/headers", "glossary.list_term_headers"),
    ("GET", "/glossary/{glossaryId}/categories", "glossary.list_categories"),
    # endregion
]

# Purview-only Data Map routes (full paths).
PURVIEW_ROUTES: list[tuple[str, str, str]] = [
    ("POST", "/catalog/api/collections/{collection}/entity", "entities.create_or_update"),
    ("POST", "/catalog/api/collections/{collection}/entity/bulk", "entities.bulk_create_or_update"),
    ("POST", "/catalog/api/collections/{collection}/entity/moveHere", "account.move_here"),
    ("POST", "/datamap/api/entity/moveTo", "account.move_to"),
    ("GET", "/datamap/api/lineage/{guid}/next", "types.get_next_lineage"),
    ("POST", "/catalog/api/search/query", "account.query"),
    ("POST", "/datamap/api/search/query", "account.query"),
]

# Account plane: served with and without the /account prefix (pyapacheatlas omits it).
ACCOUNT_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/collections", "account.list_collections"),
    ("GET", "/collections/{name}", "account.get_collection"),
    ("PUT", "/collections/{name}", "account.create_or_update_collection"),
    ("DELETE", "/collections/{name}", "account.delete_collection"),
    ("GET", "/collections/{name}/getChildCollectionNames", "account.child_collection_names"),
    ("GET", "/collections/{name}/getCollectionPath", "account.collection_path"),
]

# Operator knobs and the browse page (not Purview APIs: never throttled or counted as operations).
OPERATOR_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/_emulator/stats", "operator.stats"),
    ("POST", "/_emulator/reset", "operator.reset"),
    ("GET", "/_emulator/faults", "operator.get_faults"),
    ("PUT", "/_emulator/faults", "operator.put_faults"),
    ("GET", "/", "browse.index"),
    ("GET", "/browse/entity/{guid}", "browse.entity"),
    ("GET", "/browse/glossary/{guid}", "browse.glossary"),
]
