"""Glossary terms: ensure the glossary, read its terms once, write terms parents-first, resolve references.

A term is found in Purview by the guid the sync state remembers, else by (glossary, parent, name) — the same
identity Purview derives the term's qualifiedName from (``Term@Glossary``, ``Parent_Child@Glossary`` for a
child). New terms of one hierarchy level are created in one bulk call with ``includeTermHierarchy=true``;
changed terms are updated one by one. Synonyms and related terms that point at terms created later in the
same call are written in a second pass once their guids exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pivot import ItemRef, PivotGlossaryItem, QualifiedNameRef
from pivot.refs import Ref
from purview.client import PurviewHttp
from purview.errors import ConflictError, ItemError, PurviewError
from purview.mapping import TERM_TYPE, EntityRef, map_term
from purview.plan import set_diff
from purview.reads import GuidCache, lookup_guids
from purview.results import FieldDiff, PriorState

__all__ = ["GlossaryIndex", "TermWork", "prepare_terms", "term_diffs", "write_terms"]

logger = logging.getLogger(__name__)
_HIERARCHY = [("includeTermHierarchy", "true")]


@dataclass
class TermWork:
    item: PivotGlossaryItem
    prior: PriorState
    glossary: str | None = None
    glossary_guid: str | None = None
    level: int = 0
    current: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None
    deferred: bool = False
    diffs: list[FieldDiff] = field(default_factory=list)
    guid: str | None = None
    qualified_name: str | None = None
    error: Exception | None = None
    written: bool = False
    created: bool = False

    def fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = error


class GlossaryIndex:
    """Glossaries by name and their terms, read once per gateway call."""

    def __init__(self, http: PurviewHttp, *, create_missing: bool = True) -> None:
        self.http = http
        self.create_missing = create_missing
        self._glossaries: dict[str, str] | None = None
        self._terms: dict[str, list[dict[str, Any]]] = {}

    def glossary_guid(self, name: str) -> str | None:
        """The guid of glossary ``name``, created when missing (None when missing and not creating)."""
        if self._glossaries is None:
            listing = self.http.atlas(
                "GET",
                "/glossary",
                params=[("limit", -1), ("offset", 0), ("sort", "ASC"), ("ignoreTermsAndCategories", "true")],
                operation="glossary.list",
            )
            self._glossaries = {str(g["name"]): str(g["guid"]) for g in listing or []}
        if name not in self._glossaries:
            if not self.create_missing:
                return None
            try:
                created = self.http.atlas(
                    "POST",
                    "/glossary",
                    json_body={"name": name, "qualifiedName": name},
                    operation="glossary.create",
                )
                self._glossaries[name] = str(created["guid"])
            except ConflictError:
                self._glossaries = None
                return self.glossary_guid(name)
        return self._glossaries[name]

    def terms(self, glossary_guid: str, *, refresh: bool = False, page: int = 1000) -> list[dict[str, Any]]:
        """All terms of a glossary (paged)."""
        if refresh or glossary_guid not in self._terms:
            out: list[dict[str, Any]] = []
            offset = 0
            while True:
                chunk = self.http.atlas(
                    "GET",
                    f"/glossary/{glossary_guid}/terms",
                    params=[("limit", page), ("offset", offset), ("sort", "ASC")],
                    operation="glossary.terms",
                )
                out += list(chunk or [])
                if not chunk or len(chunk) < page:
                    break
                offset += page
            self._terms[glossary_guid] = out
        return self._terms[glossary_guid]

    def remember(self, glossary_guid: str, term: dict[str, Any]) -> None:
        terms = self._terms.setdefault(glossary_guid, [])
        terms[:] = [t for t in terms if t.get("guid") != term.get("guid")] + [term]


def _identity(term: Mapping[str, Any]) -> tuple[str | None, str]:
    return ((term.get("parentTerm") or {}).get("termGuid"), str(term.get("name")))


def _guids(values: Any) -> list[str]:
    return sorted({str(v.get("termGuid")) for v in values or [] if isinstance(v, Mapping)})


def _contacts(value: Any) -> dict[str, list[str]]:
    return {str(k): sorted({str(e.get("id")) for e in v or []}) for k, v in (value or {}).items() if v}


def term_diffs(wanted: Mapping[str, Any], current: Mapping[str, Any]) -> list[FieldDiff]:
    """Field-level differences of a term payload against the term Purview holds (pure)."""
    diffs: list[FieldDiff] = []
    for key in ("longDescription", "abbreviation", "status"):
        if key not in wanted:
            continue
        before, after = current.get(key), wanted.get(key)
        if (before or None) != (after or None):
            diffs.append(FieldDiff(path=key, before=before, after=after))
    diffs += set_diff(
        "parentTerm", [g for g in [_identity(current)[0]] if g], [g for g in [_identity(wanted)[0]] if g]
    )
    diffs += set_diff("synonyms", _guids(current.get("synonyms")), _guids(wanted.get("synonyms")))
    diffs += set_diff("seeAlso", _guids(current.get("seeAlso")), _guids(wanted.get("seeAlso")))
    have_resources = [(r.get("displayName"), r.get("url")) for r in current.get("resources") or []]
    want_resources = [(r.get("displayName"), r.get("url")) for r in wanted.get("resources") or []]
    if have_resources != want_resources:
        diffs.append(
            FieldDiff(
                path="resources",
                before=[list(r) for r in have_resources],
                after=[list(r) for r in want_resources],
            )
        )
    if "contacts" in wanted and _contacts(wanted["contacts"]) != _contacts(current.get("contacts")):
        diffs.append(
            FieldDiff(
                path="contacts",
                before=_contacts(current.get("contacts")),
                after=_contacts(wanted["contacts"]),
            )
        )
    return diffs


def _levels(works: Sequence[TermWork]) -> None:
    by_id = {w.item.external_id: w for w in works}
    for work in works:
        depth, seen, node = 0, set(), work
        while isinstance(node.item.parent, ItemRef) and node.item.parent.external_id in by_id:
            if node.item.external_id in seen:
                work.fail(ItemError("the term hierarchy has a cycle"))
                break
            seen.add(node.item.external_id)
            node = by_id[node.item.parent.external_id]
            depth += 1
        work.level = depth


def prepare_terms(
    index: GlossaryIndex,
    items: Sequence[PivotGlossaryItem],
    prior: Mapping[str, PriorState],
    *,
    default_glossary: str | None,
) -> list[TermWork]:
    """Group by glossary (ensuring each exists), order parents-first, and find each term in Purview."""
    works = [TermWork(item, prior.get(item.sync_key, PriorState())) for item in items]
    for work in works:
        work.glossary = work.item.glossary or default_glossary
        if not work.glossary:
            work.fail(ItemError("the term names no glossary and the catalog has no default glossary"))
            continue
        try:
            work.glossary_guid = index.glossary_guid(work.glossary)
        except PurviewError as exc:
            work.fail(exc)
    _levels(works)
    return works


def _resolve(ref: Ref, known: Mapping[str, str], by_name: Mapping[EntityRef, str]) -> str | None:
    if isinstance(ref, QualifiedNameRef):
        return by_name.get(EntityRef(TERM_TYPE, ref.qualified_name))
    return known.get(ref.external_id)


def _build(
    work: TermWork,
    known: Mapping[str, str],
    by_name: Mapping[EntityRef, str],
    in_batch: set[str],
    *,
    dry_run: bool = False,
) -> None:
    item = work.item
    parent = None
    if item.parent is not None:
        parent = _resolve(item.parent, known, by_name)
        planned = isinstance(item.parent, ItemRef) and item.parent.external_id in in_batch
        if parent is None and dry_run and planned:
            parent = "(created by this sync)"
        elif parent is None and planned:
            raise ItemError(f"parent term {item.parent!r} could not be written")
        elif parent is None:
            raise ItemError(f"parent term {item.parent!r} is not in Purview (sync it first)")
    related: dict[str, list[str]] = {"synonyms": [], "related": []}
    work.deferred = False
    for label, refs in (("synonyms", item.synonyms), ("related", item.related)):
        for ref in refs:
            guid = _resolve(ref, known, by_name)
            if guid is not None:
                related[label].append(guid)
            elif isinstance(ref, ItemRef) and ref.external_id in in_batch:
                work.deferred = True
            else:
                raise ItemError(f"{label} term {ref!r} is not in Purview")
    work.payload = map_term(
        item,
        glossary_guid=work.glossary_guid or "",
        parent_guid=parent,
        synonym_guids=related["synonyms"],
        related_guids=related["related"],
    )


def _find_current(index: GlossaryIndex, work: TermWork, parent_guid: str | None) -> dict[str, Any] | None:
    """The term Purview holds for an item: by the guid the sync state remembers, else by identity."""
    if not work.glossary_guid:
        return None
    terms = index.terms(work.glossary_guid)
    if work.prior.guid:
        for term in terms:
            if term.get("guid") == work.prior.guid:
                return term
    wanted = (parent_guid, work.item.name)
    return next((t for t in terms if _identity(t) == wanted), None)


def _discover(
    index: GlossaryIndex, works: Sequence[TermWork], known: dict[str, str], by_name: Mapping[EntityRef, str]
) -> None:
    """Find the terms that exist already, parents first, so references to them resolve in one pass."""
    for level in sorted({w.level for w in works}):
        for work in [w for w in works if w.level == level and w.error is None]:
            parent = None
            if work.item.parent is not None:
                parent = _resolve(work.item.parent, known, by_name)
                if parent is None:
                    continue  # the parent is new (or missing): so is this term
            try:
                work.current = _find_current(index, work, parent)
            except PurviewError as exc:
                work.fail(exc)
                continue
            if work.current is not None:
                known[work.item.external_id] = str(work.current["guid"])


def _create(index: GlossaryIndex, works: list[TermWork]) -> None:
    http = index.http
    try:
        created = http.atlas(
            "POST",
            "/glossary/terms",
            params=_HIERARCHY,
            json_body=[w.payload for w in works],
            operation="term.create_bulk",
        )
        for work, term in zip(works, created or [], strict=False):
            work.guid, work.qualified_name, work.written = str(term["guid"]), term.get("qualifiedName"), True
            work.created = True
            index.remember(str(work.glossary_guid), term)
        return
    except PurviewError as exc:
        if len(works) == 1 and not isinstance(exc, ConflictError):
            works[0].fail(exc)
            return
        logger.warning("bulk term create of %d refused (%s); creating one by one", len(works), exc)
    for work in works:
        try:
            term = http.atlas(
                "POST", "/glossary/term", params=_HIERARCHY, json_body=work.payload, operation="term.create"
            )
            work.guid, work.qualified_name, work.written = str(term["guid"]), term.get("qualifiedName"), True
            work.created = True
            index.remember(str(work.glossary_guid), term)
        except ConflictError:
            index.terms(str(work.glossary_guid), refresh=True)
            parent = (work.payload or {}).get("parentTerm", {}).get("termGuid")
            current = _find_current(index, work, parent)
            if current is None:
                work.fail(ItemError("Purview reports the term exists but it cannot be found"))
            else:
                work.current = current
                _update(index, work)
        except PurviewError as exc:
            work.fail(exc)


def _update(index: GlossaryIndex, work: TermWork) -> None:
    assert work.current is not None and work.payload is not None
    work.guid, work.qualified_name = str(work.current["guid"]), work.current.get("qualifiedName")
    work.diffs = term_diffs(work.payload, work.current)
    if not work.diffs:
        return
    body = {**work.payload, "guid": work.guid, "qualifiedName": work.qualified_name}
    try:
        term = index.http.atlas(
            "PUT", f"/glossary/term/{work.guid}", params=_HIERARCHY, json_body=body, operation="term.update"
        )
        work.written = True
        work.qualified_name = (term or {}).get("qualifiedName", work.qualified_name)
        if term:
            index.remember(str(work.glossary_guid), term)
    except PurviewError as exc:
        work.fail(exc)


def write_terms(
    index: GlossaryIndex,
    works: Sequence[TermWork],
    term_guids: Mapping[str, str],
    cache: GuidCache,
    *,
    dry_run: bool = False,
) -> None:
    """Create or update terms level by level (parents first), then the deferred term relations."""
    refs = {
        EntityRef(TERM_TYPE, r.qualified_name)
        for w in works
        for r in [w.item.parent, *w.item.synonyms, *w.item.related]
        if isinstance(r, QualifiedNameRef)
    }
    by_name = lookup_guids(index.http, refs, cache) if refs else {}
    known = dict(term_guids)
    _discover(index, works, known, by_name)
    in_batch = {w.item.external_id for w in works if w.error is None}
    for level in sorted({w.level for w in works}):
        creates: dict[str | None, list[TermWork]] = {}
        for work in [w for w in works if w.level == level and w.error is None]:
            try:
                _build(work, known, by_name, in_batch, dry_run=dry_run)
            except PurviewError as exc:
                work.fail(exc)
                continue
            if work.current is None:
                work.diffs = [FieldDiff(path="term", before=None, after="create")]
                creates.setdefault(work.glossary_guid, []).append(work)
            elif dry_run:
                work.guid = str(work.current["guid"])
                work.diffs = term_diffs(work.payload or {}, work.current)
            else:
                _update(index, work)
            if work.current is not None:
                known[work.item.external_id] = str(work.current["guid"])
        if dry_run:
            continue
        for members in creates.values():
            _create(index, members)
        for work in works:
            if work.level == level and work.guid and work.error is None:
                known[work.item.external_id] = work.guid
    if dry_run:
        return
    for work in works:
        if work.deferred and work.error is None and work.guid:
            try:
                _build(work, known, by_name, set())
                work.current = {
                    **(work.payload or {}),
                    "guid": work.guid,
                    "qualifiedName": work.qualified_name,
                    "synonyms": [],
                    "seeAlso": [],
                }
                _update(index, work)
            except PurviewError as exc:
                work.fail(exc)
