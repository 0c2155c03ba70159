"""Field-level diffs between what Purview holds and the mapped payload (pure): used by the dry run and to skip
writes that would change nothing.

Only what the gateway writes is compared: the attributes in the payload (an attribute Purview or a person
added is not a difference), the relationship attributes in the payload (compared by target guid), contacts and
custom attributes when the payload has them. Empty text and null are equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from purview.mapping import EntityRef
from purview.results import FieldDiff

__all__ = [
    "GuidLookup",
    "current_classifications",
    "current_meanings",
    "entity_diffs",
    "related_guids",
    "set_diff",
]

GuidLookup = Callable[[EntityRef], "str | None"]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and len(value) == 0)


def _same(a: Any, b: Any) -> bool:
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    same: bool = a == b
    return same


def _ref_entity(ref: Mapping[str, Any]) -> EntityRef | None:
    unique = ref.get("uniqueAttributes")
    if isinstance(unique, Mapping) and isinstance(unique.get("qualifiedName"), str):
        return EntityRef(str(ref.get("typeName")), unique["qualifiedName"])
    return None


def _want_guid(ref: Mapping[str, Any], guid_of: GuidLookup) -> str | None:
    """The guid a payload reference points to: by unique attributes, or a plain ``{"guid"}`` reference (what
    an adopted entity keeps of the relationships others recorded)."""
    target = _ref_entity(ref)
    if target is not None:
        return guid_of(target)
    return str(ref["guid"]) if ref.get("guid") and not str(ref["guid"]).startswith("-") else None


def _active(related: Any) -> bool:
    if not isinstance(related, Mapping):
        return False
    statuses = (related.get("relationshipStatus", "ACTIVE"), related.get("entityStatus", "ACTIVE"))
    return statuses == ("ACTIVE", "ACTIVE")


def related_guids(value: Any) -> set[str]:
    """Guids of the active related objects of one relationship attribute of a read entity."""
    items = value if isinstance(value, list) else [value]
    return {str(v["guid"]) for v in items if _active(v) and v.get("guid")}


def _contacts(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping):
        return {}
    out: dict[str, list[str]] = {}
    for kind, entries in value.items():
        ids = sorted({str(e.get("id")) for e in entries or [] if isinstance(e, Mapping) and e.get("id")})
        if ids:
            out[str(kind)] = ids
    return out


def entity_diffs(
    wanted: Mapping[str, Any], current: Mapping[str, Any], guid_of: GuidLookup, *, prefix: str = ""
) -> list[FieldDiff]:
    """Differences, field by field, that writing ``wanted`` would make to ``current`` (a read entity)."""
    diffs: list[FieldDiff] = []
    have_attrs = current.get("attributes") or {}
    for name, value in sorted((wanted.get("attributes") or {}).items()):
        if not _same(value, have_attrs.get(name)):
            diffs.append(
                FieldDiff(path=f"{prefix}attributes.{name}", before=have_attrs.get(name), after=value)
            )
    have_rels = current.get("relationshipAttributes") or {}
    for name, value in sorted((wanted.get("relationshipAttributes") or {}).items()):
        refs = value if isinstance(value, list) else [value]
        targets = [_ref_entity(r) for r in refs if isinstance(r, Mapping)]
        want_guids = {_want_guid(r, guid_of) for r in refs if isinstance(r, Mapping)}
        have = related_guids(have_rels.get(name))
        if None in want_guids or want_guids != have:
            after = sorted(t.qualified_name for t in targets if t)
            diffs.append(
                FieldDiff(path=f"{prefix}relationshipAttributes.{name}", before=sorted(have), after=after)
            )
    for key, normalise in (("contacts", _contacts), ("customAttributes", dict)):
        if key not in wanted:
            continue
        want_value = normalise(wanted[key] or {})
        have_value = normalise(current.get(key) or {})
        if want_value != have_value:
            diffs.append(FieldDiff(path=f"{prefix}{key}", before=have_value, after=want_value))
    if wanted.get("labels") and not set(wanted["labels"]) <= set(current.get("labels") or ()):
        diffs.append(
            FieldDiff(
                path=f"{prefix}labels", before=sorted(current.get("labels") or ()), after=wanted["labels"]
            )
        )
    return diffs


def current_meanings(entity: Mapping[str, Any]) -> dict[str, str]:
    """Term guid → relationship guid of the active term assignments of a read entity."""
    out: dict[str, str] = {}
    for related in (entity.get("relationshipAttributes") or {}).get("meanings") or []:
        if _active(related) and related.get("guid"):
            out[str(related["guid"])] = str(related.get("relationshipGuid") or "")
    return out


def current_classifications(entity: Mapping[str, Any]) -> set[str]:
    """Names of the classifications directly on a read entity (propagated ones are not its own)."""
    guid = entity.get("guid")
    names: set[str] = set()
    for c in entity.get("classifications") or []:
        if isinstance(c, Mapping) and c.get("typeName") and c.get("entityGuid", guid) == guid:
            names.add(str(c["typeName"]))
    return names


def set_diff(path: str, before: Iterable[str], after: Iterable[str]) -> list[FieldDiff]:
    """One diff for a set-valued field when the sets differ (sorted lists as values)."""
    b, a = sorted(set(before)), sorted(set(after))
    return [] if a == b else [FieldDiff(path=path, before=list(b), after=list(a))]
