"""Preparing an asset upsert: resolve references, map, read what Purview holds, and decide what to write.

``prepare_assets`` is shared by the upsert and the dry run: it returns one ``AssetWork`` per item saying
which entities to write, which columns to delete, whether to move, which assignments to add or remove, and
the field-level diffs. Nothing is written here (only reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pivot import ItemRef, PivotAssetItem, QualifiedNameRef
from pivot.refs import Ref
from purview.assignments import AssignmentPlan, plan_assignments
from purview.batching import iter_refs
from purview.client import PurviewHttp
from purview.collections import CollectionDirectory
from purview.errors import ItemError, PurviewError
from purview.mapping import TERM_TYPE, ColumnSchema, EntityRef, MappedAsset, map_asset
from purview.plan import current_classifications, current_meanings, entity_diffs, related_guids, set_diff
from purview.provenance import PROVENANCE_KEYS, catalog_of
from purview.reads import CurrentEntity, GuidCache, fetch_entities, lookup_guids
from purview.results import FieldDiff, Origin, PriorState

__all__ = ["AssetContext", "AssetWork", "prepare_assets"]


@dataclass(frozen=True)
class AssetContext:
    """What the caller knows beyond the batch.

    ``asset_refs``: external_id → where the asset lives, for same-catalog references outside the batch.
    ``term_guids``: glossary term external_id → Purview term guid (``upsert_terms`` results, sync state).
    ``default_collection``: collection of items without ``target_collection`` (None: Purview's default).
    ``existing_assets``: what to do with an asset found in Purview that the sync did not create (see
    :func:`_adopt`); ``adopt_from``: catalogs whose assets this catalog takes over. ``rewrite``: write
    every object even where Purview already holds what the sync would write (a ``full`` run).
    """

    asset_refs: Mapping[str, EntityRef] = field(default_factory=dict)
    term_guids: Mapping[str, str] = field(default_factory=dict)
    default_collection: str | None = None
    existing_assets: Literal["adopt", "skip", "fail"] = "adopt"
    rewrite: bool = False
    adopt_from: frozenset[str] = frozenset()


@dataclass
class AssetWork:
    """Everything decided for one asset item."""

    item: PivotAssetItem
    prior: PriorState
    mapped: MappedAsset | None = None
    collection: str | None = None
    current: CurrentEntity | None = None
    write_owner: bool = False
    write_columns: list[int] = field(default_factory=list)
    delete_columns: dict[str, str] = field(default_factory=dict)  # column qualifiedName -> guid
    move: bool = False
    terms: AssignmentPlan = field(default_factory=AssignmentPlan)
    classifications: AssignmentPlan = field(default_factory=AssignmentPlan)
    new_targets: set[str] = field(default_factory=set)  # targets created now (assign in the payload)
    diffs: list[FieldDiff] = field(default_factory=list)
    error: Exception | None = None
    guid: str | None = None
    column_guids: dict[str, str] = field(default_factory=dict)  # column name -> guid
    relationship_guids: dict[tuple[str, str], str] = field(default_factory=dict)  # (column, term) -> rel
    changes: int = 0
    origin: Origin | None = None  # what this write found: created now, adopted now, skipped; None: as before
    owned_attributes: set[str] = field(default_factory=set)  # adopted: custom:KEY, rel:NAME:TYPE|QN it added

    @property
    def adopted(self) -> bool:
        """Purview held the asset before the sync wrote it: only the fields the sync manages are written."""
        return self.origin == "adopted" or (self.origin is None and self.prior.origin == "adopted")

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def created(self) -> bool:
        return self.current is None

    def fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error

    def target_guid(self, target: str) -> str | None:
        return self.guid if not target else self.column_guids.get(target)

    def payloads(self) -> list[dict[str, Any]]:
        """Entities to write: the owner (when needed) and the new or changed columns, with assignments for
        entities created now (classifications and ``meanings``)."""
        assert self.mapped is not None
        out: list[dict[str, Any]] = []
        chosen = [("", self.mapped.entity)] if self.write_owner else []
        chosen += [(self.item.columns[i].name, self.mapped.columns[i]) for i in self.write_columns]
        for target, payload in chosen:
            entity = {**payload, "relationshipAttributes": dict(payload.get("relationshipAttributes") or {})}
            if target in self.new_targets:
                terms = sorted(self.terms.add.get(target, ()))
                classes = sorted(self.classifications.add.get(target, ()))
                if terms:
                    entity["relationshipAttributes"]["meanings"] = [{"guid": g} for g in terms]
                if classes:
                    entity["classifications"] = [{"typeName": c} for c in classes]
            if not entity["relationshipAttributes"]:
                del entity["relationshipAttributes"]
            out.append(entity)
        return out


def _resolver(in_batch: Mapping[str, EntityRef], known: Mapping[str, EntityRef]) -> Any:
    """Same-catalog references: the batch's own items first, then the caller's ``known`` refs, looked up one
    at a time (never copied: they can hold the run's whole index)."""

    def resolve(ref: Ref) -> EntityRef:
        if isinstance(ref, QualifiedNameRef):
            return EntityRef(ref.type_name, ref.qualified_name)
        found = in_batch.get(ref.external_id)
        if found is None:
            found = known.get(ref.external_id)
        if found is None:
            raise ItemError(
                f"asset '{ref.external_id}' is unknown: it is neither in this batch nor in the known assets "
                "(sync it first, or reference it by type_name and qualified_name)"
            )
        return found

    return resolve


def _term_resolver(term_guids: Mapping[str, str], by_name: Mapping[EntityRef, str]) -> Any:
    def resolve(ref: Ref) -> str:
        if isinstance(ref, ItemRef):
            guid = term_guids.get(ref.external_id)
            if guid is None:
                raise ItemError(
                    f"glossary term '{ref.external_id}' has no Purview guid yet (sync terms first)"
                )
            return guid
        found = by_name.get(EntityRef(TERM_TYPE, ref.qualified_name))
        if found is None:
            raise ItemError(f"glossary term '{ref.qualified_name}' does not exist in Purview")
        return found

    return resolve


def _qualified_term_refs(items: Sequence[PivotAssetItem]) -> set[EntityRef]:
    refs: set[EntityRef] = set()
    for item in items:
        for ref in [*item.glossary_items, *(t for c in item.columns for t in c.glossary_items)]:
            if isinstance(ref, QualifiedNameRef):
                refs.add(EntityRef(TERM_TYPE, ref.qualified_name))
    return refs


_DEFAULT_CONTEXT = AssetContext()


def _adopt(work: AssetWork, policy: str, adopt_from: frozenset[str] = frozenset()) -> bool:
    """Decide the origin of an asset the sync writes for the first time; False: leave it alone (skip/fail).

    An asset already in Purview that carries this catalog's provenance is the sync's own (its state was lost);
    one carrying the provenance of a catalog listed in ``adopt_from`` was created by this app for the catalog
    it takes over from, so it inherits that catalog's ownership (it will delete it when the item goes); any
    other was put there by a scan, a person or another tool: adopt it, skip it, or fail the item.
    """
    current = work.current
    if current is None:
        work.origin = "created"
        return True
    if work.prior.guid == current.guid and work.prior.origin in (None, "created", "adopted"):
        return True  # the entity it wrote before: its origin is known (older states without one were created)
    # Otherwise decide afresh: a renamed item (or one whose entity was replaced) may land on someone else's
    # asset, and a skipped one must stay unwritten for as long as the policy says skip.
    if catalog_of(current.entity) == work.item.catalog or catalog_of(current.entity) in adopt_from:
        work.origin = "created"
        return True
    if policy == "skip":
        work.origin, work.guid = "skipped", current.guid
        return False
    if policy == "fail":
        work.fail(
            ItemError(
                f"{work.item.type_name} '{work.item.qualified_name}' already exists in Purview and was not "
                "created by this sync (existing_assets: fail)"
            )
        )
        return False
    work.origin = "adopted"
    return True


def _managed_only(
    wanted: dict[str, Any], current: dict[str, Any], owned: frozenset[str], guid_of: Any
) -> tuple[dict[str, Any], set[str]]:
    """The payload for an adopted entity and what of it the sync owns from now on.

    The item's non-empty attributes (not ``name``); its custom attributes only where the entity has none of
    that key or the sync wrote it before (``owned``: ``custom:KEY``), provenance always; its labels added to
    the entity's; list relationships (lineage ``inputs``/``outputs``) as the union of what others recorded and
    what the sync wants, minus what the sync added earlier and no longer wants (``rel:NAME:TYPE|QN``).
    Contacts are left as they are.
    """
    keep = {
        k: v
        for k, v in wanted["attributes"].items()
        if v not in (None, "", []) and (k != "name" or not current)
    }
    out = {**wanted, "attributes": keep}
    mine: set[str] = set()
    have_custom = dict(current.get("customAttributes") or {})
    custom = dict(have_custom)
    for key, value in (wanted.get("customAttributes") or {}).items():
        mark = f"custom:{key}"
        if key in PROVENANCE_KEYS or key not in have_custom or mark in owned:
            custom[key] = value
            mine.add(mark)
    if custom or "customAttributes" in wanted:
        out["customAttributes"] = custom
    out["labels"] = sorted({*(current.get("labels") or ()), *(wanted.get("labels") or ())})
    out.pop("contacts", None)
    have_rels = current.get("relationshipAttributes") or {}
    rels = dict(wanted.get("relationshipAttributes") or {})
    for name, value in list(rels.items()):
        if not isinstance(value, list) or not current:
            continue
        have = related_guids(have_rels.get(name))
        wanted_guids: set[str] = set()
        for ref in value:
            target = EntityRef(
                str(ref.get("typeName")), str((ref.get("uniqueAttributes") or {}).get("qualifiedName"))
            )
            guid = guid_of(target)
            mark = f"rel:{name}:{target.type_name}|{target.qualified_name}"
            if guid is None or guid not in have or mark in owned:
                mine.add(mark)
            if guid is not None:
                wanted_guids.add(guid)
        dropped = {
            guid_of(EntityRef(*mark.split(":", 2)[2].split("|", 1)))
            for mark in owned
            if mark.startswith(f"rel:{name}:")
        }
        others = sorted(have - wanted_guids - dropped)
        rels[name] = [*value, *({"guid": g} for g in others)]
    if rels:
        out["relationshipAttributes"] = rels
    return out, mine


def _decide(work: AssetWork, guid_of: Any, context: AssetContext = _DEFAULT_CONTEXT) -> None:
    """Compare the mapped asset with what Purview holds and fill in what to write."""
    mapped, current = work.mapped, work.current
    assert mapped is not None
    if not _adopt(work, context.existing_assets, context.adopt_from):
        return
    names = [c.name for c in work.item.columns]
    if work.adopted and current is not None:
        owned = frozenset(work.prior.assigned_attributes)
        mapped.entity, work.owned_attributes = _managed_only(mapped.entity, current.entity, owned, guid_of)
        mapped.columns = [
            _managed_only(
                payload,
                current.children.get(payload["attributes"]["qualifiedName"], {}),
                frozenset(),
                guid_of,
            )[0]
            for payload in mapped.columns
        ]
    if current is None:
        work.write_owner = True
        work.write_columns = list(range(len(names)))
        work.new_targets = {"", *names}
        have_terms: dict[str, Any] = dict.fromkeys(["", *names])
        have_classes: dict[str, Any] = dict.fromkeys(["", *names])
    else:
        work.guid = current.guid
        work.diffs = entity_diffs(mapped.entity, current.entity, guid_of)
        work.write_owner = bool(work.diffs) or context.rewrite
        have_terms = {"": set(current_meanings(current.entity))}
        have_classes = {"": current_classifications(current.entity)}
        for target, meanings in [("", current_meanings(current.entity))]:
            for term, rel in meanings.items():
                work.relationship_guids[(target, term)] = rel
        wanted_qns = set()
        for index, (name, payload) in enumerate(zip(names, mapped.columns, strict=True)):
            qn = payload["attributes"]["qualifiedName"]
            wanted_qns.add(qn)
            child = current.children.get(qn)
            if child is None:
                work.write_columns.append(index)
                work.new_targets.add(name)
                work.diffs.append(FieldDiff(path=f"columns[{name}]", before=None, after="create"))
                have_terms[name] = have_classes[name] = None
                continue
            work.column_guids[name] = str(child["guid"])
            column_diffs = entity_diffs(payload, child, guid_of, prefix=f"columns[{name}].")
            if column_diffs or context.rewrite:
                work.write_columns.append(index)
                work.diffs += column_diffs
            meanings = current_meanings(child)
            have_terms[name] = set(meanings)
            for term, rel in meanings.items():
                work.relationship_guids[(name, term)] = rel
            have_classes[name] = current_classifications(child)
        for qn, child in sorted(current.children.items()):
            if qn in wanted_qns:
                continue
            name = qn.removeprefix(f"{work.item.qualified_name}#")
            if not work.adopted:
                work.delete_columns[qn] = str(child["guid"])
                work.diffs.append(FieldDiff(path=f"columns[{name}]", before="exists", after=None))
                continue
            # an adopted asset keeps the column, but what the sync assigned to it is taken back
            work.column_guids[name] = str(child["guid"])
            meanings = current_meanings(child)
            have_terms[name] = set(meanings)
            for term, rel in meanings.items():
                work.relationship_guids[(name, term)] = rel
            have_classes[name] = current_classifications(child)
        have_collection = str(current.entity.get("collectionId") or "")
        if work.collection and have_collection.lower() != work.collection.lower() and not work.adopted:
            work.move = True
            work.diffs.append(FieldDiff(path="collection", before=have_collection, after=work.collection))
    work.terms = plan_assignments(mapped.terms, have_terms, work.prior.assigned_terms)
    work.classifications = plan_assignments(
        mapped.classifications, have_classes, work.prior.assigned_classifications
    )
    if current is not None:
        for label, plan, have in (
            ("terms", work.terms, have_terms),
            ("classifications", work.classifications, have_classes),
        ):
            for target in sorted(set(plan.add) | set(plan.remove)):
                before = set(have.get(target) or ())
                after = (before | plan.add.get(target, set())) - plan.remove.get(target, set())
                suffix = f"@{target}" if target else ""
                work.diffs += set_diff(f"{label}{suffix}", before, after)
    work.changes = (
        int(work.write_owner)
        + len(work.write_columns)
        + len(work.delete_columns)
        + int(work.move)
        + work.terms.changes
        + work.classifications.changes
    )


def prepare_assets(
    http: PurviewHttp,
    items: Sequence[PivotAssetItem],
    prior: Mapping[str, PriorState],
    context: AssetContext,
    *,
    collections: CollectionDirectory,
    column_schemas: Mapping[str, ColumnSchema],
    cache: GuidCache,
    read_chunk: int = 50,
) -> list[AssetWork]:
    """Map the items, read what Purview holds for them, and decide per item what to write."""
    works = [AssetWork(item, prior.get(item.sync_key, PriorState())) for item in items]
    refs: dict[str, EntityRef] = {}
    seen: dict[EntityRef, str] = {}
    for work in works:
        ref = EntityRef(work.item.type_name, work.item.qualified_name)
        if ref in seen:
            work.fail(ItemError(f"same type and qualified name as item '{seen[ref]}' in this batch"))
            continue
        seen[ref] = work.item.sync_key
        refs[work.item.external_id] = ref
    try:
        term_names = lookup_guids(http, _qualified_term_refs(items), cache, chunk=read_chunk)
    except PurviewError as exc:
        for work in works:
            work.fail(exc)
        return works
    resolve_ref = _resolver(refs, context.asset_refs)
    resolve_term = _term_resolver(context.term_guids, term_names)
    for work in works:
        if not work.ok:
            continue
        try:
            work.mapped = map_asset(
                work.item, resolve_ref=resolve_ref, resolve_term=resolve_term, column_schemas=column_schemas
            )
            wanted = work.item.target_collection or context.default_collection
            work.collection = collections.resolve(wanted) if wanted else None
        except PurviewError as exc:
            work.fail(exc)
    ready = [w for w in works if w.ok and w.mapped is not None]
    child_types = {t: s.column_type for t, s in column_schemas.items()}
    try:
        type_errors: dict[str, PurviewError] = {}
        current = fetch_entities(
            http,
            [w.mapped.ref for w in ready if w.mapped],
            child_types=child_types,
            chunk=read_chunk,
            cache=cache,
            type_errors=type_errors,
            known_guids={w.mapped.ref: w.prior.guid for w in ready if w.mapped and w.prior.guid},
        )
        targets: set[EntityRef] = set()
        for work in ready:
            assert work.mapped is not None
            for _, _, target in iter_refs(work.mapped.entity):
                unique = target.get("uniqueAttributes") or {}
                targets.add(EntityRef(str(target.get("typeName")), str(unique.get("qualifiedName"))))
        lookup_guids(http, targets, cache, chunk=read_chunk)
    except PurviewError as exc:
        for work in ready:
            work.fail(exc)
        return works
    for work in ready:
        assert work.mapped is not None
        if work.item.type_name in type_errors:
            work.fail(type_errors[work.item.type_name])
            continue
        work.current = current.get(work.mapped.ref)
        _decide(work, cache.get, context)
    return works
