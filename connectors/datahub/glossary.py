"""Pure mapping of DataHub glossary nodes and terms to pivot glossary terms, and of tags to classifications.

DataHub's hierarchy is nodes (folders) holding terms; Purview's is terms under terms. A node becomes a
term, and ``parentNode`` becomes ``parent``, so the tree survives. Related terms (isA, hasA, related, values)
all become ``related``.
"""

from __future__ import annotations

from typing import Any, Final

from connectors.datahub.common import MappingContext, contacts, tag_classification
from pivot import ItemRef, PivotClassificationItem, PivotGlossaryItem

__all__ = ["NODE_ASPECTS", "TAG_ASPECTS", "TERM_ASPECTS", "map_glossary_entity", "map_tag"]

TERM_ASPECTS: Final = frozenset(
    {"glossaryTermKey", "glossaryTermInfo", "glossaryRelatedTerms", "ownership", "status", "domains"}
)
NODE_ASPECTS: Final = frozenset({"glossaryNodeKey", "glossaryNodeInfo", "ownership", "status", "domains"})
TAG_ASPECTS: Final = frozenset({"tagKey", "tagProperties", "ownership", "status"})
_RELATED: Final = ("relatedTerms", "isRelatedTerms", "hasRelatedTerms", "values")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _name_from_urn(urn: str, prefix: str) -> str:
    return urn.removeprefix(prefix)


def map_glossary_entity(entity: dict[str, Any], ctx: MappingContext) -> PivotGlossaryItem:
    """A glossary term or node (``entity_type`` glossaryTerm / glossaryNode) as a pivot glossary term."""
    urn: str = entity["urn"]
    aspects: dict[str, Any] = entity["aspects"]
    is_term = entity["entity_type"] == "glossaryTerm"
    known = TERM_ASPECTS if is_term else NODE_ASPECTS
    for name in sorted(set(aspects) - known):
        ctx.ignore(f"aspect {entity['entity_type']}.{name}")
    info = _dict(aspects.get("glossaryTermInfo" if is_term else "glossaryNodeInfo"))
    key = _dict(aspects.get("glossaryTermKey" if is_term else "glossaryNodeKey"))
    prefix = "urn:li:glossaryTerm:" if is_term else "urn:li:glossaryNode:"
    name = _text(info.get("name")) or _text(key.get("name")) or _name_from_urn(urn, prefix)
    properties = {str(k): str(v) for k, v in _dict(info.get("customProperties")).items()}
    properties["datahub.urn"] = urn
    for field in ("termSource", "sourceRef"):
        if _text(info.get(field)):
            properties[f"datahub.{field}"] = info[field]
    related: dict[str, None] = {}
    for field in _RELATED:
        for other in _dict(aspects.get("glossaryRelatedTerms")).get(field) or []:
            if isinstance(other, str) and other != urn:
                related[other] = None
    parent = _text(info.get("parentNode"))
    source_url = _text(info.get("sourceUrl"))
    return PivotGlossaryItem(
        catalog=ctx.catalog,
        external_id=urn,
        name=name.replace("@", "_"),
        description=_text(info.get("definition")),
        owners=tuple(contacts(aspects.get("ownership"), ctx, term=True, known=entity.get("emails"))),
        properties=properties,
        source_url=source_url if source_url and source_url.startswith(("http://", "https://")) else None,
        parent=ItemRef(external_id=parent) if parent else None,
        related=tuple(ItemRef(external_id=u) for u in related),
    )


def map_tag(entity: dict[str, Any], ctx: MappingContext) -> PivotClassificationItem:
    """A tag entity as a classification definition (its name is what assets and columns refer to)."""
    urn: str = entity["urn"]
    aspects: dict[str, Any] = entity["aspects"]
    for name in sorted(set(aspects) - TAG_ASPECTS):
        ctx.ignore(f"aspect tag.{name}")
    props = _dict(aspects.get("tagProperties"))
    key = _dict(aspects.get("tagKey"))
    return PivotClassificationItem(
        catalog=ctx.catalog,
        external_id=urn,
        name=_text(props.get("name")) or _text(key.get("name")) or urn.removeprefix("urn:li:tag:"),
        description=_text(props.get("description")),
        properties={"datahub.urn": urn},
        classification_name=tag_classification(urn, ctx),
    )
