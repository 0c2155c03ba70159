"""Pure mapping of a DataHub data job (an Airflow task, a Spark job…) to a pivot process asset.

``urn:li:dataJob:(urn:li:dataFlow:(<orchestrator>,<flow>,<cluster>),<job>)`` → qualifiedName
``datahub-job://<orchestrator>/<cluster>/<flow>/<job>``; ``dataJobInputOutput`` gives inputs, outputs and
column lineage. A job without input or output datasets produces no item (counted as ignored).
"""

from __future__ import annotations

import re
from typing import Any, Final

from connectors.datahub.common import GENERIC_PROCESS, MappingContext, contacts, tag_classification, urns_of
from connectors.datahub.datasets import fine_grained
from pivot import ColumnLineage, ItemRef, PivotAssetItem, QualifiedNameRef

__all__ = ["JOB_ASPECTS", "job_qualified_name", "map_job"]

JOB_ASPECTS: Final = frozenset(
    {
        "dataJobKey",
        "dataJobInfo",
        "editableDataJobProperties",
        "dataJobInputOutput",
        "ownership",
        "globalTags",
        "glossaryTerms",
        "status",
        "domains",
        "subTypes",
        "dataPlatformInstance",
    }
)
_JOB_URN = re.compile(r"^urn:li:dataJob:\(urn:li:dataFlow:\(([^,]+),(.+),([^,)]+)\),(.+)\)$")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def job_qualified_name(urn: str) -> str | None:
    match = _JOB_URN.match(urn)
    if match is None:
        return None
    orchestrator, flow, cluster, job = match.groups()
    return f"datahub-job://{orchestrator}/{cluster}/{flow}/{job}"


def _datasets(io: dict[str, Any], plain: str, edges: str) -> list[str]:
    urns = [u for u in io.get(plain) or [] if isinstance(u, str)]
    urns += [
        e.get("destinationUrn")
        for e in io.get(edges) or []
        if isinstance(_dict(e).get("destinationUrn"), str)
    ]
    return list(dict.fromkeys(urns))


def map_job(entity: dict[str, Any], ctx: MappingContext) -> PivotAssetItem | None:
    """The process asset of a data job, or None when it reads and writes no dataset."""
    urn: str = entity["urn"]
    aspects: dict[str, Any] = entity["aspects"]
    for name in sorted(set(aspects) - JOB_ASPECTS):
        ctx.ignore(f"aspect dataJob.{name}")
    qualified_name = job_qualified_name(urn)
    if qualified_name is None:
        raise ValueError(f"invalid dataJob urn {urn!r}")
    io = _dict(aspects.get("dataJobInputOutput"))
    inputs = [ref for u in _datasets(io, "inputDatasets", "inputDatasetEdges") if (ref := ctx.dataset_ref(u))]
    outputs = [
        ref for u in _datasets(io, "outputDatasets", "outputDatasetEdges") if (ref := ctx.dataset_ref(u))
    ]
    if not inputs and not outputs:
        ctx.ignore("data job without input or output datasets")
        return None
    column_lineage: list[ColumnLineage] = []
    for fine in io.get("fineGrainedLineages") or []:
        column_lineage += fine_grained(_dict(fine), set(outputs), ctx)
    known_inputs: list[QualifiedNameRef] = list(dict.fromkeys(inputs))
    for entry in column_lineage:
        if isinstance(entry.source, QualifiedNameRef) and entry.source not in known_inputs:
            known_inputs.append(entry.source)
    info = _dict(aspects.get("dataJobInfo"))
    editable = _dict(aspects.get("editableDataJobProperties"))
    properties = {str(k): str(v) for k, v in _dict(info.get("customProperties")).items()}
    properties["datahub.urn"] = urn
    external_url = _text(info.get("externalUrl"))
    type_name = ctx.process_type()
    return PivotAssetItem(
        catalog=ctx.catalog,
        external_id=urn,
        name=_text(info.get("name")) or urn.rsplit(",", 1)[-1].rstrip(")"),
        description=_text(editable.get("description")) or _text(info.get("description")),
        owners=tuple(contacts(aspects.get("ownership"), ctx, known=entity.get("emails"))),
        properties=properties,
        source_url=external_url
        if external_url and external_url.startswith(("http://", "https://"))
        else None,
        type_name=type_name,
        qualified_name=qualified_name,
        attributes={"platform": qualified_name.split("/")[2]} if type_name == GENERIC_PROCESS else {},
        inputs=tuple(known_inputs),
        outputs=tuple(dict.fromkeys(outputs)),
        column_lineage=tuple(dict.fromkeys(column_lineage)),
        glossary_items=tuple(
            ItemRef(external_id=u) for u in urns_of(_dict(aspects.get("glossaryTerms")).get("terms"), "urn")
        ),
        classification_items=tuple(
            tag_classification(u, ctx) for u in urns_of(_dict(aspects.get("globalTags")).get("tags"), "tag")
        ),
    )
