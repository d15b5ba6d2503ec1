"""Blind indexes (mirrors crypto/_blind)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import (
    DEFAULT_BLIND_INDEX_BITS,
    BlindIndex,
    LocalKeyring,
    normalise_personnummer,
    normalise_phone,
)

KEY = bytes(range(32))


def test_known_answer_matches_hmac_sha256_of_the_documented_message() -> None:
    message = b"helpline/blind-index/v1\x00" + b"\x00\x00\x00\x0cpersonnummer" + b"198112189876"
    expected = hmac.new(KEY, message, hashlib.sha256).digest()
    index = BlindIndex(KEY, purpose="personnummer", bits=256)
    assert index.compute("198112189876") == expected
    assert BlindIndex(KEY, purpose="personnummer").compute("198112189876") == expected[:2]


def test_default_truncation_is_16_bits() -> None:
    assert DEFAULT_BLIND_INDEX_BITS == 16
    assert len(BlindIndex(KEY, purpose="p").compute("x")) == 2


@pytest.mark.parametrize("bits", range(16, 257, 8))
def test_index_length_is_bits_over_8(bits: int) -> None:
    assert len(BlindIndex(KEY, purpose="p", bits=bits).compute("value")) == bits // 8


@given(st.text(min_size=1))
def test_index_is_deterministic_across_instances(value: str) -> None:
    assert BlindIndex(KEY, purpose="p").compute(value) == BlindIndex(KEY, purpose="p").compute(
        value
    )


def test_purposes_are_separated_even_under_the_same_key() -> None:
    values = [f"{n:012d}" for n in range(200)]
    a = [BlindIndex(KEY, purpose="a", bits=256).compute(v) for v in values]
    b = [BlindIndex(KEY, purpose="b", bits=256).compute(v) for v in values]
    assert not set(a) & set(b)


def test_purpose_and_value_boundary_is_unambiguous() -> None:
    one = BlindIndex(KEY, purpose="ab", bits=256).compute("c")
    two = BlindIndex(KEY, purpose="a", bits=256).compute("bc")
    assert one != two


def test_different_keys_give_unrelated_indexes() -> None:
    other = bytes(32)
    assert BlindIndex(KEY, purpose="p", bits=256).compute("v") != BlindIndex(
        other, purpose="p", bits=256
    ).compute("v")


def test_truncated_index_spreads_values_over_buckets() -> None:
    # 16 bits over 20k values: expect ~17.6k distinct buckets; a constant or badly truncated
    # index would give far fewer.
    index = BlindIndex(KEY, purpose="p")
    buckets = {index.compute(str(n)) for n in range(20_000)}
    assert 16_000 < len(buckets) < 19_000


@pytest.mark.parametrize("bits", [0, 8, 12, 17, 264, True, "16", 16.0])
def test_bits_must_be_a_multiple_of_8_between_16_and_256(bits: Any) -> None:
    with pytest.raises(ValueError):
        BlindIndex(KEY, purpose="p", bits=bits)


@pytest.mark.parametrize("key", [b"", bytes(31), "k" * 32, bytearray(32)])
def test_keys_shorter_than_32_bytes_or_not_bytes_are_refused(key: Any) -> None:
    with pytest.raises(ValueError):
        BlindIndex(key, purpose="p")


@pytest.mark.parametrize("purpose", ["", None])
def test_purpose_must_be_a_non_empty_string(purpose: Any) -> None:
    with pytest.raises(ValueError):
        BlindIndex(KEY, purpose=purpose)


@pytest.mark.parametrize("value", ["", None, b"bytes"])
def test_only_non_empty_strings_are_indexed(value: Any) -> None:
    with pytest.raises(ValueError):
        BlindIndex(KEY, purpose="p").compute(value)


def test_repr_names_purpose_and_bits_but_not_the_key() -> None:
    index = BlindIndex(KEY, purpose="blind-index:phone", bits=24)
    assert repr(index) == "BlindIndex(purpose='blind-index:phone', bits=24)"


@pytest.mark.parametrize("clone", [pickle.dumps, copy.copy, copy.deepcopy])
def test_blind_index_cannot_be_pickled_or_copied(clone: Any) -> None:
    with pytest.raises(TypeError):
        clone(BlindIndex(KEY, purpose="p"))


def test_every_spelling_of_one_identity_finds_the_same_index(keyring: LocalKeyring) -> None:
    purpose = "blind-index:personnummer"
    index = BlindIndex(keyring.purpose_key(purpose), purpose=purpose)
    spellings = ["811218-9876", "8112189876", "198112189876", " 19811218-9876 "]
    assert len({index.compute(normalise_personnummer(s)) for s in spellings}) == 1
    phone = BlindIndex(keyring.purpose_key("blind-index:phone"), purpose="blind-index:phone")
    numbers = ["070-123 45 67", "+46701234567", "0046 70 123 45 67"]
    assert len({phone.compute(normalise_phone(n)) for n in numbers}) == 1
