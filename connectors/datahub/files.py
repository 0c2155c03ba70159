"""Pages of entity records from DataHub metadata files: one record per entity, all its aspects merged.

An entity's aspects are not always contiguous in a file (the CLI appends ``status`` and browse paths at the
end of a run, and a term assigned in one file is defined in another), while transform runs per page. So
extract first indexes the files — one streaming pass keeping, per URN, the runs of records that touch it
(file, byte offset, line, count), never the records themselves — then a page is a slice of the entities in
order of first appearance, each merged from its runs by seeking to them. Broken records (invalid JSON, no
urn, unusable aspect) are units of their own that transform turns into ``Rejected`` with file and line —
except that a broken record whose URN can still be read *taints* that entity: it is not merged at all but
becomes an error naming the URN, so transform rejects what it would have produced and Purview keeps its last
good version instead of one missing the broken aspect.

The index is built over the run's snapshot of the files (``connectors.files``) and kept per process, keyed
by the snapshot (path, size, mtime, inode of every file), so paging costs one pass per process, not one per
page; every read is checked against the snapshot, so a file changed during the run fails it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from connectors.datahub.reader import BrokenValue, FileValue, iter_values
from connectors.datahub.records import (
    AspectChange,
    RecordError,
    apply_change,
    entity_type_of,
    new_entity,
    parse_record,
)
from connectors.files import MAX_DEPTH, MAX_RECORD_BYTES, SnapshotFile

__all__ = ["SEEK_GAP", "FileIndex", "build_index", "cached_index", "read_units"]

_USER_ASPECTS = frozenset({"corpUserInfo", "corpUserEditableInfo"})
SEEK_GAP = 1 << 20
"""Bytes between two wanted records beyond which the reader seeks instead of reading through."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """``count`` consecutive records of one entity starting at ``offset`` of file ``file``."""

    file: int
    offset: int
    line: int
    number: int
    count: int


@dataclass
class FileIndex:
    """Entities (and broken records) in order of first appearance, with where their records are."""

    files: list[SnapshotFile]
    max_record: int = MAX_RECORD_BYTES
    max_depth: int = MAX_DEPTH
    units: list[str | dict[str, Any]] = field(default_factory=list)
    """A URN (an entity) or an error record ``{"error", "where"}``."""
    runs: dict[str, list[Run]] = field(default_factory=dict)
    entity_types: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    """corpuser URN → email from ``corpUserInfo`` / ``corpUserEditableInfo`` (the editable one wins)."""
    parents: dict[str, str] = field(default_factory=dict)
    """container URN → its parent container (the ``container`` aspect of container entities)."""
    tainted: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """URN → ``{"error", "where"}`` of each broken record naming it: the entity is rejected, not merged."""


def _where(path: SnapshotFile, line: int, number: int) -> str:
    return f"{path.name}:{line} (record {number})"


def build_index(
    files: list[SnapshotFile], *, max_record: int = MAX_RECORD_BYTES, max_depth: int = MAX_DEPTH
) -> FileIndex:
    """One streaming pass over ``files``."""
    index = FileIndex(files=files, max_record=max_record, max_depth=max_depth)
    for file_no, path in enumerate(files):
        last_urn: str | None = None
        for found in iter_values(path, max_record=max_record, max_depth=max_depth):
            if isinstance(found, BrokenValue):
                broken = {"error": found.reason, "where": _where(path, found.line, found.number)}
                last_urn = None
                if found.urn is None:
                    index.units.append(broken)
                    continue
                index.tainted.setdefault(found.urn, []).append(broken)
                if found.urn not in index.runs:
                    index.units.append(found.urn)
                    index.entity_types[found.urn] = entity_type_of(found.urn)
                    index.runs[found.urn] = []
                continue
            try:
                changes = list(parse_record(found.value))
            except RecordError as exc:
                index.units.append({"error": str(exc), "where": _where(path, found.line, found.number)})
                last_urn = None
                continue
            if not changes:
                continue  # an MCE without aspects: nothing to merge
            _note_emails(index, changes)
            _note_parents(index, changes)
            urn = changes[0].urn
            runs = index.runs.get(urn)
            if runs is None:
                index.units.append(urn)
                index.entity_types[urn] = changes[0].entity_type
                index.runs[urn] = [Run(file_no, found.offset, found.line, found.number, 1)]
            elif urn == last_urn and runs and runs[-1].file == file_no:
                last = runs[-1]
                runs[-1] = Run(last.file, last.offset, last.line, last.number, last.count + 1)
            else:
                runs.append(Run(file_no, found.offset, found.line, found.number, 1))
            last_urn = urn
    return index


_CACHE: dict[tuple[Any, ...], FileIndex] = {}


def cached_index(
    files: list[SnapshotFile], *, max_record: int = MAX_RECORD_BYTES, max_depth: int = MAX_DEPTH
) -> FileIndex:
    """``build_index`` memoised on the snapshot of the files and the limits; keeps the latest index only."""
    key = (tuple(files), max_record, max_depth)
    index = _CACHE.get(key)
    if index is None:
        _CACHE.clear()
        index = _CACHE[key] = build_index(files, max_record=max_record, max_depth=max_depth)
        logger.info("indexed %d DataHub files: %d units", len(files), len(index.units))
    return index


def read_units(index: FileIndex, start: int, count: int) -> list[dict[str, Any]]:
    """Entity records (and error records) for units ``start`` .. ``start + count``, one record per unit.

    The page's record runs are visited in file order, one sequential read per file that seeks forward only
    over gaps larger than ``SEEK_GAP``; changes are applied in stream order, so later records win.
    """
    out: list[dict[str, Any]] = []
    entities: dict[str, dict[str, Any]] = {}
    for unit in index.units[start : start + count]:
        if isinstance(unit, dict):
            out.append(dict(unit))
            continue
        tainted = index.tainted.get(unit)
        if tainted is not None:
            # one record per unit (the cursor counts units): the entity's further broken records ride along
            entity_type = index.entity_types[unit]
            out.append({**tainted[0], "urn": unit, "entity_type": entity_type, "more": tainted[1:]})
            continue
        first = index.runs[unit][0]
        where = _where(index.files[first.file], first.line, first.number)
        entities[unit] = new_entity(unit, index.entity_types[unit], where)
        out.append(entities[unit])
    wanted = sorted(
        (run.file, run.offset, run.line, run.number, run.count, urn)
        for urn in entities
        for run in index.runs[urn]
    )
    reader: Iterator[FileValue | BrokenValue] | None = None
    reader_file, last_offset = -1, -1
    for file_no, offset, line, number, run_count, urn in wanted:
        path = index.files[file_no]
        if (
            reader is None
            or file_no != reader_file
            or offset <= last_offset
            or offset - last_offset > SEEK_GAP
        ):
            reader = iter_values(
                path,
                offset=offset,
                line=line,
                number=number - 1,
                max_record=index.max_record,
                max_depth=index.max_depth,
            )
            reader_file = file_no
        taken = 0
        for found in reader:
            last_offset = found.offset
            if found.offset < offset:
                continue
            taken += 1
            _apply(entities[urn], path, found)
            if taken == run_count:
                break
    for entity in entities.values():
        known = owner_emails(entity, index.emails)
        if known:
            entity["emails"] = known
        containers = container_path(entity, index.parents)
        if len(containers) > 1:
            entity["containers"] = containers
    return out


def _note_emails(index: FileIndex, changes: list[AspectChange]) -> None:
    for change in changes:
        if change.aspect_name in _USER_ASPECTS and isinstance(change.value, dict):
            email = change.value.get("email")
            editable_or_first = change.aspect_name == "corpUserEditableInfo" or change.urn not in index.emails
            if isinstance(email, str) and "@" in email and editable_or_first:
                index.emails[change.urn] = email


def _note_parents(index: FileIndex, changes: list[AspectChange]) -> None:
    for change in changes:
        if change.entity_type == "container" and change.aspect_name == "container":
            parent = change.value.get("container") if isinstance(change.value, dict) else None
            if isinstance(parent, str):
                index.parents[change.urn] = parent


def container_path(entity: dict[str, Any], parents: dict[str, str]) -> list[str]:
    """The entity's container and its ancestors, nearest first (cycle-safe)."""
    aspect = entity["aspects"].get("container")
    current = aspect.get("container") if isinstance(aspect, dict) else None
    path: list[str] = []
    while isinstance(current, str) and current not in path and len(path) < 50:
        path.append(current)
        current = parents.get(current)
    return path


def owner_emails(entity: dict[str, Any], emails: dict[str, str]) -> dict[str, str]:
    """The known emails of the entity's owners."""
    ownership = entity["aspects"].get("ownership")
    owners = ownership.get("owners") if isinstance(ownership, dict) else None
    found: dict[str, str] = {}
    for owner in owners or []:
        urn = owner.get("owner") if isinstance(owner, dict) else None
        if isinstance(urn, str) and urn in emails:
            found[urn] = emails[urn]
    return found


def _apply(entity: dict[str, Any], path: SnapshotFile, found: FileValue | BrokenValue) -> None:
    if isinstance(found, BrokenValue):
        return  # reported by the index pass
    try:
        for change in parse_record(found.value):
            apply_change(entity, change)
    except RecordError as exc:
        entity["problems"].append({"where": _where(path, found.line, found.number), "reason": str(exc)})
