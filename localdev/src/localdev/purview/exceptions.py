"""Purview's error vocabulary, as the wire carries it.

Atlas-plane errors (``/catalog/api/atlas/v2``, ``/datamap/api/atlas/v2``) answer
``{"requestId", "errorCode", "errorMessage"}`` with the Atlas code's HTTP status; the account plane
(collections) and the search plane answer ``{"error": {"code", "message", "target", "details"}}``.

Tree::

    PurviewEmulatorError            (root; never raised on the wire itself)
    ├── AtlasError                  Atlas-plane error: status, errorCode, errorMessage
    └── AccountError                account/search-plane error: status, code, message
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["AccountError", "AtlasError", "PurviewEmulatorError", "atlas"]


class PurviewEmulatorError(Exception):
    """Root of every error the emulator's models raise."""

    status: int = 500

    def body(self) -> dict[str, Any]:
        raise NotImplementedError


class AtlasError(PurviewEmulatorError):
    """An Atlas error code with its HTTP status and formatted message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"requestId": str(uuid.uuid4()), "errorCode": self.code, "errorMessage": self.message}


class AccountError(PurviewEmulatorError):
    """An account-plane (collections) or search-plane error."""

    def __init__(self, status: int, code: str, message: str, target: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "target": self.target, "details": []}}


# Atlas codes used by the emulator: name -> (HTTP status, errorCode, message template). Wording follows
# Apache Atlas's AtlasErrorCode, which Purview returns unchanged.
_CODES: dict[str, tuple[int, str, str]] = {
    "BAD_REQUEST": (400, "ATLAS-400-00-029", "{0}"),
    "INVALID_PARAMETERS": (400, "ATLAS-400-00-01A", "invalid parameters: {0}"),
    "TYPE_NAME_INVALID": (400, "ATLAS-400-00-014", "Type {0} with name {1} does not exist"),
    "UNKNOWN_ATTRIBUTE": (400, "ATLAS-400-00-023", "Attribute {0} not found for type {1}"),
    "CLASSIFICATION_ALREADY_ASSOCIATED": (
        400,
        "ATLAS-400-00-01B",
        "instance {0} already is associated with classification {1}",
    ),
    "CLASSIFICATION_NOT_ASSOCIATED_WITH_ENTITY": (
        400,
        "ATLAS-400-00-06D",
        "Classification {0} is not associated with entity",
    ),
    "CANNOT_ADD_MANDATORY_ATTRIBUTE": (400, "ATLAS-400-00-00C", "{0}.{1} : can not add mandatory attribute"),
    "ATTRIBUTE_DELETION_NOT_SUPPORTED": (400, "ATLAS-400-00-00D", "{0}.{1} : attribute delete not supported"),
    "SUPERTYPE_REMOVAL_NOT_SUPPORTED": (400, "ATLAS-400-00-00E", "superType remove not supported"),
    "INVALID_TYPE_DEFINITION": (400, "ATLAS-400-00-011", "Invalid type definition {0}"),
    "MISSING_MANDATORY_ANCHOR": (400, "ATLAS-400-00-072", "Mandatory anchor attribute is missing"),
    "GLOSSARY_QUALIFIED_NAME_CANT_BE_DERIVED": (
        400,
        "ATLAS-400-00-079",
        "Attributes qualifiedName and name are missing. Failed to derive a unique name for Glossary",
    ),
    "GLOSSARY_TERM_QUALIFIED_NAME_CANT_BE_DERIVED": (
        400,
        "ATLAS-400-00-07A",
        "Attributes qualifiedName, name & glossary name are missing. Failed to derive a unique name for "
        "Glossary term",
    ),
    "TERM_DISSOCIATION_MISSING_RELATION_GUID": (
        400,
        "ATLAS-400-00-078",
        "Missing mandatory attribute, TermAssignment relationship guid",
    ),
    "INVALID_TERM_DISSOCIATION": (
        400,
        "ATLAS-400-00-080",
        "Given relationshipGuid({0}) is invalid for term (guid={1}) and entity(guid={2})",
    ),
    "INVALID_DISPLAY_NAME": (
        400,
        "ATLAS-400-00-083",
        "name cannot contain following special chars ('@', '.')",
    ),
    "TERM_HAS_ENTITY_ASSOCIATION": (
        400,
        "ATLAS-400-00-086",
        "Term (guid={0}) can't be deleted as it has been assigned to {1} entities.",
    ),
    "INVALID_TERM_RELATION_TO_SELF": (
        400,
        "ATLAS-400-00-07E",
        "Invalid Term relationship: Term can't have a relationship with self",
    ),
    "TYPE_NAME_NOT_FOUND": (404, "ATLAS-404-00-001", "Given typename {0} was invalid"),
    "TYPE_GUID_NOT_FOUND": (404, "ATLAS-404-00-002", "Given type guid {0} was invalid"),
    "INSTANCE_GUID_NOT_FOUND": (404, "ATLAS-404-00-005", "Given instance guid {0} is invalid/not found"),
    "INSTANCE_CRUD_INVALID_PARAMS": (
        404,
        "ATLAS-404-00-007",
        "Invalid instance creation/updation parameters passed : {0}",
    ),
    "CLASSIFICATION_NOT_FOUND": (404, "ATLAS-404-00-008", "Given classification {0} was invalid"),
    "INSTANCE_BY_UNIQUE_ATTRIBUTE_NOT_FOUND": (
        404,
        "ATLAS-404-00-009",
        "Instance {0} with unique attribute {1} does not exist",
    ),
    "REFERENCED_ENTITY_NOT_FOUND": (404, "ATLAS-404-00-00A", "Referenced entity {0} is not found"),
    "RELATIONSHIP_GUID_NOT_FOUND": (
        404,
        "ATLAS-404-00-00C",
        "Given relationship guid {0} is invalid/not found",
    ),
    "RELATIONSHIP_CRUD_INVALID_PARAMS": (
        404,
        "ATLAS-404-00-00D",
        "Invalid relationship creation/updation parameters passed : {0}",
    ),
    "TYPE_ALREADY_EXISTS": (409, "ATLAS-409-00-001", "Given type {0} already exists"),
    "TYPE_HAS_REFERENCES": (409, "ATLAS-409-00-002", "Given type {0} has references"),
    "RELATIONSHIP_ALREADY_EXISTS": (
        409,
        "ATLAS-409-00-004",
        "relationship {0} already exists between entities {1} and {2}",
    ),
    "GLOSSARY_ALREADY_EXISTS": (409, "ATLAS-409-00-007", "Glossary with qualifiedName {0} already exists"),
    "GLOSSARY_TERM_ALREADY_EXISTS": (
        409,
        "ATLAS-409-00-009",
        "Glossary term with qualifiedName {0} already exists",
    ),
    "INTERNAL_ERROR": (500, "ATLAS-500-00-001", "Internal server error {0}"),
    "SERVICE_UNAVAILABLE": (503, "ATLAS-503-00-001", "Metadata service is not available: {0}"),
}


def atlas(name: str, *args: object) -> AtlasError:
    """Build the Atlas error ``name`` (an AtlasErrorCode enum name) with its message arguments."""
    status, code, template = _CODES[name]
    message = template
    for index, arg in enumerate(args):
        message = message.replace("{" + str(index) + "}", str(arg))
    return AtlasError(status, code, message)


def term_hierarchy_missing() -> AtlasError:
    """Purview's refusal of a ``parentTerm`` without ``includeTermHierarchy=true``."""
    return AtlasError(
        400,
        "TermHierarchyQueryParameterMissing",
        "The parameter includeTermHierarchy must be true to create or update a term with a parent term.",
    )
