"""The pivot model: the catalog-agnostic items (assets, glossary terms, classifications) that connectors
produce and the Purview gateway imports, with their references, limits, sync keys, fingerprints, JSON Schema
and JSON-lines format. Pure data and validation: no I/O may live here beyond parsing streams of lines.
"""

from pivot.asset import Column, ColumnLineage, PivotAssetItem
from pivot.base import Contact, ContactRole, ItemKind, PivotItem, PivotModel, make_sync_key
from pivot.classification import PivotClassificationItem
from pivot.fingerprint import canonical_json, fingerprint_of
from pivot.glossary import PivotGlossaryItem, Resource, TermStatus
from pivot.items import (
    ITEM_KINDS,
    AnyPivotItem,
    describe_validation_error,
    item_json_schema,
    parse_item,
    parse_item_json,
    schema_text,
)
from pivot.jsonl import LineError, ParsedLine, dump_jsonl, iter_jsonl
from pivot.limits import (
    MAX_ATTRIBUTE_BYTES,
    MAX_CONTACTS_PER_ROLE,
    MAX_EXTERNAL_ID_BYTES,
    MAX_ITEM_BYTES,
    MAX_NAME_BYTES,
)
from pivot.refs import GLOSSARY_TERM_TYPE, ItemRef, QualifiedNameRef, Ref, RefOrRefs

__all__ = [
    "GLOSSARY_TERM_TYPE",
    "ITEM_KINDS",
    "MAX_ATTRIBUTE_BYTES",
    "MAX_CONTACTS_PER_ROLE",
    "MAX_EXTERNAL_ID_BYTES",
    "MAX_ITEM_BYTES",
    "MAX_NAME_BYTES",
    "AnyPivotItem",
    "Column",
    "ColumnLineage",
    "Contact",
    "ContactRole",
    "ItemKind",
    "ItemRef",
    "LineError",
    "ParsedLine",
    "PivotAssetItem",
    "PivotClassificationItem",
    "PivotGlossaryItem",
    "PivotItem",
    "PivotModel",
    "QualifiedNameRef",
    "Ref",
    "RefOrRefs",
    "Resource",
    "TermStatus",
    "canonical_json",
    "describe_validation_error",
    "dump_jsonl",
    "fingerprint_of",
    "item_json_schema",
    "iter_jsonl",
    "make_sync_key",
    "parse_item",
    "parse_item_json",
    "schema_text",
]
