"""Staging refs, the JSON/JSON-lines codec, the settings factory, and local-folder specifics.

The full backend contract (both backends, Azurite included) is in tests/integration/staging.
"""

from __future__ import annotations

import gzip
import itertools
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import staging
from config.errors import SettingsError
from config.settings import Settings
from staging import (
    CorruptPayloadError,
    InvalidRefError,
    StagingError,
    decode_json,
    decode_jsonl,
    encode_json,
    encode_jsonl,
    make_ref,
    split_ref,
    staging_from_settings,
)
from staging.blob import BlobStaging
from staging.local import LocalStaging

segments = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}", fullmatch=True)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
records = st.lists(
    st.dictionaries(st.text(max_size=8), scalars | st.lists(scalars, max_size=3), max_size=4), max_size=12
)


def split_anywhere(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at arbitrary offsets: decoders must not depend on chunk boundaries."""
    points = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(segments, st.lists(segments, min_size=1, max_size=4))
def test_ref_round_trip(run_id: str, parts: list[str]) -> None:
    name = "/".join(parts)
    ref = make_ref(run_id, name)
    assert ref == f"{run_id}/{name}"
    assert split_ref(ref) == (run_id, name)


@pytest.mark.parametrize(
    ("run_id", "name"),
    [
        ("..", "x"),
        (".hidden", "x"),
        ("a/b", "x"),
        ("", "x"),
        ("run", ""),
        ("run", "../x"),
        ("run", "a//b"),
        ("run", "a/./b"),
        ("run", "a\\b"),
        ("run", "/abs"),
        ("run", "x?y"),
        ("r" * 129, "x"),
        ("run", "x" * 513),
    ],
)
def test_names_that_could_escape_are_rejected(run_id: str, name: str) -> None:
    with pytest.raises(InvalidRefError):
        make_ref(run_id, name)


@pytest.mark.parametrize("ref", ["", "noslash", "../x", "run/../x", 42, None])
def test_malformed_refs(ref: Any) -> None:
    with pytest.raises(InvalidRefError, match="invalid staging ref"):
        split_ref(ref)


@given(json_values, st.booleans(), st.lists(st.integers(min_value=0), max_size=5))
def test_json_codec_round_trip(value: Any, compress: bool, cuts: list[int]) -> None:
    ref = "run/doc.json" + (".gz" if compress else "")
    data = encode_json(value, ref=ref)
    assert decode_json(split_anywhere(data, cuts), ref=ref) == value


@given(records, st.booleans(), st.lists(st.integers(min_value=0), max_size=8))
def test_jsonl_codec_round_trip_on_any_chunk_boundaries(
    rows: list[dict[str, Any]], compress: bool, cuts: list[int]
) -> None:
    ref = "run/page.jsonl" + (".gz" if compress else "")
    data = b"".join(encode_jsonl(rows, ref=ref))
    assert list(decode_jsonl(split_anywhere(data, cuts), ref=ref)) == rows


def test_gzip_output_is_standard_gzip() -> None:
    data = b"".join(encode_jsonl([{"a": 1}, {"b": "ü"}], ref="r/p.jsonl.gz"))
    assert gzip.decompress(data) == '{"a":1}\n{"b":"ü"}\n'.encode()


@pytest.mark.parametrize(
    ("ref", "data", "message"),
    [
        ("r/p.jsonl", b'{"a":1}\nnot json\n', "line 2 is not valid JSON"),
        ("r/p.jsonl", b'{"a":1}\n[1,2]\n', "line 2 is not a JSON object"),
        ("r/p.jsonl.gz", b"plain text", "not valid gzip"),
        ("r/p.jsonl.gz", gzip.compress(b'{"a":1}\n' * 100)[:-20], "truncated"),
        ("r/d.json", b'{"a":', "not valid JSON"),
    ],
)
def test_corrupt_payloads(ref: str, data: bytes, message: str) -> None:
    with pytest.raises(CorruptPayloadError, match=message):
        if ref.endswith(".json"):
            decode_json([data], ref=ref)
        else:
            list(decode_jsonl([data], ref=ref))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {1: object()}, {"a": {1, 2}}])
def test_non_json_values_are_refused(value: Any) -> None:
    with pytest.raises(StagingError, match="not plain JSON"):
        encode_json(value, ref="r/x.json")


def test_non_object_record_is_refused() -> None:
    with pytest.raises(StagingError, match="record 1 is a list"):
        list(encode_jsonl([{"ok": 1}, [1]], ref="r/x.jsonl"))  # type: ignore[list-item]


def test_factory_local(tmp_path: Path) -> None:
    backend = staging_from_settings(Settings(staging_backend="local", staging_dir=str(tmp_path)))
    assert isinstance(backend, LocalStaging)
    assert backend.root == tmp_path


def test_factory_blob_without_connection_names_the_setting() -> None:
    settings = Settings(staging_backend="blob", staging_connection_setting="StagingStorage")
    with pytest.raises(SettingsError, match=r"app setting 'StagingStorage' .* unset or empty"):
        staging_from_settings(settings, environ={"StagingStorage": ""})


def test_factory_blob_with_account_url_uses_the_identity() -> None:
    settings = Settings(staging_account_url="https://acct.blob.core.windows.net", staging_container="stage-x")
    backend = staging_from_settings(settings, environ={})
    assert isinstance(backend, BlobStaging)
    assert backend.container.url == "https://acct.blob.core.windows.net/stage-x"
    assert type(backend.container.credential).__name__ == "DefaultAzureCredential"


@pytest.mark.parametrize(
    ("environ", "url"),
    [
        (
            {"Staging__blobServiceUri": "https://one.blob.core.windows.net"},
            "https://one.blob.core.windows.net",
        ),
        ({"STAGING__ACCOUNTNAME": "two", "Staging__clientId": "id-1"}, "https://two.blob.core.windows.net"),
    ],
)
def test_factory_blob_with_identity_based_connection(environ: dict[str, str], url: str) -> None:
    settings = Settings(staging_connection_setting="Staging", staging_container="stage-x")
    backend = staging_from_settings(settings, environ=environ)
    assert isinstance(backend, BlobStaging)
    assert backend.container.url == f"{url}/stage-x"
    assert type(backend.container.credential).__name__ == "DefaultAzureCredential"


def test_factory_blob_prefers_the_connection_string() -> None:
    connection = "UseDevelopmentStorage=true"
    settings = Settings(staging_connection_setting="Staging", staging_container="stage-x")
    backend = staging_from_settings(
        settings, environ={"staging": connection, "Staging__accountName": "ignored"}
    )
    assert isinstance(backend, BlobStaging)
    assert backend.container.url == "http://127.0.0.1:10000/devstoreaccount1/stage-x"


def test_local_put_leaves_no_temp_files_and_stamps_the_clock(tmp_path: Path) -> None:
    stamp = datetime(2024, 2, 1, 10, 30, tzinfo=UTC)
    local = LocalStaging(tmp_path, clock=lambda: stamp)
    local.put_jsonl("run-1", "a/b.jsonl", [{"x": 1}], compress=True)
    local.put_jsonl("run-1", "a/b.jsonl", [{"x": 2}], compress=True)
    assert sorted(p.name for p in (tmp_path / "run-1" / "a").iterdir()) == ["b.jsonl.gz"]
    assert os.stat(tmp_path / "run-1" / "a" / "b.jsonl.gz").st_mtime == stamp.timestamp()
    assert local.run_times() == {"run-1": stamp}


def test_local_ignores_foreign_folders(tmp_path: Path) -> None:
    (tmp_path / ".cache").mkdir()
    (tmp_path / "README").write_text("not a run")
    local = LocalStaging(tmp_path)
    assert local.run_times() == {}


def test_exports() -> None:
    assert len(set(staging.__all__)) == len(staging.__all__)
    assert all(hasattr(staging, name) for name in staging.__all__)
