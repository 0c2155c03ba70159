"""Typed contracts of every orchestrator and activity input and output.

Only these cross a durable boundary: a caller builds one and sends ``to_json()``; the callee validates what it
receives with ``Model.model_validate(...)``, so a misspelt key or a wrong type fails at the boundary, naming
the field, instead of deep inside a run. Models are frozen; staged payloads travel as refs (claim check).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from config.catalogs import DeletionPolicy
from connectors.base import ReportCounts
from sync.summary import Tally

__all__ = [
    "BatchRequest",
    "BatchResult",
    "CatalogPoliciesRequest",
    "CatalogPolicy",
    "ChunkKey",
    "ChunkKeysRequest",
    "ChunkRef",
    "ChunkRequest",
    "ChunkResult",
    "CleanupLoop",
    "CleanupRequest",
    "Contract",
    "DecodeRequest",
    "DecodedEvents",
    "DeleteStaleRequest",
    "DeleteStaleResult",
    "FindStaleRequest",
    "Identity",
    "Imported",
    "IngestRequest",
    "ItemDecision",
    "ItemResult",
    "ManifestRequest",
    "ManifestWritten",
    "MarkerHold",
    "MarkerRequest",
    "MarkerResult",
    "MergeIndexRequest",
    "Mode",
    "PageRequest",
    "PageResult",
    "PlanRequest",
    "PruneRequest",
    "RetireRequest",
    "RetireResult",
    "RunScope",
    "SegmentRequest",
    "SegmentResult",
    "StagedPage",
    "StagingCleaned",
    "StagingCleanup",
    "StaleReport",
    "SyncOptions",
    "SyncRequest",
    "WaveChunks",
    "WavePlan",
]

Mode = Literal["normal", "verify", "full"]


class Contract(BaseModel):
    """A value that crosses a durable boundary: frozen, strict about its keys, plain JSON on the wire."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --- a run and its options -------------------------------------------------------------------------------


class SyncOptions(Contract):
    """The numbers orchestrators need, read from settings by the starter (orchestrators never read them)."""

    chunk_size: int = Field(ge=1, le=1000)
    batch_items: int = Field(ge=1)
    lease_seconds: int = Field(gt=0)
    busy_retries: int = Field(ge=0)
    busy_delay_seconds: int = Field(ge=1)


class SyncRequest(Contract):
    """Input of ``sync_catalog``: one pull sync (or plan) of one catalog."""

    catalog: str
    dry_run: bool = False
    accept_shrink: bool = False
    force_deletes: bool = False
    mode: Mode = "normal"
    deletion: DeletionPolicy = Field(default_factory=DeletionPolicy)
    options: SyncOptions


class RunScope(Contract):
    """What every step of one run (a pull sync or a push batch) shares."""

    catalog: str
    run_id: str
    dry_run: bool = False
    mode: Mode = "normal"
    force_deletes: bool = False
    options: SyncOptions


class IngestRequest(Contract):
    """Input of ``ingest_events``: one pushed batch, its event bodies staged as they came by the trigger."""

    catalog: str
    run_id: str
    ref: str
    options: SyncOptions
    force_deletes: bool = False


class DecodeRequest(Contract):
    """Input of ``decode_events``: the staged event bodies of one pushed batch."""

    catalog: str
    run_id: str
    ref: str
    batch: str


class DecodedEvents(Contract):
    """Output of ``decode_events``: the staged records; an undecodable event fails alone (counted)."""

    ref: str
    records: int
    errors: list[str] = Field(default_factory=list)
    error_count: int = 0


# --- extract and transform -------------------------------------------------------------------------------


class SegmentRequest(Contract):
    """Input of ``extract_segment``: pages from ``cursor`` on, numbered from ``first_page``."""

    catalog: str
    run_id: str
    cursor: str | None = None
    first_page: int = Field(ge=0)
    manifest_ref: str | None = None
    journal_refs: list[str] = Field(default_factory=list)


class PageRequest(Contract):
    """Input of ``extract_page`` (``cursor``/``page``) and ``transform_page`` (``ref``/``page``)."""

    catalog: str
    run_id: str
    page: int = Field(ge=0)
    cursor: str | None = None
    ref: str | None = None
    manifest_ref: str | None = None
    journal_refs: list[str] = Field(default_factory=list)


class StagedPage(Contract):
    """Output of ``extract_page``: the staged raw records, or why the source cannot be read whole."""

    ref: str | None = None
    count: int = 0
    next_cursor: str | None = None
    source_error: str | None = None


class PageResult(Contract):
    """Output of ``transform_page``: refs of the staged items, rejects and delete markers, with counts."""

    items_ref: str
    rejected_ref: str | None = None
    deletions_ref: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    rejected: int = 0
    deletions: int = 0
    duplicates: int = 0
    errors: list[str] = Field(default_factory=list)
    report: ReportCounts = Field(default_factory=ReportCounts)
    unchanged: int = 0


class SegmentResult(Contract):
    """Output of ``extract_segment``: what its pages staged, and the cursor to go on from (None: the end)."""

    pages: int
    next_cursor: str | None = None
    items_refs: list[str] = Field(default_factory=list)
    rejected_refs: list[str] = Field(default_factory=list)
    deletions_refs: list[str] = Field(default_factory=list)
    tally: Tally = Field(default_factory=Tally)


# --- planning and import ---------------------------------------------------------------------------------


class PlanRequest(Contract):
    """Input of ``plan_waves``."""

    catalog: str
    run_id: str
    chunk_size: int = Field(ge=1, le=1000)
    items_refs: list[str]
    rejected_refs: list[str] = Field(default_factory=list)
    deletions_refs: list[str] = Field(default_factory=list)
    manifest_ref: str | None = None
    journal_refs: list[str] = Field(default_factory=list)
    journal: bool = False


class ChunkRef(Contract):
    """One staged chunk of a wave (``keys_ref``: its items' keys and fingerprints)."""

    ref: str
    id: str
    count: int
    keys_ref: str | None = None


class WaveChunks(Contract):
    """One wave of the plan: its phase (``invalid``: records whose sync state records a failure)."""

    phase: str
    level: int = 0
    chunks: list[ChunkRef]


class WavePlan(Contract):
    """Output of ``plan_waves``: the waves in import order and what could not be ordered."""

    waves: list[WaveChunks] = Field(default_factory=list)
    asset_index_ref: str | None = None
    order_failures: list[str] = Field(default_factory=list)
    order_failure_count: int = 0
    unattributed: int = 0
    index_ref: str | None = None
    unchanged: dict[str, int] = Field(default_factory=dict)
    journal_ref: str | None = None
    free_ref: str | None = None


class ChunkRequest(Contract):
    """Input of ``upsert_chunk``: one staged chunk of one wave."""

    catalog: str
    run_id: str
    phase: str
    ref: str
    chunk_id: str
    keys_ref: str | None = None
    index_ref: str | None = None
    asset_index_ref: str | None = None
    dry_run: bool = False
    mode: Mode = "normal"
    options: SyncOptions


class ChunkKeysRequest(Contract):
    """Input of ``chunk_keys``."""

    catalog: str
    ref: str
    phase: str
    keys_ref: str | None = None


class Identity(Contract):
    """An asset's Purview identity (type and qualifiedName) and the catalogs it may be adopted from."""

    type_name: str
    qualified_name: str
    adopt_from: list[str] = Field(default_factory=list)


class ChunkKey(Contract):
    """What ``begin`` needs of one chunk item (``reason``: why an invalid record fails)."""

    entity_key: str
    sync_key: str
    kind: str
    external_id: str
    fingerprint: str
    reason: str | None = None
    identity: Identity | None = None
    raw: str | None = None


class ItemDecision(Contract):
    """What a batch needs of an item's ``begin`` answer (or of its sync state, in a dry run)."""

    decision: str
    purview_guid: str | None = None
    assigned_terms: list[str] = Field(default_factory=list)
    assigned_classifications: list[str] = Field(default_factory=list)
    assigned_attributes: list[str] = Field(default_factory=list)
    origin: str | None = None


class BatchRequest(Contract):
    """Input of ``upsert_batch``: one Purview-sized batch of a chunk."""

    catalog: str
    run_id: str
    phase: str
    ref: str
    batch_id: str
    keys_ref: str | None = None
    index_ref: str | None = None
    asset_index_ref: str | None = None
    dry_run: bool = False
    mode: Mode = "normal"
    lease_expires: str | None = None
    decisions: dict[str, ItemDecision]


class ItemResult(Contract):
    """One item's outcome in Purview; a dry run's plan has an ``action`` and ``diff_count`` instead."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sync_key: str
    status: str | None = None
    guid: str | None = None
    qualified_name: str | None = None
    reason: str | None = None
    assigned_terms: list[str] | None = None
    assigned_classifications: list[str] | None = None
    assigned_attributes: list[str] | None = None
    action: str | None = None
    origin: str | None = None
    diff_count: int | None = None


class BatchResult(Contract):
    """Output of ``upsert_batch``: per-item results, the staged guid index part, Purview calls made."""

    results: list[ItemResult] = Field(default_factory=list)
    index_ref: str | None = None
    plan_ref: str | None = None
    manifest_ref: str | None = None
    calls: dict[str, int] = Field(default_factory=dict)


class ChunkResult(Contract):
    """Output of ``upsert_chunk``: its tally, the guid index parts for later waves, a dry run's plan refs."""

    tally: Tally
    index_refs: list[str] = Field(default_factory=list)
    plan_refs: list[str] = Field(default_factory=list)
    manifest_refs: list[str] = Field(default_factory=list)


class Imported(Contract):
    """What importing a run's waves leaves for its manifest (see :mod:`sync.manifest`)."""

    plan_refs: list[str] = Field(default_factory=list)
    manifest_refs: list[str] = Field(default_factory=list)
    free_ref: str | None = None
    journal_ref: str | None = None
    journal_seq: int | None = None
    base_ref: str | None = None
    read_upto: int = 0
    touched_refs: list[str] = Field(default_factory=list)
    base_trusted: bool = True
    generation: int = 0


class ManifestRequest(Contract):
    """Input of ``write_manifest``: what a run knows, merged into the catalog's next manifest."""

    catalog: str
    run_id: str
    started: str
    imported: Imported
    inventory: bool = False


class ManifestWritten(Contract):
    """Output of ``write_manifest``."""

    ref: str
    entries: int
    suspect: int


class PruneRequest(Contract):
    """Input of ``prune_state``: staged manifests and journal pieces nobody needs any more."""

    refs: list[str]


# --- deletion --------------------------------------------------------------------------------------------


class MarkerRequest(Contract):
    """Input of ``delete_objects``: staged delete markers of a run or push batch."""

    catalog: str
    refs: list[str]
    force: bool = False


class MarkerHold(Contract):
    """Delete markers held by the guard: nothing was deleted."""

    count: int
    message: str
    fraction: float
    sample: list[str] = Field(default_factory=list)


class MarkerResult(Contract):
    """Output of ``delete_objects`` (``named``: markers naming a synced object)."""

    deleted: dict[str, int] = Field(default_factory=dict)
    unknown: int = 0
    failed: int = 0
    errors: list[str] = Field(default_factory=list)
    held: MarkerHold | None = None
    named: int = 0


class RetireRequest(Contract):
    """Input of ``retire_assets``: old entities of items that moved (shaped like sync states)."""

    catalog: str
    states: list[dict[str, Any]]


class RetireResult(Contract):
    retired: int = 0
    failed: int = 0
    errors: list[str] = Field(default_factory=list)


class FindStaleRequest(Contract):
    """Input of ``find_stale``."""

    catalog: str
    run_id: str
    now: str
    complete_runs: list[str] = Field(default_factory=list)
    force: bool = False
    manifest_ref: str | None = None
    journal_refs: list[str] = Field(default_factory=list)
    plan_only: bool = False


class StaleReport(Contract):
    """Output of ``find_stale``: the decision, with the stale list staged under ``ref``."""

    stale_count: int
    blocked: bool
    reason: str
    message: str
    fraction: float
    total: int
    cutoff: str | None = None
    ref: str | None = None
    journal_ref: str | None = None
    sample: list[str] = Field(default_factory=list)


class DeleteStaleRequest(Contract):
    ref: str
    cutoff: str | None = None


class DeleteStaleResult(Contract):
    deleted: int = 0
    failed: int = 0
    errors: list[str] = Field(default_factory=list)


class CleanupRequest(Contract):
    """Input of ``cleanup_pass``: one catalog or all, forced or not, a plan or for real."""

    catalog: str | None = None
    force: bool = False
    dry_run: bool = False


class CleanupLoop(Contract):
    """Input of the eternal ``cleanup``: minutes between passes."""

    interval_minutes: int = Field(default=60, ge=1)


class CatalogPoliciesRequest(Contract):
    """Input of ``catalog_policies``: one catalog, or every enabled one."""

    catalog: str | None = None


class CatalogPolicy(Contract):
    """One enabled catalog and its deletion policy."""

    name: str
    deletion: DeletionPolicy


class StagingCleanup(Contract):
    """Input of ``cleanup_staging``: drop a run's staged data, and every run's older than the retention."""

    run_id: str | None = None
    retention_hours: float = Field(default=72, gt=0)


class StagingCleaned(Contract):
    deleted: int = 0
    expired_runs: int = 0


class MergeIndexRequest(Contract):
    """Input of ``merge_index``: guid index parts (``None``: none yet) merged for the next wave."""

    run_id: str
    refs: list[str | None]
    name: str
