"""Local-folder staging backend (localdev and tests): ``{root}/{run_id}/{name}``.

Writes go to a temporary file in the target folder and are renamed into place with ``os.replace``, so a
reader never sees a half-written payload and a crashed put leaves the previous version (or nothing). The
file's mtime is set to the staging clock, which is what retention cleanup reads.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from staging.base import InvalidRefError, RefNotFoundError, Staging, check_run_id, split_ref, utc_now

__all__ = ["LocalStaging"]

logger = logging.getLogger(__name__)

_TMP_PREFIX = ".tmp-"
_READ_SIZE = 256 * 1024


class LocalStaging(Staging):
    """Staging in a local folder (created on first put).

    >>> staging = LocalStaging(".localdev/staging")  # doctest: +SKIP
    >>> staging.get_json(staging.put_json("run-1", "summary.json", {"n": 1}))  # doctest: +SKIP
    {'n': 1}
    """

    def __init__(self, root: str | os.PathLike[str], *, clock: Callable[[], datetime] = utc_now) -> None:
        self.root = Path(root)
        self._clock = clock

    def __repr__(self) -> str:
        return f"LocalStaging({str(self.root)!r})"

    def _path(self, ref: str) -> Path:
        run_id, name = split_ref(ref)
        return self.root / run_id / Path(*name.split("/"))

    def _write(self, ref: str, data: bytes | Iterable[bytes]) -> None:
        path = self._path(ref)
        chunks = [data] if isinstance(data, bytes) else data
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            stamp = self._clock().timestamp()
            os.utime(tmp, (stamp, stamp))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, ref: str) -> Iterator[bytes]:
        path = self._path(ref)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise RefNotFoundError(f"nothing staged under {ref!r} in {self.root}", ref=ref) from exc
        return _chunks(handle)

    def delete_run(self, run_id: str) -> int:
        folder = self.root / check_run_id(run_id)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file() and not p.name.startswith(_TMP_PREFIX))
        shutil.rmtree(folder, onerror=_ignore_missing)
        logger.info("deleted %d staged payloads of run %s", count, run_id)
        return count

    def delete(self, ref: str) -> bool:
        path = self._path(ref)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return False
        return True

    def run_times(self) -> dict[str, datetime]:
        if not self.root.is_dir():
            return {}
        times: dict[str, datetime] = {}
        for folder in self.root.iterdir():
            if not folder.is_dir() or not _is_run_id(folder.name):
                continue
            stamps = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file()]
            stamp = max(stamps) if stamps else folder.stat().st_mtime
            times[folder.name] = datetime.fromtimestamp(stamp, UTC)
        return times


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_READ_SIZE):
            yield chunk


def _ignore_missing(function: Callable[..., object], path: str, exc_info: Any) -> None:
    """A concurrent cleanup may remove files first; anything else is a real error."""
    exc = exc_info[1]
    if not isinstance(exc, FileNotFoundError):
        raise exc


def _is_run_id(name: str) -> bool:
    try:
        check_run_id(name)
    except InvalidRefError:
        return False
    return True
