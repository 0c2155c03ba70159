"""``PurviewGateway``: the facade activities call. Pivot items in, per-item JSON-able results out.

Order of use in a sync: ``ensure_classifications`` →
``upsert_terms`` (parents before children) → ``upsert_assets`` (datasets, then processes/lineage) →
``delete`` for objects that vanished. ``plan_terms``/``plan_assets`` answer the dry run without writing.
Every writing phase first ensures the project's custom types (once per worker process, ``TypeBootstrap``),
whatever the run contains.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Concatenate, Final, Literal, ParamSpec, TypeVar

from pivot import PivotAssetItem, PivotClassificationItem, PivotGlossaryItem, QualifiedNameRef
from purview.assets import AssetContext, AssetWork, prepare_assets
from purview.batching import MAX_ENTITIES_LIMIT
from purview.bootstrap import TYPE_MISSING_CODE, TypeBootstrap
from purview.client import PurviewHttp
from purview.collections import CollectionDirectory
from purview.errors import NotFoundError, PurviewError
from purview.glossary import GlossaryIndex, TermWork, prepare_terms, write_terms
from purview.mapping import DEFAULT_COLUMN_SCHEMAS, ColumnSchema, EntityRef, map_classification
from purview.reads import GuidCache
from purview.release import release_adopted
from purview.results import DeleteResult, FieldDiff, ItemPlan, ItemResult, ItemStatus, PriorState, failure
from purview.sizing import AdaptiveCeiling, CeilingRule
from purview.typedefs import ensure_typedefs, read_typedef, typedef_diffs
from purview.writes import delete_guids, guid_chunks, write_assets

__all__ = ["DEFAULT_BATCH_BYTES", "MIN_BATCH_BYTES", "GatewayOptions", "PurviewGateway"]

logger = logging.getLogger(__name__)

ExistingAssets = Literal["adopt", "skip", "fail"]
PriorInput = Mapping[str, PriorState | Mapping[str, Any]] | None
RefInput = Mapping[str, EntityRef | QualifiedNameRef | Mapping[str, str]] | None

DEFAULT_BATCH_BYTES: Final = 4_000_000
"""Body bytes per bulk upsert by default: Purview documents no body limit, but allows 2 MB per asset and
Azure front ends commonly refuse bodies from 4 MiB; 1,000 entities of a typical table take ~0.35 MB, so the
entity count binds first and this only holds back unusually large payloads. A 413 lowers it anyway."""
MIN_BATCH_BYTES: Final = 64 * 1024
"""The smallest byte budget accepted (below it most assets would travel alone)."""


def _priors(prior: PriorInput) -> dict[str, PriorState]:
    return {
        k: v if isinstance(v, PriorState) else PriorState.model_validate(v) for k, v in (prior or {}).items()
    }


P = ParamSpec("P")
R = TypeVar("R")


def _one_budget(
    method: Callable[Concatenate[PurviewGateway, P], R],
) -> Callable[Concatenate[PurviewGateway, P], R]:
    """Every Purview request of one gateway call (one batch) shares one retry budget."""

    @functools.wraps(method)
    def wrapper(gateway: PurviewGateway, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with gateway.http.shared_budget():
            return method(gateway, *args, **kwargs)

    return wrapper


def _entity_ref(value: EntityRef | QualifiedNameRef | Mapping[str, str]) -> EntityRef:
    if isinstance(value, EntityRef):
        return value
    if isinstance(value, QualifiedNameRef):
        return EntityRef(value.type_name, value.qualified_name)
    return EntityRef(value["type_name"], value["qualified_name"])


class _LazyRefs(Mapping[str, EntityRef]):
    """The caller's asset refs, converted on lookup: a batch resolves only the refs its items use. Converting
    the run's whole index for every batch cost 20 ms per batch at 10k assets and 113 ms at 50k (quadratic)."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[str, EntityRef | QualifiedNameRef | Mapping[str, str]]) -> None:
        self._raw = raw

    def __getitem__(self, key: str) -> EntityRef:
        value = self._raw[key]
        try:
            return _entity_ref(value)
        except KeyError as exc:  # a malformed entry is an error, not an unknown asset
            raise ValueError(f"asset ref '{key}' lacks {exc}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def _context(  # noqa: PLR0917 - the keyword arguments of upsert_assets/plan_assets, in their order
    asset_refs: RefInput,
    term_guids: Mapping[str, str] | None,
    default_collection: str | None,
    existing_assets: ExistingAssets,
    adopt_from: Sequence[str],
    rewrite: bool = False,
) -> AssetContext:
    return AssetContext(
        asset_refs=_LazyRefs(asset_refs or {}),
        term_guids=term_guids if term_guids is not None else {},
        default_collection=default_collection,
        existing_assets=existing_assets,
        adopt_from=frozenset(adopt_from),
        rewrite=rewrite,
    )


def _asset_status(work: AssetWork) -> ItemStatus:
    if work.origin == "skipped":
        return "skipped"
    return "created" if work.created else "updated" if work.changes else "unchanged"


@dataclass(frozen=True, slots=True)
class GatewayOptions:
    """What a gateway does beyond HTTP: request sizes and where missing collections go.

    >>> GatewayOptions(batch_size=500).batch_bytes
    4000000
    """

    batch_size: int = MAX_ENTITIES_LIMIT
    """Entities per bulk upsert at most (1..1000): an asset and its columns travel together."""
    batch_bytes: int = DEFAULT_BATCH_BYTES
    """Estimated body bytes per bulk upsert at most (a lone entity above it still travels, alone)."""
    fast_seconds: float = 10.0
    """A bulk upsert answered within this may raise the size ceiling a step after it was lowered."""
    read_chunk: int = 50
    """qualifiedNames per bulk read."""
    parent_collection: str | None = None
    """Where missing collections are created (default: the root)."""
    create_collections: bool = False
    """Create missing target collections, or fail those items."""
    column_schemas: Mapping[str, ColumnSchema] = field(default_factory=lambda: MappingProxyType({}))
    """Column types of more asset types, added to ``DEFAULT_COLUMN_SCHEMAS`` (see ``purview.mapping``)."""

    def __post_init__(self) -> None:
        if not 1 <= self.batch_size <= MAX_ENTITIES_LIMIT:
            raise ValueError(f"batch_size must be between 1 and {MAX_ENTITIES_LIMIT}")
        if self.batch_bytes < MIN_BATCH_BYTES:
            raise ValueError(f"batch_bytes must be at least {MIN_BATCH_BYTES}")
        if self.fast_seconds <= 0:
            raise ValueError("fast_seconds must be positive")


class PurviewGateway:
    """Upserts pivot items into one Purview account (or the local emulator).

    >>> gateway = PurviewGateway(PurviewHttp("http://127.0.0.1:8585"))   # emulator: no auth, no pacing
    >>> gateway.options.batch_size, gateway.ceiling.current.entities
    (1000, 1000)

    The app builds it from its settings with ``purview.factory.gateway_from_settings``. Gateways of one
    worker process share one ``AdaptivePacer`` (in their ``PurviewHttp``), so that together they keep the
    pace, and one ``types`` (a ``TypeBootstrap``), so the custom types are ensured once per process.
    """

    def __init__(
        self, http: PurviewHttp, options: GatewayOptions | None = None, *, types: TypeBootstrap | None = None
    ) -> None:
        self.http = http
        self.options = options or GatewayOptions()
        self.column_schemas = {**DEFAULT_COLUMN_SCHEMAS, **self.options.column_schemas}
        self.collections = CollectionDirectory(
            http, parent=self.options.parent_collection, create_missing=self.options.create_collections
        )
        self.cache = GuidCache()
        self.types = types or TypeBootstrap()
        self.ceiling = AdaptiveCeiling(
            CeilingRule(self.options.batch_size, self.options.batch_bytes, self.options.fast_seconds)
        )
        """The size of bulk upserts now: lowered by calls that fail for their size, raised by fast ones."""

    def stats(self) -> dict[str, Any]:
        """Purview calls (per operation), retries, throttled answers and pacing waits so far."""
        return self.http.stats.as_json()

    # region typedefs
    def bootstrap_types(self) -> dict[str, str]:
        """Check the project's custom types now (even if done before); def name → created/updated/
        unchanged/failed."""
        self.types.forget(self.http.endpoint)
        outcome = self.types.ensure(self.http)
        return outcome.status if outcome is not None else {}

    @_one_budget
    def ensure_classifications(self, items: Sequence[PivotClassificationItem]) -> list[ItemResult]:
        """Create or update the classification defs (after the custom types, once per process)."""
        self.types.ensure(self.http)
        outcome = ensure_typedefs(self.http, [map_classification(i) for i in items])
        results = []
        for item in items:
            name = item.classification_name
            status = outcome.status.get(name, "failed")
            if status == "failed":
                results.append(
                    failure(item.sync_key, outcome.errors.get(name) or PurviewError("not written"))
                )
            else:
                results.append(ItemResult(sync_key=item.sync_key, status=status, qualified_name=name))
        return results

    @_one_budget
    def plan_classifications(self, items: Sequence[PivotClassificationItem]) -> list[ItemPlan]:
        """Dry run of ``ensure_classifications``: create / update (with diffs) / unchanged; reads only."""
        plans = []
        for item in items:
            wanted = map_classification(item)
            try:
                current = read_typedef(self.http, "CLASSIFICATION", item.classification_name)
            except PurviewError as exc:
                plans.append(ItemPlan(sync_key=item.sync_key, action="fail", reason=str(exc)))
                continue
            diffs = typedef_diffs(wanted, current)
            action = "create" if current is None else "update" if diffs else "unchanged"
            plans.append(
                ItemPlan(
                    sync_key=item.sync_key,
                    action=action,
                    guid=(current or {}).get("guid"),
                    qualified_name=item.classification_name,
                    diffs=tuple(diffs),
                )
            )
        return plans

    # endregion

    # region glossary
    def _terms(
        self,
        items: Sequence[PivotGlossaryItem],
        prior: PriorInput,
        term_guids: Mapping[str, str] | None,
        default_glossary: str | None,
        dry_run: bool,
    ) -> list[TermWork]:
        index = GlossaryIndex(self.http, create_missing=not dry_run)
        works = prepare_terms(index, items, _priors(prior), default_glossary=default_glossary)
        write_terms(index, works, term_guids or {}, self.cache, dry_run=dry_run)
        return works

    @_one_budget
    def upsert_terms(
        self,
        items: Sequence[PivotGlossaryItem],
        *,
        prior: PriorInput = None,
        term_guids: Mapping[str, str] | None = None,
        default_glossary: str | None = None,
    ) -> list[ItemResult]:
        """Create or update glossary terms, parents first. ``term_guids``: external_id → guid of terms
        outside this call that items refer to (parents, synonyms, related)."""
        self.types.ensure(self.http)
        results = []
        for work in self._terms(items, prior, term_guids, default_glossary, dry_run=False):
            if work.error is not None:
                results.append(failure(work.item.sync_key, work.error))
                continue
            status = "created" if work.created else "updated" if work.written else "unchanged"
            results.append(
                ItemResult(
                    sync_key=work.item.sync_key,
                    status=status,
                    guid=work.guid,
                    qualified_name=work.qualified_name,
                    changes=int(work.written),
                )
            )
        return results

    @_one_budget
    def plan_terms(
        self,
        items: Sequence[PivotGlossaryItem],
        *,
        prior: PriorInput = None,
        term_guids: Mapping[str, str] | None = None,
        default_glossary: str | None = None,
    ) -> list[ItemPlan]:
        """Dry run of ``upsert_terms``: what would change, with field-level diffs (nothing is written: the
        terms of a missing glossary are all reported as creates)."""
        plans = []
        for work in self._terms(items, prior, term_guids, default_glossary, dry_run=True):
            if work.error is not None:
                plans.append(ItemPlan(sync_key=work.item.sync_key, action="fail", reason=str(work.error)))
                continue
            action = "create" if work.current is None else "update" if work.diffs else "unchanged"
            plans.append(
                ItemPlan(
                    sync_key=work.item.sync_key,
                    action=action,
                    guid=work.guid,
                    qualified_name=(work.current or {}).get("qualifiedName"),
                    diffs=tuple(work.diffs),
                )
            )
        return plans

    # endregion

    # region assets
    def _prepare(
        self, items: Sequence[PivotAssetItem], prior: PriorInput, context: AssetContext
    ) -> list[AssetWork]:
        return prepare_assets(
            self.http,
            items,
            _priors(prior),
            context,
            collections=self.collections,
            column_schemas=self.column_schemas,
            cache=self.cache,
            read_chunk=self.options.read_chunk,
        )

    @_one_budget
    def upsert_assets(
        self,
        items: Sequence[PivotAssetItem],
        *,
        prior: PriorInput = None,
        asset_refs: RefInput = None,
        term_guids: Mapping[str, str] | None = None,
        default_collection: str | None = None,
        existing_assets: ExistingAssets = "adopt",
        adopt_from: Sequence[str] = (),
        rewrite: bool = False,
    ) -> list[ItemResult]:
        """Create or update assets with their columns, lineage, terms and classifications.

        ``prior``: sync_key → ``PriorState`` (what the sync assigned before). ``asset_refs``: external_id →
        ``{type_name, qualified_name}`` for same-catalog assets outside the batch. ``term_guids``: term
        external_id → Purview guid. ``existing_assets``/``adopt_from``: what to do with assets already in
        Purview (see ``purview.assets``). Results list the assignment keys the sync owns now.
        """
        self.types.ensure(self.http)
        context = _context(asset_refs, term_guids, default_collection, existing_assets, adopt_from, rewrite)
        args = (prior, context)
        results = self._write_assets(items, *args)
        if any(r.error_code == TYPE_MISSING_CODE for r in results):  # types removed behind our back:
            self.types.forget(self.http.endpoint)  # ensure them again and write those items once more
            self.types.ensure(self.http)
            redo = {r.sync_key for r in results if r.error_code == TYPE_MISSING_CODE}
            if self.types.ready(self.http.endpoint):  # when the bootstrap failed again, writing is futile
                todo = [i for i in items if i.sync_key in redo]
                again = {r.sync_key: r for r in self._write_assets(todo, *args)}
                results = [again.get(r.sync_key, r) for r in results]
        if self.types.last_errors and any(r.error_code == TYPE_MISSING_CODE for r in results):
            why = "; ".join(f"{name}: {error}" for name, error in list(self.types.last_errors.items())[:3])
            note = f" (the project's custom types could not be ensured: {why})"
            results = [
                r.model_copy(update={"reason": f"{r.reason}{note}"})
                if r.error_code == TYPE_MISSING_CODE
                else r
                for r in results
            ]
        return results

    def _write_assets(
        self, items: Sequence[PivotAssetItem], prior: PriorInput, context: AssetContext
    ) -> list[ItemResult]:
        works = self._prepare(items, prior, context)
        write_assets(self.http, [w for w in works if w.ok], ceiling=self.ceiling, cache=self.cache)
        results = []
        for work in works:
            if work.error is not None:
                results.append(
                    failure(work.item.sync_key, work.error, qualified_name=work.item.qualified_name)
                )
                continue
            results.append(
                ItemResult(
                    sync_key=work.item.sync_key,
                    status=_asset_status(work),
                    guid=work.guid,
                    qualified_name=work.item.qualified_name,
                    assigned_terms=tuple(sorted(work.terms.owned)),
                    assigned_classifications=tuple(sorted(work.classifications.owned)),
                    assigned_attributes=tuple(sorted(work.owned_attributes)),
                    changes=work.changes,
                    origin=work.origin,
                )
            )
        return results

    @_one_budget
    def plan_assets(
        self,
        items: Sequence[PivotAssetItem],
        *,
        prior: PriorInput = None,
        asset_refs: RefInput = None,
        term_guids: Mapping[str, str] | None = None,
        default_collection: str | None = None,
        existing_assets: ExistingAssets = "adopt",
        adopt_from: Sequence[str] = (),
    ) -> list[ItemPlan]:
        """Dry run of ``upsert_assets``: reads only, field-level diffs per item."""
        plans = []
        context = _context(asset_refs, term_guids, default_collection, existing_assets, adopt_from)
        for work in self._prepare(items, prior, context):
            if work.error is not None:
                plans.append(ItemPlan(sync_key=work.item.sync_key, action="fail", reason=str(work.error)))
                continue
            diffs: tuple[FieldDiff, ...] = tuple(work.diffs)
            action = {"created": "create", "updated": "update", "skipped": "skip"}.get(
                _asset_status(work), "unchanged"
            )
            plans.append(
                ItemPlan(
                    sync_key=work.item.sync_key,
                    action=action,
                    guid=work.guid,
                    qualified_name=work.item.qualified_name,
                    diffs=diffs,
                )
            )
        return plans

    # endregion

    @_one_budget
    def delete_terms(self, guids: Sequence[str]) -> list[DeleteResult]:
        """Delete glossary terms one by one (Purview refuses to delete a term still assigned to entities:
        that term fails with the reason); a term Purview does not know counts as deleted."""
        return self._delete_each(guids, "/glossary/term/{}", "term.delete")

    @_one_budget
    def delete_classifications(self, names: Sequence[str]) -> list[DeleteResult]:
        """Delete classification defs by name (``DeleteResult.guid`` holds the name); Purview refuses while
        entities still carry the classification; an unknown name counts as deleted."""
        return self._delete_each(names, "/types/typedef/name/{}", "typedef.delete")

    def _delete_each(self, ids: Sequence[str], path: str, operation: str) -> list[DeleteResult]:
        results: list[DeleteResult] = []
        for one in dict.fromkeys(ids):
            try:
                self.http.atlas("DELETE", path.format(one), operation=operation)
                results.append(DeleteResult(guid=one, status="deleted"))
            except NotFoundError:
                results.append(DeleteResult(guid=one, status="deleted"))
            except PurviewError as exc:
                results.append(DeleteResult(guid=one, status="failed", reason=str(exc)))
        return results

    @_one_budget
    def release_adopted(
        self,
        guid: str,
        catalog: str,
        *,
        terms: Sequence[str] = (),
        classifications: Sequence[str] = (),
        attributes: Sequence[str] = (),
    ) -> DeleteResult:
        """Let an adopted asset go: remove the sync's terms, classifications, provenance; keep the entity."""
        try:
            release_adopted(self.http, guid, catalog, terms, classifications, attributes, cache=self.cache)
            return DeleteResult(guid=guid, status="deleted")
        except PurviewError as exc:
            return DeleteResult(guid=guid, status="failed", reason=str(exc))

    @_one_budget
    def delete(self, guids: Sequence[str]) -> list[DeleteResult]:
        """Delete assets (entities) by guid in batches whose URL fits the URL budget (~190 guids); a guid
        Purview does not know counts as deleted. Columns owned by a deleted asset go with it. Use
        ``delete_terms`` for glossary terms."""
        results: list[DeleteResult] = []
        for chunk in guid_chunks(self.http, list(dict.fromkeys(guids))):
            try:
                delete_guids(self.http, chunk)
                self.cache.forget(chunk)
                results += [DeleteResult(guid=g, status="deleted") for g in chunk]
            except NotFoundError:
                results += [DeleteResult(guid=g, status="deleted") for g in chunk]
            except PurviewError as exc:
                results += [DeleteResult(guid=g, status="failed", reason=str(exc)) for g in chunk]
        return results
