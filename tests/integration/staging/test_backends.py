"""The same staging contract, run against both backends: Azurite-backed blob storage and a local folder."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from staging import InvalidRefError, RefNotFoundError, Staging, StagingError, staging_from_settings
from staging.blob import BlobStaging
from staging.local import LocalStaging
from tests.integration.staging.helpers import Azurite, Clock, require_azurite

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(params=["blob", "local"])
def staging(request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, container_name: str) -> Staging:
    if request.param == "local":
        return LocalStaging(tmp_path / "staging", clock=clock)
    azurite: Azurite = request.getfixturevalue("azurite")
    return BlobStaging.from_connection_string(azurite.connection_string, container_name, clock=clock)


def records(count: int, tag: str = "r") -> Iterator[dict[str, Any]]:
    for index in range(count):
        yield {"id": f"{tag}-{index}", "name": f"Tabelle ü {index}", "columns": [{"n": "x" * 40}] * 3}


def test_put_and_get_json(staging: Staging) -> None:
    doc = {"catalog": "demo", "count": 3, "items": ["a", "ü", None], "ratio": 0.5}
    ref = staging.put_json("run-1", "summary.json", doc)
    assert ref == "run-1/summary.json"
    assert staging.get_json(ref) == doc


@pytest.mark.parametrize("compress", [False, True])
def test_jsonl_round_trip_streams_many_chunks(staging: Staging, compress: bool) -> None:
    count = 5_000  # ~1.3 MB of lines: several encoder chunks, several downloaded chunks
    ref = staging.put_jsonl("run-1", "extract/page-00001.jsonl", records(count), compress=compress)
    assert ref == "run-1/extract/page-00001.jsonl" + (".gz" if compress else "")
    got = list(staging.iter_jsonl(ref))
    assert got == list(records(count))


def test_compressed_payload_is_gzip_and_smaller(staging: Staging) -> None:
    plain = staging.put_jsonl("run-1", "p.jsonl", records(2_000))
    packed = staging.put_jsonl("run-1", "p.jsonl", records(2_000), compress=True)
    raw_plain = b"".join(staging._read(plain))
    raw_packed = b"".join(staging._read(packed))
    assert raw_packed[:2] == b"\x1f\x8b"
    assert len(raw_packed) * 5 < len(raw_plain)


def test_empty_jsonl(staging: Staging) -> None:
    ref = staging.put_jsonl("run-1", "empty.jsonl", [])
    assert list(staging.iter_jsonl(ref)) == []


def test_put_is_idempotent_overwrite(staging: Staging) -> None:
    first = staging.put_jsonl("run-1", "page.jsonl", records(10, "old"))
    second = staging.put_jsonl("run-1", "page.jsonl", records(3, "new"))
    assert first == second
    assert [r["id"] for r in staging.iter_jsonl(second)] == ["new-0", "new-1", "new-2"]
    staging.put_json("run-1", "doc.json", {"v": 1})
    staging.put_json("run-1", "doc.json", {"v": 2})
    assert staging.get_json("run-1/doc.json") == {"v": 2}
    assert staging.delete_run("run-1") == 2  # one object per name, not one per put


def test_failed_put_keeps_previous_version(staging: Staging) -> None:
    ref = staging.put_jsonl("run-1", "page.jsonl", records(5, "good"))

    def broken() -> Iterator[dict[str, Any]]:
        yield from records(3_000, "partial")  # more than one chunk is written before the failure
        raise RuntimeError("source went away")

    with pytest.raises(RuntimeError, match="source went away"):
        staging.put_jsonl("run-1", "page.jsonl", broken())
    assert [r["id"] for r in staging.iter_jsonl(ref)] == [f"good-{i}" for i in range(5)]


def test_non_json_value_is_rejected_before_anything_is_stored(staging: Staging) -> None:
    with pytest.raises(StagingError, match="not plain JSON"):
        staging.put_json("run-1", "bad.json", {"x": float("nan")})
    with pytest.raises(RefNotFoundError):
        staging.get_json("run-1/bad.json")


def test_delete_run_removes_only_that_run(staging: Staging) -> None:
    keep = staging.put_json("run-2", "a.json", [2])
    staging.put_json("run-1", "a.json", [1])
    staging.put_jsonl("run-1", "nested/deep/b.jsonl", records(2), compress=True)
    assert staging.delete_run("run-1") == 2
    assert staging.delete_run("run-1") == 0
    with pytest.raises(RefNotFoundError):
        staging.get_json("run-1/a.json")
    assert staging.get_json(keep) == [2]
    assert set(staging.run_times()) == {"run-2"}


def test_delete_and_cleanup_on_empty_store(staging: Staging, clock: Clock) -> None:
    assert staging.delete_run("never") == 0
    assert staging.cleanup(timedelta(days=1), clock.now) == []
    assert staging.run_times() == {}


def test_retention_cleanup_drops_idle_runs_only(staging: Staging, clock: Clock) -> None:
    start = clock.now
    staging.put_json("old", "a.json", 1)
    staging.put_json("busy", "a.json", 1)
    clock.advance(timedelta(days=6))
    staging.put_json("busy", "b.json", 2)  # latest put of the run is recent: the whole run stays
    staging.put_json("new", "a.json", 3)
    now = start + timedelta(days=8)

    assert staging.run_times() == {
        "old": start,
        "busy": start + timedelta(days=6),
        "new": start + timedelta(days=6),
    }
    assert staging.cleanup(timedelta(days=7), now) == ["old"]
    assert staging.cleanup(timedelta(days=7), now) == []
    assert staging.get_json("busy/a.json") == 1
    assert staging.get_json("new/a.json") == 3
    with pytest.raises(RefNotFoundError):
        staging.get_json("old/a.json")
    assert staging.cleanup(timedelta(0), now) == ["busy", "new"]


def test_missing_ref_is_a_clear_error(staging: Staging) -> None:
    staging.put_json("run-1", "there.json", 1)
    for ref in ("run-1/missing.json", "other-run/page.jsonl"):
        with pytest.raises(RefNotFoundError, match=f"nothing staged under '{ref}'") as info:
            staging.get_json(ref)
        assert info.value.ref == ref
        with pytest.raises(KeyError):  # raised when iter_jsonl is called, not on first next()
            staging.iter_jsonl(ref)


@pytest.mark.parametrize("ref", ["../etc/passwd", "run-1/../../x", "run-1", "/abs/x", "run-1/.hidden", ""])
def test_malformed_ref_never_reaches_storage(staging: Staging, ref: str) -> None:
    with pytest.raises(InvalidRefError):
        staging.get_json(ref)


def test_blob_container_is_created_on_first_put(azurite: Azurite, container_name: str) -> None:
    staging = BlobStaging.from_connection_string(azurite.connection_string, container_name)
    assert not staging.container.exists()
    with pytest.raises(RefNotFoundError):
        staging.get_json("run-1/a.json")
    staging.put_json("run-1", "a.json", {"ok": True})
    assert staging.container.exists()
    blob = staging.container.get_blob_client("run-1/a.json").get_blob_properties()
    assert blob.metadata["run_id"] == "run-1"
    assert "staged_at" in blob.metadata


def test_factory_builds_blob_staging_from_the_named_connection_setting(
    azurite: Azurite, container_name: str
) -> None:
    settings = Settings(staging_container=container_name, staging_connection_setting="StagingStorage")
    staging = staging_from_settings(settings, environ={"STAGINGSTORAGE": azurite.connection_string})
    assert isinstance(staging, BlobStaging)
    ref = staging.put_jsonl("run-9", "p.jsonl", records(2))
    assert [r["id"] for r in staging.iter_jsonl(ref)] == ["r-0", "r-1"]


def test_missing_azurite_fails_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=r"run `npm ci`"):
        require_azurite(tmp_path / "node_modules" / ".bin" / "azurite-blob")
