"""Entity keys of ``sync_state`` (``{catalog}|{kind}|{external_id}``) and ``identity_claim``, id-safe.

An entity's instance id is ``@name@key``. The SDK's ``EntityId.get_entity_id`` cannot parse a key
containing ``@``, and instance ids must not contain ``/ \\ ? #`` or control characters. So each part is
percent-encoded with a small safe set: the result is printable ASCII, never contains those characters, and a
``|`` inside a part is encoded, which keeps the two separators unambiguous. Encoding is deterministic
(upper-case hex), so one object always maps to one entity; keys are case-sensitive, as entity keys are.

Keys longer than :data:`MAX_KEY_LENGTH` become a readable prefix, :data:`HASH_MARKER` and the sha256 of the
full encoded key. A hashed key cannot be decoded (:class:`HashedKeyError`); that is why the sync state stores
catalog, kind and external id itself.

Usage::

    key = encode_key("hive", "asset", "db/table@prod")  # 'hive|asset|db%2Ftable%40prod'
    decode_key(key)  # ('hive', 'asset', 'db/table@prod')
"""

from __future__ import annotations

import hashlib
from typing import Final
from urllib.parse import quote, unquote

__all__ = [
    "FORBIDDEN_CHARS",
    "HASH_MARKER",
    "MAX_KEY_LENGTH",
    "SEPARATOR",
    "HashedKeyError",
    "decode_key",
    "encode_key",
    "identity_key",
    "identity_key_of",
    "is_hashed",
]

SEPARATOR: Final = "|"
"""Joins the three encoded parts (never appears inside an encoded part)."""

HASH_MARKER: Final = "!"
"""Separates the readable prefix from the digest in a hashed key (never appears in an unhashed key)."""

MAX_KEY_LENGTH: Final = 200
"""Longest key kept as is; longer ones are hashed (and a hashed key is exactly this long or shorter)."""

FORBIDDEN_CHARS: Final = frozenset("@/\\?#%")
"""Characters a part never contributes literally (``%`` appears only as the start of an escape)."""

# Readable characters, harmless in instance ids and URL paths and common in external ids such as DataHub URNs
# ``urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)``. quote() always keeps ``A-Za-z0-9_.-~`` too.
_SAFE: Final = ":,;=()"
_DIGEST_LENGTH: Final = 64
_PREFIX_LENGTH: Final = MAX_KEY_LENGTH - len(HASH_MARKER) - _DIGEST_LENGTH


class HashedKeyError(ValueError):
    """The key was hashed because it was too long; its parts cannot be recovered from it."""


def _encode_part(part: str, what: str) -> str:
    if not part:
        raise ValueError(f"{what} must not be empty")
    # errors="strict": a lone surrogate cannot become UTF-8 and is rejected rather than silently replaced.
    return quote(part, safe=_SAFE, encoding="utf-8", errors="strict")


def _key(**parts: str) -> str:
    """The named parts, encoded in order, joined by :data:`SEPARATOR` and bounded."""
    return _bounded(SEPARATOR.join(_encode_part(part, what) for what, part in parts.items()))


def encode_key(catalog: str, kind: str, external_id: str) -> str:
    """Return the entity key of one object (deterministic; at most :data:`MAX_KEY_LENGTH` characters).

    Raises ``ValueError`` for an empty part or text that cannot be UTF-8 encoded (lone surrogates).
    """
    return _key(catalog=catalog, kind=kind, external_id=external_id)


def identity_key(type_name: str, qualified_name: str) -> str:
    """Entity key of one Purview identity (type name + qualifiedName) for ``identity_claim`` entities.

    Encoded and hashed like a sync-state key, so any qualifiedName (URLs, ``@``, ``/``) makes a valid key.
    """
    return _key(type_name=type_name, qualified_name=qualified_name)


def identity_key_of(identity: str) -> str:
    """:func:`identity_key` of an identity as sync states store it: ``type_name|qualifiedName``."""
    type_name, _, qualified_name = identity.partition(SEPARATOR)
    return identity_key(type_name, qualified_name)


def _bounded(full: str) -> str:
    """``full`` itself when short enough, else a readable prefix, the marker and its sha256."""
    if len(full) <= MAX_KEY_LENGTH:
        return full
    prefix = full[:_PREFIX_LENGTH]
    # Drop a trailing partial escape ("%" or "%X") so the prefix stays valid percent-encoded text.
    cut = prefix.rfind("%", len(prefix) - 2)
    if cut != -1:
        prefix = prefix[:cut]
    digest = hashlib.sha256(full.encode("ascii")).hexdigest()
    return f"{prefix}{HASH_MARKER}{digest}"


def is_hashed(key: str) -> bool:
    """Tell whether ``key`` is a hashed (undecodable) key."""
    return HASH_MARKER in key


def decode_key(key: str) -> tuple[str, str, str]:
    """Return ``(catalog, kind, external_id)`` of an unhashed key made by :func:`encode_key`.

    Raises :class:`HashedKeyError` for a hashed key (read catalog/kind/external_id from the entity state
    instead) and ``ValueError`` for text that :func:`encode_key` would not have produced.
    """
    if is_hashed(key):
        raise HashedKeyError(f"key {key!r} is hashed; read catalog/kind/external_id from the sync state")
    parts = key.split(SEPARATOR)
    if len(parts) != 3:
        raise ValueError(f"key {key!r} must have 3 parts separated by {SEPARATOR!r}, found {len(parts)}")
    try:
        catalog, kind, external_id = (unquote(p, encoding="utf-8", errors="strict") for p in parts)
        canonical = encode_key(catalog, kind, external_id)
    except ValueError as exc:
        raise ValueError(f"key {key!r} is not a valid sync_state key: {exc}") from exc
    if canonical != key:
        raise ValueError(f"key {key!r} is not in canonical form (expected {canonical!r})")
    return catalog, kind, external_id
