"""Entity keys: safe for durable instance ids, decodable when short, stable and distinct when hashed."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entities.keys import (
    FORBIDDEN_CHARS,
    HASH_MARKER,
    MAX_KEY_LENGTH,
    HashedKeyError,
    decode_key,
    encode_key,
    identity_key,
    identity_key_of,
    is_hashed,
)

# Arbitrary unicode (hypothesis leaves out lone surrogates), biased towards the characters that matter here.
TRICKY = "|@/\\?#%!~:,;=() \t\n\x00\x7f\u00e9\u200b\U0001f600"
PART = st.one_of(
    st.text(min_size=1, max_size=80),
    st.text(alphabet=TRICKY, min_size=1, max_size=40),
    st.text(min_size=150, max_size=300),
)
TRIPLE = st.tuples(PART, PART, PART)
ESCAPE_OK = re.compile(r"%[0-9A-F]{2}")


def _check_safe(key: str) -> None:
    assert len(key) <= MAX_KEY_LENGTH
    assert key.isascii() and key.isprintable()
    assert not (set(key) & (FORBIDDEN_CHARS - {"%"}))
    assert "%" not in ESCAPE_OK.sub("", key), "every % starts a complete upper-case escape"


@given(TRIPLE)
def test_round_trip_or_hashed(triple: tuple[str, str, str]) -> None:
    key = encode_key(*triple)
    _check_safe(key)
    if is_hashed(key):
        with pytest.raises(HashedKeyError):
            decode_key(key)
    else:
        assert key.count("|") == 2
        assert decode_key(key) == triple


@given(st.text(alphabet=TRICKY, min_size=1, max_size=40))
def test_short_ids_with_any_special_character_round_trip(external_id: str) -> None:
    key = encode_key("cat", "asset", external_id)
    assert not is_hashed(key)
    assert decode_key(key) == ("cat", "asset", external_id)


@given(TRIPLE, TRIPLE)
def test_distinct_objects_get_distinct_keys(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    if a != b:
        assert encode_key(*a) != encode_key(*b)


@given(st.text(min_size=MAX_KEY_LENGTH, max_size=400))
def test_long_keys_are_hashed_with_a_readable_prefix(external_id: str) -> None:
    key = encode_key("hive", "asset", external_id)
    assert is_hashed(key)
    _check_safe(key)
    prefix, digest = key.split(HASH_MARKER)
    assert prefix.startswith("hive|asset|")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert key == encode_key("hive", "asset", external_id)


def test_examples_stay_readable() -> None:
    assert encode_key("hive", "asset", "db/table@prod") == "hive|asset|db%2Ftable%40prod"
    assert encode_key("dh", "asset", "urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)") == (
        "dh|asset|urn:li:dataset:(urn:li:dataPlatform:hive,db.t,PROD)"
    )
    assert encode_key("c", "k", "a|b%c!") == "c|k|a%7Cb%25c%21"
    assert encode_key("C", "k", "X") != encode_key("c", "k", "x")  # keys are case-sensitive


def test_length_boundary() -> None:
    fits = "x" * (MAX_KEY_LENGTH - len("c|k|"))
    assert encode_key("c", "k", fits) == f"c|k|{fits}"
    assert is_hashed(encode_key("c", "k", fits + "x"))


@pytest.mark.parametrize("shift", range(4))
def test_prefix_never_ends_inside_an_escape(shift: int) -> None:
    key = encode_key("c", "k", "x" * shift + "@" * 100)
    prefix = key.split(HASH_MARKER)[0]
    assert re.fullmatch(r"c\|k\|x*(%40)*", prefix)


@pytest.mark.parametrize(
    ("parts", "what"),
    [(("", "k", "x"), "catalog"), (("c", "", "x"), "kind"), (("c", "k", ""), "external_id")],
)
def test_empty_parts_are_rejected(parts: tuple[str, str, str], what: str) -> None:
    with pytest.raises(ValueError, match=what):
        encode_key(*parts)


def test_lone_surrogate_is_rejected() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        encode_key("c", "k", "\ud800")


@pytest.mark.parametrize(
    "key",
    ["c|k", "c|k|x|y", "c|k|%2f", "c|k|a b", "c|k|%ZZ", "|k|x", "c|k|%FF", "c|k|a@b"],
)
def test_decode_rejects_non_canonical_keys(key: str) -> None:
    with pytest.raises(ValueError, match=r"must have 3 parts|not a valid|not in canonical form"):
        decode_key(key)


def test_identity_keys_are_encoded_like_object_keys() -> None:
    assert identity_key("hive_table", "db.t@prod") == "hive_table|db.t%40prod"
    assert identity_key("t", "a|b") == "t|a%7Cb"  # the separator inside a part is escaped
    assert identity_key_of("hive_table|db.t@prod") == identity_key("hive_table", "db.t@prod")
    assert identity_key_of("t|a|b") == identity_key("t", "a|b")  # only the first | separates
    long_name = "q" * 500
    assert identity_key("t", long_name).startswith("t|qqq") and is_hashed(identity_key("t", long_name))
    with pytest.raises(ValueError, match="qualified_name must not be empty"):
        identity_key_of("hive_table")
