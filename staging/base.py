"""Claim-check staging: payloads go to storage, only their string *refs* travel through durable history.

A ref is ``"{run_id}/{name}"`` (a ``.gz`` suffix on ``name`` means gzip), i.e. the blob name in the blob
backend and the relative path in the local one; it is plain JSON and identifies the payload on either backend.
Puts are idempotent (activities are at-least-once): the same ``run_id`` + ``name`` overwrites, atomically.

Backends: :class:`staging.blob.BlobStaging` (Azure Blob Storage, Azurite in dev) and
:class:`staging.local.LocalStaging` (a folder; the localdev default). Usage::

    staging = staging_from_settings(load_settings())
    ref = staging.put_jsonl(run_id, "extract/page-00001.jsonl", records, compress=True)
    for record in staging.iter_jsonl(ref): ...
    staging.cleanup(older_than=timedelta(days=7), now=now)  # drops runs idle for longer than that

Errors::

    StagingError(Exception)        staged data cannot be written or read
    ├── InvalidRefError(ValueError) a run id, name or ref that is not well formed (never touches storage)
    ├── RefNotFoundError(KeyError)  nothing is staged under the ref (deleted, cleaned up, other backend)
    └── CorruptPayloadError         the stored bytes are not the JSON / JSON lines they should be
"""

from __future__ import annotations

import json
import re
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

__all__ = [
    "GZIP_SUFFIX",
    "KEPT_AREA_PREFIX",
    "CorruptPayloadError",
    "InvalidRefError",
    "RefNotFoundError",
    "Staging",
    "StagingError",
    "check_run_id",
    "decode_json",
    "decode_jsonl",
    "encode_json",
    "encode_jsonl",
    "make_ref",
    "split_ref",
    "utc_now",
]

GZIP_SUFFIX: Final = ".gz"
_RUN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")
_MAX_NAME = 512
_CHUNK = 256 * 1024
_GZIP_WBITS = 31  # zlib window bits for the gzip container format


class StagingError(Exception):
    """Staged data cannot be written or read; ``ref`` names the payload when known."""

    def __init__(self, message: str, *, ref: str | None = None) -> None:
        super().__init__(message)
        self.ref = ref


class InvalidRefError(StagingError, ValueError):
    """A run id, name or ref that is not well formed; raised before any storage is touched."""


class RefNotFoundError(StagingError, KeyError):
    """Nothing is staged under the ref: it was deleted, cleaned up, or written by another backend."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class CorruptPayloadError(StagingError):
    """The stored bytes are not the JSON (lines) that were staged, e.g. truncated or not gzip."""


KEPT_AREA_PREFIX = "state."
"""Areas that outlive runs: the retention cleanup skips them (their owners delete what they drop)."""


def utc_now() -> datetime:
    """Default clock of the backends (injectable so tests control staging times)."""
    return datetime.now(UTC)


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a valid run id (one path segment), else ``InvalidRefError``."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id):
        raise InvalidRefError(
            f"invalid run id {run_id!r}: use 1-128 of A-Z a-z 0-9 '.' '_' '-', not starting with '.'"
        )
    return run_id


def _check_name(name: str) -> str:
    segments = name.split("/") if isinstance(name, str) else []
    if not segments or len(name) > _MAX_NAME or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise InvalidRefError(
            f"invalid staged name {name!r}: use '/'-separated segments of A-Z a-z 0-9 '.' '_' '-' "
            f"(none starting with '.'), at most {_MAX_NAME} characters"
        )
    return name


def make_ref(run_id: str, name: str) -> str:
    """The ref of ``name`` in run ``run_id``; ``InvalidRefError`` if either could escape its run."""
    return f"{check_run_id(run_id)}/{_check_name(name)}"


def split_ref(ref: str) -> tuple[str, str]:
    """``(run_id, name)`` of a ref; validates it, so a ref can never point outside the staging area."""
    if not isinstance(ref, str) or "/" not in ref:
        raise InvalidRefError(f"invalid staging ref {ref!r}: expected 'RUN_ID/NAME'", ref=str(ref))
    run_id, name = ref.split("/", 1)
    try:
        return check_run_id(run_id), _check_name(name)
    except InvalidRefError as exc:
        raise InvalidRefError(f"invalid staging ref {ref!r}: {exc}", ref=ref) from exc


def _dumps(obj: Any, ref: str) -> str:
    try:
        return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise StagingError(f"cannot stage {ref}: value is not plain JSON ({exc})", ref=ref) from exc


def encode_json(obj: Any, *, ref: str) -> bytes:
    """UTF-8 JSON bytes of ``obj`` (gzip when ``ref`` ends in ``.gz``); rejects NaN and non-JSON types."""
    data = _dumps(obj, ref).encode()
    return _gzip_all(data) if ref.endswith(GZIP_SUFFIX) else data


def encode_jsonl(records: Iterable[Mapping[str, Any]], *, ref: str) -> Iterator[bytes]:
    """Stream JSON lines of ``records`` in ~256 KiB chunks, gzip-compressed when ``ref`` ends in ``.gz``."""
    compressor = zlib.compressobj(wbits=_GZIP_WBITS) if ref.endswith(GZIP_SUFFIX) else None
    buffer: list[bytes] = []
    size = 0
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise StagingError(
                f"cannot stage {ref}: record {index} is a {type(record).__name__}, not a JSON object", ref=ref
            )
        line = (_dumps(record, ref) + "\n").encode()
        buffer.append(line)
        size += len(line)
        if size >= _CHUNK:
            chunk = b"".join(buffer)
            buffer, size = [], 0
            out = compressor.compress(chunk) if compressor else chunk
            if out:
                yield out
    tail = b"".join(buffer)
    if compressor is not None:
        tail = compressor.compress(tail) + compressor.flush()
    if tail:
        yield tail


def _gzip_all(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=_GZIP_WBITS)
    return compressor.compress(data) + compressor.flush()


def _decompress(chunks: Iterable[bytes], ref: str) -> Iterator[bytes]:
    if not ref.endswith(GZIP_SUFFIX):
        yield from chunks
        return
    decompressor = zlib.decompressobj(wbits=_GZIP_WBITS)
    try:
        for chunk in chunks:
            yield decompressor.decompress(chunk)
        yield decompressor.flush()
    except zlib.error as exc:
        raise CorruptPayloadError(f"{ref}: not valid gzip ({exc})", ref=ref) from exc
    if not decompressor.eof:
        raise CorruptPayloadError(f"{ref}: gzip stream is truncated", ref=ref)


def decode_json(chunks: Iterable[bytes], *, ref: str) -> Any:
    """The JSON value stored as ``chunks`` under ``ref``."""
    data = b"".join(_decompress(chunks, ref))
    try:
        return json.loads(data)
    except ValueError as exc:
        raise CorruptPayloadError(f"{ref}: not valid JSON ({exc})", ref=ref) from exc


def decode_jsonl(chunks: Iterable[bytes], *, ref: str) -> Iterator[dict[str, Any]]:
    """Stream the JSON objects stored as lines in ``chunks`` under ``ref`` (blank lines are ignored)."""
    pending = b""
    number = 0
    for chunk in _decompress(chunks, ref):
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            number += 1
            if line.strip():
                yield _parse_line(line, number, ref)
    if pending.strip():
        yield _parse_line(pending, number + 1, ref)


def _parse_line(line: bytes, number: int, ref: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError as exc:
        raise CorruptPayloadError(f"{ref}: line {number} is not valid JSON ({exc})", ref=ref) from exc
    if not isinstance(value, dict):
        raise CorruptPayloadError(f"{ref}: line {number} is not a JSON object", ref=ref)
    return value


class Staging(ABC):
    """Claim-check store of one app: JSON documents and JSON-lines streams, grouped by run."""

    @abstractmethod
    def _write(self, ref: str, data: bytes | Iterable[bytes]) -> None:
        """Store ``data`` (bytes, or a stream of chunks) under ``ref`` atomically, replacing what is there."""

    @abstractmethod
    def _read(self, ref: str) -> Iterator[bytes]:
        """Open ``ref`` now (``RefNotFoundError`` if there is nothing) and stream its bytes lazily."""

    @abstractmethod
    def delete_run(self, run_id: str) -> int:
        """Delete everything staged for ``run_id``; returns how many payloads went (0 if none: idempotent)."""

    @abstractmethod
    def run_times(self) -> dict[str, datetime]:
        """Each run id with staged data and the time of its latest put."""

    @abstractmethod
    def delete(self, ref: str) -> bool:
        """Delete one payload; whether there was one (idempotent)."""

    def put_json(self, run_id: str, name: str, obj: Any) -> str:
        """Stage one JSON value; returns its ref. Same run and name overwrites (idempotent retries)."""
        ref = make_ref(run_id, name)
        self._write(ref, encode_json(obj, ref=ref))
        return ref

    def put_jsonl(
        self, run_id: str, name: str, records: Iterable[Mapping[str, Any]], *, compress: bool = False
    ) -> str:
        """Stream ``records`` as JSON lines; returns the ref (``name`` + ``.gz`` when ``compress``)."""
        if compress and not name.endswith(GZIP_SUFFIX):
            name += GZIP_SUFFIX
        ref = make_ref(run_id, name)
        self._write(ref, encode_jsonl(records, ref=ref))
        return ref

    def get_json(self, ref: str) -> Any:
        """The JSON value staged under ``ref``; ``RefNotFoundError`` if there is none."""
        split_ref(ref)
        return decode_json(self._read(ref), ref=ref)

    def iter_jsonl(self, ref: str) -> Iterator[dict[str, Any]]:
        """Stream the records staged under ``ref``; ``RefNotFoundError`` at once if there are none."""
        split_ref(ref)
        return decode_jsonl(self._read(ref), ref=ref)

    def cleanup(self, older_than: timedelta, now: datetime) -> list[str]:
        """Delete the runs whose latest put is older than ``now - older_than``; returns their ids, sorted.

        A run still being written keeps all its data: only runs idle for the whole window go. Areas named
        ``state.*`` (a catalog's manifests and journal) are not runs and are never cleaned up here.
        """
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        if older_than < timedelta(0):
            raise ValueError("older_than must not be negative")
        cutoff = now - older_than
        stale = sorted(
            run
            for run, latest in self.run_times().items()
            if latest < cutoff and not run.startswith(KEPT_AREA_PREFIX)
        )
        for run_id in stale:
            self.delete_run(run_id)
        return stale
