"""The claim check: payloads go to storage and only their string refs travel through durable history.

``base`` is the contract (refs, codecs, errors, the ``Staging`` interface); ``local`` and ``blob`` are the
backends; ``factory`` picks one from the app settings. Import from here::

    from staging import Staging, staging_from_settings, RefNotFoundError
"""

from staging.base import (
    GZIP_SUFFIX,
    KEPT_AREA_PREFIX,
    CorruptPayloadError,
    InvalidRefError,
    RefNotFoundError,
    Staging,
    StagingError,
    check_run_id,
    decode_json,
    decode_jsonl,
    encode_json,
    encode_jsonl,
    make_ref,
    split_ref,
    utc_now,
)
from staging.factory import staging_from_settings

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
    "staging_from_settings",
    "utc_now",
]
