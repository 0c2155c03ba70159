"""Pure mapping of a DataHub dataset entity to a pivot asset, plus a process asset for its upstream lineage.

Descriptions follow what DataHub shows: the editable (UI) description wins over the ingested one, for the
dataset and for each field. Aspects not listed in ``DATASET_ASPECTS`` are counted as ignored.
"""

from __future__ import annotations

from typing import Any, Final

from connectors.datahub.common import (
    GENERIC_DATASET,
    GENERIC_PROCESS,
    DatasetUrn,
    MappingContext,
    contacts,
    field_column_name,
    parse_schema_field_urn,
    tag_classification,
    urns_of,
)
from pivot import Column, ColumnLineage, ItemRef, PivotAssetItem, QualifiedNameRef

__all__ = ["DATASET_ASPECTS", "fine_grained", "lineage_external_id", "map_dataset", "map_lineage"]

DATASET_ASPECTS: Final = frozenset(
    {
        "datasetKey",
        "datasetProperties",
        "editableDatasetProperties",
        "schemaMetadata",
        "editableSchemaMetadata",
        "ownership",
        "globalTags",
        "glossaryTerms",
        "upstreamLineage",
        "container",
        "domains",
        "status",
        "subTypes",
        "dataPlatformInstance",
    }
)
"""Dataset aspects this connector maps (everything else is counted in the run summary)."""


def lineage_external_id(urn: str) -> str:
    """external_id of the process asset that feeds dataset ``urn``."""
    return f"lineage:{urn}"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def map_dataset(entity: dict[str, Any], parsed: DatasetUrn, ctx: MappingContext) -> PivotAssetItem:
    """The pivot asset of one dataset entity (raises ``ValueError``/``ValidationError`` when invalid)."""
    aspects: dict[str, Any] = entity["aspects"]
    for name in sorted(set(aspects) - DATASET_ASPECTS):
        ctx.ignore(f"aspect dataset.{name}")
    props = _dict(aspects.get("datasetProperties"))
    editable = _dict(aspects.get("editableDatasetProperties"))
    type_name = ctx.dataset_type(parsed.platform)
    properties = {str(k): str(v) for k, v in _dict(props.get("customProperties")).items()}
    properties["datahub.urn"] = parsed.urn
    properties["datahub.platform"] = parsed.platform
    properties["datahub.env"] = parsed.env
    sub_types = _dict(aspects.get("subTypes")).get("typeNames") or []
    if sub_types:
        properties["datahub.subtypes"] = ", ".join(str(t) for t in sub_types)
    instance = _dict(aspects.get("dataPlatformInstance")).get("instance")
    if isinstance(instance, str):
        properties["datahub.platform_instance"] = instance
    external_url = _text(props.get("externalUrl"))
    return PivotAssetItem(
        catalog=ctx.catalog,
        external_id=parsed.urn,
        name=_text(props.get("name")) or parsed.short_name,
        description=_text(editable.get("description")) or _text(props.get("description")),
        target_collection=_collection(entity, ctx),
        owners=tuple(contacts(aspects.get("ownership"), ctx, known=entity.get("emails"))),
        properties=properties,
        source_url=external_url
        if external_url and external_url.startswith(("http://", "https://"))
        else None,
        type_name=type_name,
        qualified_name=parsed.qualified_name,
        attributes={"platform": parsed.platform} if type_name == GENERIC_DATASET else {},
        columns=tuple(_columns(aspects, ctx)),
        glossary_items=tuple(
            ItemRef(external_id=u) for u in urns_of(_dict(aspects.get("glossaryTerms")).get("terms"), "urn")
        ),
        classification_items=tuple(
            tag_classification(u, ctx) for u in urns_of(_dict(aspects.get("globalTags")).get("tags"), "tag")
        ),
    )


def _collection(entity: dict[str, Any], ctx: MappingContext) -> str | None:
    """Route by domain first, then by the nearest container (up its parents, when known) that
    catalogs.yaml maps to a collection."""
    aspects: dict[str, Any] = entity["aspects"]
    candidates = list(_dict(aspects.get("domains")).get("domains") or [])
    container = _dict(aspects.get("container")).get("container")
    if isinstance(container, str):
        candidates.append(container)
    candidates += list(entity.get("containers") or [])
    for urn in candidates:
        if isinstance(urn, str) and urn in ctx.collections:
            return ctx.collections[urn]
    return None


def _columns(aspects: dict[str, Any], ctx: MappingContext) -> list[Column]:
    schema = _dict(aspects.get("schemaMetadata"))
    edits: dict[str, dict[str, Any]] = {}
    for info in _dict(aspects.get("editableSchemaMetadata")).get("editableSchemaFieldInfo") or []:
        if isinstance(info, dict) and isinstance(info.get("fieldPath"), str):
            edits[field_column_name(info["fieldPath"])] = info
    columns: dict[str, Column] = {}
    for field in schema.get("fields") or []:
        if not isinstance(field, dict) or not isinstance(field.get("fieldPath"), str):
            ctx.ignore("schema field without fieldPath")
            continue
        name = field_column_name(field["fieldPath"])
        if name in columns:
            ctx.ignore("duplicate schema field path")
            continue
        edit = edits.get(name, {})
        tags = urns_of(_dict(field.get("globalTags")).get("tags"), "tag")
        tags += urns_of(_dict(edit.get("globalTags")).get("tags"), "tag")
        terms = urns_of(_dict(field.get("glossaryTerms")).get("terms"), "urn")
        terms += urns_of(_dict(edit.get("glossaryTerms")).get("terms"), "urn")
        columns[name] = Column(
            name=name,
            data_type=_text(field.get("nativeDataType")),
            description=_text(edit.get("description")) or _text(field.get("description")),
            classification_items=tuple(dict.fromkeys(tag_classification(t, ctx) for t in tags)),
            glossary_items=tuple(ItemRef(external_id=t) for t in dict.fromkeys(terms)),
        )
    return list(columns.values())


def map_lineage(entity: dict[str, Any], parsed: DatasetUrn, ctx: MappingContext) -> PivotAssetItem | None:
    """The process asset feeding this dataset, from ``upstreamLineage`` (None without upstreams)."""
    lineage = _dict(entity["aspects"].get("upstreamLineage"))
    me = QualifiedNameRef(type_name=ctx.dataset_type(parsed.platform), qualified_name=parsed.qualified_name)
    inputs: dict[Any, None] = {}
    kinds: set[str] = set()
    for upstream in lineage.get("upstreams") or []:
        ref = ctx.dataset_ref(_dict(upstream).get("dataset") or "")
        if ref is None:
            ctx.ignore("upstream that is not a dataset")
            continue
        inputs[ref] = None
        kinds.add(str(_dict(upstream).get("type") or "TRANSFORMED"))
    column_lineage: list[ColumnLineage] = []
    for fine in lineage.get("fineGrainedLineages") or []:
        for entry in fine_grained(_dict(fine), {me}, ctx):
            inputs[entry.source] = None
            column_lineage.append(entry)
    if not inputs:
        return None
    type_name = ctx.process_type()
    return PivotAssetItem(
        catalog=ctx.catalog,
        external_id=lineage_external_id(parsed.urn),
        name=f"{parsed.short_name} (lineage)",
        description=f"How {parsed.name} ({parsed.platform}) is derived from its upstreams in DataHub.",
        properties={"datahub.urn": parsed.urn, "datahub.lineage_types": ", ".join(sorted(kinds))},
        type_name=type_name,
        qualified_name=parsed.lineage_qualified_name,
        attributes={"platform": parsed.platform} if type_name == GENERIC_PROCESS else {},
        inputs=tuple(inputs),
        outputs=(me,),
        column_lineage=tuple(dict.fromkeys(column_lineage)),
    )


def fine_grained(
    fine: dict[str, Any], outputs: set[QualifiedNameRef], ctx: MappingContext
) -> list[ColumnLineage]:
    """One fine-grained lineage entry → one ColumnLineage per (upstream dataset, downstream column); only
    downstream columns of ``outputs`` count."""
    targets = [parse_schema_field_urn(u) for u in fine.get("downstreams") or [] if isinstance(u, str)]
    sources: dict[str, list[str]] = {}
    for urn in fine.get("upstreams") or []:
        parsed = parse_schema_field_urn(urn) if isinstance(urn, str) else None
        if parsed is None:
            ctx.ignore("fine-grained upstream that is not a schema field")
            continue
        sources.setdefault(parsed[0], []).append(parsed[1])
    out: list[ColumnLineage] = []
    for target in targets:
        me = ctx.dataset_ref(target[0]) if target is not None else None
        if target is None or me is None or me not in outputs:
            ctx.ignore("fine-grained downstream of another dataset")
            continue
        for dataset_urn, columns in sources.items():
            source = ctx.dataset_ref(dataset_urn)
            if source is None:
                continue
            out.append(
                ColumnLineage(
                    source=source,
                    source_columns=tuple(dict.fromkeys(columns)),
                    target=me,
                    target_column=target[1],
                )
            )
    return out
