"""Typedef bootstrap: the project's own types and the classification defs, created or updated idempotently.

Custom types exist for assets with no fitting built-in type: ``federation_dataset`` (a generic dataset whose
``columns`` are ``federation_column`` entities, so Purview's schema tab shows them) and ``federation_process``
(a generic process: inputs/outputs and ``columnMapping`` come from ``Process``, so lineage renders). A def is
created when missing, updated only when a field the gateway manages differs, and otherwise left alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from pivot import PivotClassificationItem
from purview.client import PurviewHttp
from purview.errors import ConflictError, NotFoundError, PurviewError
from purview.results import FieldDiff

__all__ = [
    "GENERIC_COLUMN",
    "GENERIC_DATASET",
    "GENERIC_PROCESS",
    "GENERIC_RELATIONSHIP",
    "TypedefOutcome",
    "classification_def",
    "defs_differ",
    "ensure_typedefs",
    "project_typedefs",
    "read_typedef",
    "typedef_diffs",
]

logger = logging.getLogger(__name__)

GENERIC_DATASET: Final = "federation_dataset"
GENERIC_COLUMN: Final = "federation_column"
GENERIC_PROCESS: Final = "federation_process"
GENERIC_RELATIONSHIP: Final = "federation_dataset_columns"
_SERVICE: Final = "Federated catalogs"
_CATEGORY_KEYS: Final = {
    "ENTITY": "entityDefs",
    "RELATIONSHIP": "relationshipDefs",
    "CLASSIFICATION": "classificationDefs",
}


def _attribute(name: str, *, optional: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "typeName": "string",
        "isOptional": optional,
        "cardinality": "SINGLE",
        "valuesMinCount": 0 if optional else 1,
        "valuesMaxCount": 1,
        "isUnique": False,
        "isIndexable": False,
    }


def project_typedefs() -> list[dict[str, Any]]:
    """The project's custom entity and relationship defs (category set on each)."""
    dataset = {
        "category": "ENTITY",
        "name": GENERIC_DATASET,
        "description": "A dataset from a federated catalog with no fitting built-in Purview type.",
        "superTypes": ["DataSet"],
        "serviceType": _SERVICE,
        "typeVersion": "1.0",
        "options": {"schemaElementsAttribute": "columns"},
        "attributeDefs": [_attribute("platform")],
    }
    column = {
        "category": "ENTITY",
        "name": GENERIC_COLUMN,
        "description": "A column of a federation_dataset.",
        "superTypes": ["DataSet"],
        "serviceType": _SERVICE,
        "typeVersion": "1.0",
        "attributeDefs": [_attribute("data_type")],
    }
    process = {
        "category": "ENTITY",
        "name": GENERIC_PROCESS,
        "description": "A process (job, model, query) from a federated catalog; lineage between datasets.",
        "superTypes": ["Process"],
        "serviceType": _SERVICE,
        "typeVersion": "1.0",
        "attributeDefs": [_attribute("platform")],
    }
    relationship = {
        "category": "RELATIONSHIP",
        "name": GENERIC_RELATIONSHIP,
        "description": "A federation_dataset owns its columns.",
        "typeVersion": "1.0",
        "relationshipCategory": "COMPOSITION",
        "propagateTags": "NONE",
        "serviceType": _SERVICE,
        "endDef1": {
            "type": GENERIC_DATASET,
            "name": "columns",
            "isContainer": True,
            "cardinality": "SET",
            "isLegacyAttribute": False,
        },
        "endDef2": {
            "type": GENERIC_COLUMN,
            "name": "dataset",
            "isContainer": False,
            "cardinality": "SINGLE",
            "isLegacyAttribute": False,
        },
        "attributeDefs": [],
    }
    return [dataset, column, process, relationship]


def classification_def(item: PivotClassificationItem) -> dict[str, Any]:
    """The classificationDef of a pivot classification item (``classification_name`` is the type name)."""
    return {
        "category": "CLASSIFICATION",
        "name": item.classification_name,
        "description": item.description or item.name,
        "typeVersion": "1.0",
        "superTypes": [],
        "entityTypes": sorted(set(item.applies_to)),
        "attributeDefs": [],
    }


def _managed_view(d: dict[str, Any]) -> dict[str, Any]:
    """The fields of a def the gateway manages, normalised for comparison (Purview adds many others)."""
    view: dict[str, Any] = {
        "description": d.get("description") or "",
        "superTypes": sorted(d.get("superTypes") or []),
        "attributes": sorted(
            (a.get("name"), a.get("typeName"), bool(a.get("isOptional", True)))
            for a in d.get("attributeDefs") or []
        ),
    }
    if d.get("category") == "CLASSIFICATION":
        view["entityTypes"] = sorted(d.get("entityTypes") or [])
    if d.get("category") == "ENTITY":
        view["options"] = {
            k: v for k, v in (d.get("options") or {}).items() if k == "schemaElementsAttribute"
        }
    if d.get("category") == "RELATIONSHIP":
        view["relationshipCategory"] = d.get("relationshipCategory")
        view["ends"] = [
            tuple((d.get(end) or {}).get(k) for k in ("type", "name", "cardinality", "isContainer"))
            for end in ("endDef1", "endDef2")
        ]
    return view


def defs_differ(wanted: dict[str, Any], current: dict[str, Any]) -> bool:
    """True when a field the gateway manages differs between the wanted and the current def.

    An attribute Purview (or a person) added to the current def does not count: updates only ever add.
    """
    want, have = _managed_view(wanted), _managed_view(current)
    have_attrs = set(have.pop("attributes"))
    missing_attrs = set(want.pop("attributes")) - have_attrs
    return bool(missing_attrs) or want != have


def _merged_for_update(wanted: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """An update body: the wanted def plus attributes only the current def has (never drop attributes)."""
    names = {a["name"] for a in wanted.get("attributeDefs") or []}
    extra = [a for a in current.get("attributeDefs") or [] if a.get("name") not in names]
    merged = {**wanted, "attributeDefs": [*(wanted.get("attributeDefs") or []), *extra]}
    for key in ("guid", "typeVersion", "version"):
        if key in current:
            merged[key] = current[key]
    return merged


@dataclass
class TypedefOutcome:
    """What ``ensure_typedefs`` did, per def name: created, updated, unchanged or failed (reason)."""

    status: dict[str, str] = field(default_factory=dict)
    errors: dict[str, PurviewError] = field(default_factory=dict)


def typedef_diffs(wanted: dict[str, Any], current: dict[str, Any] | None) -> list[FieldDiff]:
    """Field-level differences of the managed fields (``[]`` when the def is as wanted)."""
    if current is None:
        return [FieldDiff(path=wanted["category"].lower(), before=None, after="create")]
    if not defs_differ(wanted, current):
        return []
    want, have = _managed_view(wanted), _managed_view(current)
    return [
        FieldDiff(path=key, before=_jsonable(have.get(key)), after=_jsonable(want[key]))
        for key in sorted(want)
        if want[key] != have.get(key) and not (key == "attributes" and set(want[key]) <= set(have[key]))
    ]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=list))


def read_typedef(http: PurviewHttp, category: str, name: str) -> dict[str, Any] | None:
    """A def by category and name (None when Purview does not have it)."""
    return _get_def(http, category, name)


def _get_def(http: PurviewHttp, category: str, name: str) -> dict[str, Any] | None:
    try:
        result = http.atlas("GET", f"/types/{category.lower()}def/name/{name}", operation="typedef.get")
    except NotFoundError:
        return None
    return result if isinstance(result, dict) else None


def _write(http: PurviewHttp, method: str, defs: Sequence[dict[str, Any]]) -> None:
    body: dict[str, list[dict[str, Any]]] = {}
    for d in defs:
        body.setdefault(_CATEGORY_KEYS[d["category"]], []).append(d)
    http.atlas(method, "/types/typedefs", json_body=body, operation=f"typedefs.{method.lower()}")


def ensure_typedefs(http: PurviewHttp, wanted: Iterable[dict[str, Any]]) -> TypedefOutcome:
    """Create missing defs and update differing ones (entity defs before relationship defs)."""
    outcome = TypedefOutcome()
    creates: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for d in wanted:
        try:
            current = _get_def(http, d["category"], d["name"])
        except PurviewError as exc:
            outcome.status[d["name"]], outcome.errors[d["name"]] = "failed", exc
            continue
        if current is None:
            creates.append(d)
        elif defs_differ(d, current):
            updates.append(_merged_for_update(d, current))
        else:
            outcome.status[d["name"]] = "unchanged"
    for method, defs, label in (("POST", creates, "created"), ("PUT", updates, "updated")):
        if not defs:
            continue
        try:
            _write(http, method, defs)
            outcome.status.update(dict.fromkeys((d["name"] for d in defs), label))
        except ConflictError:
            # Created concurrently (or a retried POST whose first answer was lost): re-check one by one.
            for d in defs:
                single = ensure_typedefs(http, [d])
                outcome.status.update(single.status)
                outcome.errors.update(single.errors)
        except PurviewError as exc:
            if len(defs) == 1:
                outcome.status[defs[0]["name"]], outcome.errors[defs[0]["name"]] = "failed", exc
                continue
            logger.warning("typedef %s of %d defs failed (%s); retrying one by one", method, len(defs), exc)
            for d in defs:
                try:
                    _write(http, method, [d])
                    outcome.status[d["name"]] = label
                except PurviewError as single_exc:
                    outcome.status[d["name"]], outcome.errors[d["name"]] = "failed", single_exc
    return outcome
