"""``source:`` settings of a datahub catalog: metadata files, or a DataHub server pulled over GraphQL."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from connectors.files import FileSourceConfig

__all__ = ["DataHubConfig"]


class DataHubConfig(FileSourceConfig):
    """Either ``files`` (MCE/MCP JSON files) or ``graphql_url`` + ``token_setting`` (pull over GraphQL).

    ``files`` and the other shared file-source settings (``allow_empty``, ``max_record_bytes``, ``max_depth``)
    come from ``FileSourceConfig``.

    A push catalog (``mode: push``) needs neither: its events carry MCP/MCL JSON.

    >>> DataHubConfig(files=["examples/datahub/*.json"]).page_size
    500
    """

    files: list[str] = Field(
        default_factory=list, description="Paths or glob patterns of DataHub JSON files."
    )
    graphql_url: str | None = Field(
        default=None, description="GraphQL endpoint of DataHub GMS or frontend, e.g. https://dh/api/graphql."
    )
    token_setting: str | None = Field(
        default=None, description="App setting holding the DataHub personal access token (never the token)."
    )
    page_size: int = Field(default=500, ge=1, le=10_000, description="Entities per extracted page.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600, description="HTTP timeout per GraphQL call.")
    entity_types: list[str] = Field(
        default_factory=lambda: [
            "DATASET",
            "DATA_JOB",
            "CONTAINER",
            "GLOSSARY_TERM",
            "GLOSSARY_NODE",
            "TAG",
            "DOMAIN",
        ],
        description="GraphQL EntityType values scrolled in pull mode.",
    )
    query: str = Field(default="*", description="GraphQL search query restricting the pulled entities.")
    collections: dict[str, str] = Field(
        default_factory=dict,
        description="Container or domain URN → Purview collection for the datasets inside it (domain first).",
    )
    email_domain: str | None = Field(
        default=None,
        description="Domain appended to corpuser ids that are not emails (corpuser:ana → ana@<domain>).",
    )
    owner_emails: dict[str, str] = Field(
        default_factory=dict, description="corpuser URN → email, for owners whose id is not their email."
    )
    classification_prefix: str = Field(
        default="DATAHUB.",
        pattern=r"^[A-Za-z0-9_.]*$",
        description="Prefix of the Purview classification name made from a tag (tag 'pii' → DATAHUB.pii).",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if self.files and self.graphql_url:
            raise ValueError("set either files or graphql_url, not both")
        if self.graphql_url and not self.graphql_url.startswith(("http://", "https://")):
            raise ValueError("graphql_url must be an http(s) URL")
        if self.graphql_url and not self.token_setting:
            raise ValueError("graphql_url needs token_setting: the app setting holding the access token")
        return self

    @property
    def pulls_graphql(self) -> bool:
        return self.graphql_url is not None
