"""Azure Blob Storage staging backend: blob ``{run_id}/{name}`` in one container (created if missing).

Uploads commit a block list at the end, so a blob is replaced atomically and a crashed put leaves the old
version. Each blob carries ``staged_at`` metadata (the staging clock) that retention cleanup reads; the blob's
``last_modified`` is the fallback for blobs written without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Final

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient, ContentSettings

from staging.base import (
    GZIP_SUFFIX,
    InvalidRefError,
    RefNotFoundError,
    Staging,
    check_run_id,
    split_ref,
    utc_now,
)

__all__ = ["CLIENT_TIMEOUTS", "STAGED_AT", "BlobStaging"]

logger = logging.getLogger(__name__)

STAGED_AT: Final = "staged_at"
"""Blob metadata key holding the ISO-8601 UTC time of the put."""

CLIENT_TIMEOUTS: Final[dict[str, Any]] = {"connection_timeout": 20, "read_timeout": 120}
"""Socket timeouts (seconds) of every client this module creates; the SDK retries transient errors."""


class BlobStaging(Staging):
    """Staging in one blob container; build it with a factory or pass a ``ContainerClient`` (tests).

    >>> staging = BlobStaging.from_account_url("https://acct.blob.core.windows.net", "federation-staging")
    ... # doctest: +SKIP
    """

    def __init__(self, container: ContainerClient, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.container = container
        self._clock = clock
        self._container_ready = False

    @classmethod
    def from_connection_string(
        cls, connection_string: str, container: str, *, clock: Callable[[], datetime] = utc_now
    ) -> BlobStaging:
        """From a storage connection string (Azurite/dev, or a key-based account)."""
        service = BlobServiceClient.from_connection_string(connection_string, **CLIENT_TIMEOUTS)
        return cls(service.get_container_client(container), clock=clock)

    @classmethod
    def from_account_url(
        cls,
        account_url: str,
        container: str,
        *,
        credential: Any = None,
        managed_identity_client_id: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> BlobStaging:
        """From the blob service URL and a token credential (default: ``DefaultAzureCredential``).

        ``managed_identity_client_id`` selects a user-assigned identity for the default credential.
        """
        if credential is None:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
        service = BlobServiceClient(account_url, credential=credential, **CLIENT_TIMEOUTS)
        return cls(service.get_container_client(container), clock=clock)

    def __repr__(self) -> str:
        return f"BlobStaging({self.container.url!r})"

    def _ensure_container(self) -> None:
        if self._container_ready:
            return
        try:
            self.container.create_container()
            logger.info("created staging container %s", self.container.container_name)
        except ResourceExistsError:
            pass
        self._container_ready = True

    def _write(self, ref: str, data: bytes | Iterable[bytes]) -> None:
        run_id, name = split_ref(ref)
        self._ensure_container()
        if name.endswith(GZIP_SUFFIX):
            content_type = "application/gzip"
        elif name.endswith(".jsonl"):
            content_type = "application/x-ndjson"
        else:
            content_type = "application/json"
        # bytes: one Put Blob; a stream: staged blocks committed at the end. Both replace atomically.
        self.container.get_blob_client(ref).upload_blob(
            data if isinstance(data, bytes) else iter(data),
            overwrite=True,
            metadata={STAGED_AT: self._clock().isoformat(), "run_id": run_id},
            content_settings=ContentSettings(content_type=content_type),
        )

    def _read(self, ref: str) -> Iterator[bytes]:
        split_ref(ref)
        try:
            downloader = self.container.get_blob_client(ref).download_blob()
        except ResourceNotFoundError as exc:
            raise RefNotFoundError(
                f"nothing staged under {ref!r} in container {self.container.container_name!r}", ref=ref
            ) from exc
        return iter(downloader.chunks())

    def delete_run(self, run_id: str) -> int:
        prefix = check_run_id(run_id) + "/"
        deleted = 0
        try:
            names = [blob.name for blob in self.container.list_blobs(name_starts_with=prefix)]
        except ResourceNotFoundError:  # no container yet: nothing was ever staged
            return 0
        for name in names:
            try:
                self.container.delete_blob(name, delete_snapshots="include")
                deleted += 1
            except ResourceNotFoundError:  # a concurrent cleanup got there first
                pass
        logger.info("deleted %d staged blobs of run %s", deleted, run_id)
        return deleted

    def delete(self, ref: str) -> bool:
        split_ref(ref)
        try:
            self.container.delete_blob(ref, delete_snapshots="include")
        except ResourceNotFoundError:
            return False
        return True

    def run_times(self) -> dict[str, datetime]:
        times: dict[str, datetime] = {}
        try:
            blobs = list(self.container.list_blobs(include=["metadata"]))
        except ResourceNotFoundError:
            return {}
        for blob in blobs:
            run_id = blob.name.split("/", 1)[0]
            try:
                check_run_id(run_id)
            except InvalidRefError:
                continue  # not ours: leave foreign blobs alone
            stamp = _staged_at(blob.metadata or {}) or blob.last_modified
            if run_id not in times or stamp > times[run_id]:
                times[run_id] = stamp
        return times


def _staged_at(metadata: dict[str, str]) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(metadata[STAGED_AT])
    except (KeyError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else None
