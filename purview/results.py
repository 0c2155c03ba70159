"""Inputs and results of gateway calls: plain, frozen pydantic models (``model_dump(mode="json")`` crosses
durable boundaries)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from purview.errors import PurviewError

__all__ = [
    "DeleteResult",
    "FieldDiff",
    "ItemPlan",
    "ItemResult",
    "ItemStatus",
    "Origin",
    "PriorState",
    "failure",
]

ItemStatus = Literal["created", "updated", "unchanged", "skipped", "failed"]
Origin = Literal["created", "adopted", "skipped"]
"""How an asset came to be in Purview: created by the sync, adopted (it was there before), or skipped."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PriorState(_Frozen):
    """What the sync state knows of one object before this upsert (from ``sync_state.begin``).

    ``assigned_terms``/``assigned_classifications`` are assignment keys (``name`` or ``name@column``; terms by
    Purview guid) that the sync itself added earlier: only these are ever removed.

    >>> PriorState(guid="3f2a...", assigned_classifications=["PII", "PII@email"]).assigned_terms
    ()
    """

    guid: str | None = None
    assigned_terms: tuple[str, ...] = ()
    assigned_classifications: tuple[str, ...] = ()
    assigned_attributes: tuple[str, ...] = ()
    origin: Origin | None = None

    @classmethod
    def after(cls, result: ItemResult, before: PriorState | None = None) -> PriorState:
        """The prior state for the next upsert, given this upsert's result (a failure keeps ``before``)."""
        before = before or cls()
        if result.status == "failed":
            return before
        return cls(
            origin=result.origin or before.origin,
            guid=result.guid or before.guid,
            assigned_terms=before.assigned_terms if result.assigned_terms is None else result.assigned_terms,
            assigned_classifications=(
                before.assigned_classifications
                if result.assigned_classifications is None
                else result.assigned_classifications
            ),
            assigned_attributes=(
                before.assigned_attributes
                if result.assigned_attributes is None
                else result.assigned_attributes
            ),
        )


class FieldDiff(_Frozen):
    """One field that differs between what Purview holds and what the sync would write.

    ``path`` names the field: ``attributes.description``, ``columns[email].attributes.data_type``,
    ``relationshipAttributes.inputs``, ``terms``, ``classifications@email``, ``collection``...
    """

    path: str
    before: JsonValue = None
    after: JsonValue = None


class ItemResult(_Frozen):
    """The outcome for one pivot item (``model_dump(mode="json")`` for durable boundaries).

    >>> ItemResult(sync_key="shop|asset|t1", status="unchanged", guid="g").status
    'unchanged'

    ``assigned_*`` are the assignment keys the sync owns after this call (store them in the sync state);
    ``None`` on failure (keep the previous ones).
    """

    sync_key: str
    status: ItemStatus
    guid: str | None = None
    qualified_name: str | None = None
    reason: str | None = None
    error_code: str | None = None
    assigned_terms: tuple[str, ...] | None = None
    assigned_classifications: tuple[str, ...] | None = None
    assigned_attributes: tuple[str, ...] | None = Field(
        default=None,
        description="On an adopted asset: the custom attributes (custom:KEY) and relationship references "
        "(rel:NAME:TYPE|QUALIFIED_NAME) the sync added, so letting it go removes exactly those.",
    )
    changes: int = Field(default=0, description="Purview writes made for this item (entities, assignments).")
    origin: Origin | None = Field(default=None, description="Set when this write decided it (the first one).")


class ItemPlan(_Frozen):
    """Dry-run answer for one item: what an upsert would do, with field-level diffs."""

    sync_key: str
    action: Literal["create", "update", "unchanged", "skip", "fail"]
    guid: str | None = None
    qualified_name: str | None = None
    diffs: tuple[FieldDiff, ...] = ()
    reason: str | None = None


class DeleteResult(_Frozen):
    """Outcome of deleting one guid; a guid Purview does not know counts as ``deleted``."""

    guid: str
    status: Literal["deleted", "failed"]
    reason: str | None = None


def failure(sync_key: str, error: Exception, **extra: Any) -> ItemResult:
    """A failed ItemResult carrying the error's message and Atlas error code."""
    code = error.error_code if isinstance(error, PurviewError) else None
    return ItemResult(sync_key=sync_key, status="failed", reason=str(error), error_code=code, **extra)
