"""Term and classification assignments: what to add, what to remove, and what the sync owns afterwards.

The rule: the sync removes only what it added earlier (the sync state lists it); an assignment made by hand in
Purview is never removed, and is not claimed by the sync even when the source wants it too. The pure planner
is ``plan_assignments``; the writers below use the cheapest endpoints: one call per term or classification for
many entities (``assignedEntities``, ``bulk/classification``), and per-entity deletes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from purview.client import PurviewHttp
from purview.errors import NotFoundError, ValidationError
from purview.mapping import assignment_key, split_assignment_key

__all__ = [
    "AssignmentPlan",
    "add_classifications",
    "add_terms",
    "plan_assignments",
    "remove_classification",
    "remove_terms",
]

logger = logging.getLogger(__name__)
_ALREADY_CLASSIFIED = "ATLAS-400-00-01B"
# not associated with the entity (any more), or the classification def itself is gone
_STALE_ASSIGNMENT = "ATLAS-400-00-080"  # the relationship guid no longer links term and entity
_ALREADY_GONE = frozenset({"ATLAS-400-00-06D", "ATLAS-404-00-008"})


@dataclass
class AssignmentPlan:
    """Per target (``""`` = the asset, else a column name): names to add and to remove, and owned keys."""

    add: dict[str, set[str]] = field(default_factory=dict)
    remove: dict[str, set[str]] = field(default_factory=dict)
    owned: set[str] = field(default_factory=set)

    @property
    def changes(self) -> int:
        return sum(len(v) for v in self.add.values()) + sum(len(v) for v in self.remove.values())


def plan_assignments(
    desired: Mapping[str, Iterable[str]],
    current: Mapping[str, Iterable[str] | None],
    previous_keys: Iterable[str],
) -> AssignmentPlan:
    """Plan assignments for the targets in ``current`` (a target mapped to None is new: nothing there yet).

    add = desired - current; remove = (previously added - desired) & current;
    owned = add | (desired & current & previously added).
    """
    previous: dict[str, set[str]] = {}
    for key in previous_keys:
        name, column = split_assignment_key(key)
        previous.setdefault(column, set()).add(name)
    plan = AssignmentPlan()
    for target, have_raw in current.items():
        want = set(desired.get(target, ()))
        have = set(have_raw or ())
        mine = previous.get(target, set())
        add = want - have
        remove = (mine - want) & have
        if add:
            plan.add[target] = add
        if remove:
            plan.remove[target] = remove
        plan.owned |= {assignment_key(n, target or None) for n in add | (want & have & mine)}
    return plan


def add_terms(http: PurviewHttp, term_guid: str, entity_guids: list[str], chunk: int = 100) -> None:
    """Assign one term to many entities (``POST glossary/terms/{term}/assignedEntities``)."""
    for start in range(0, len(entity_guids), chunk):
        body = [{"guid": g} for g in entity_guids[start : start + chunk]]
        http.atlas(
            "POST", f"/glossary/terms/{term_guid}/assignedEntities", json_body=body, operation="term.assign"
        )


def remove_terms(http: PurviewHttp, term_guid: str, assignments: list[tuple[str, str]]) -> None:
    """Remove one term from entities: ``assignments`` are (entity guid, relationship guid) pairs."""
    body = [{"guid": g, "relationshipGuid": r} for g, r in assignments]
    try:
        http.atlas(
            "DELETE",
            f"/glossary/terms/{term_guid}/assignedEntities",
            json_body=body,
            operation="term.unassign",
        )
    except (NotFoundError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and (len(body) > 1 or exc.error_code != _STALE_ASSIGNMENT):
            raise  # a group with one stale pair fails: the caller retries pair by pair
        logger.info("term %s or its assignments are gone already", term_guid)


def add_classifications(http: PurviewHttp, name: str, entity_guids: list[str], chunk: int = 100) -> None:
    """Classify many existing entities with one classification (falls back to one by one on conflicts)."""
    for start in range(0, len(entity_guids), chunk):
        guids = entity_guids[start : start + chunk]
        try:
            http.atlas(
                "POST",
                "/entity/bulk/classification",
                json_body={"classification": {"typeName": name}, "entityGuids": guids},
                operation="classification.add_bulk",
            )
        except ValidationError as exc:
            if len(guids) == 1 and exc.error_code == _ALREADY_CLASSIFIED:
                continue
            if len(guids) == 1:
                raise
            for guid in guids:
                _add_one(http, name, guid)


def _add_one(http: PurviewHttp, name: str, guid: str) -> None:
    try:
        http.atlas(
            "POST",
            f"/entity/guid/{guid}/classifications",
            json_body=[{"typeName": name}],
            operation="classification.add",
        )
    except ValidationError as exc:
        if exc.error_code != _ALREADY_CLASSIFIED:
            raise


def remove_classification(http: PurviewHttp, guid: str, name: str) -> None:
    """Remove a classification from an entity; already gone (or its def gone) is fine."""
    try:
        http.atlas("DELETE", f"/entity/guid/{guid}/classification/{name}", operation="classification.remove")
    except (NotFoundError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and exc.error_code not in _ALREADY_GONE:
            raise
        logger.info("classification %s is not on %s any more", name, guid)
