"""Field encryption: format, binding, tamper, wrong key, id and version (mirrors _fields)."""

from __future__ import annotations

import copy
import enum
import itertools
import pickle

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given
from hypothesis import strategies as st

import crypto
from crypto import (
    FORMAT_VERSION,
    MAX_ENCRYPTIONS_PER_KEY,
    DataKey,
    DecryptionError,
    FieldBinding,
    KeyExhaustedError,
    _primitives,
    ciphertext_key_id,
    reencrypt,
)

BINDING = FieldBinding("org-sth", "persons", "name", "42")
KAT_KEY = bytes(range(32))
KAT_NONCE = bytes(range(100, 112))
KAT_PLAINTEXT = b"Anna Andersson"
# version 1 || key id 7 || nonce || AES-256-GCM(ciphertext || tag)
KAT_BLOB = bytes.fromhex(
    "0100000007" + "6465666768696a6b6c6d6e6f"
    "0975b00759a838fa5b102c9bb50b8ecb0e9660c908fc20922839a8c6c70a"
)


def kat_key() -> DataKey:
    key = DataKey.from_material(7, KAT_KEY)
    key._urandom = lambda n: KAT_NONCE  # test seam: fixed nonce for the known answer
    return key


def sample_blob() -> tuple[DataKey, bytes]:
    key = DataKey.generate()
    return key, key.encrypt(b"Storgatan 1, 123 45 Malmo", BINDING)


def test_known_answer_exact_bytes_for_fixed_key_and_nonce() -> None:
    assert kat_key().encrypt(KAT_PLAINTEXT, BINDING) == KAT_BLOB


def test_known_answer_matches_an_independent_aes_gcm_with_the_documented_aad() -> None:
    # The AAD as FORMAT.md spells it, built by hand rather than by the code under test.
    aad = (
        b"\x01\x00\x00\x00\x07"
        + b"helpline/field-binding/v1\x00"
        + b"\x00\x00\x00\x07org-sth\x00\x00\x00\x07persons\x00\x00\x00\x04name\x00\x00\x00\x0242"
    )
    sealed = AESGCM(KAT_KEY).encrypt(KAT_NONCE, KAT_PLAINTEXT, aad)
    assert KAT_BLOB == b"\x01\x00\x00\x00\x07" + KAT_NONCE + sealed
    assert DataKey.from_material(7, KAT_KEY).decrypt(KAT_BLOB, BINDING) == KAT_PLAINTEXT


def test_primitive_is_aes_256_gcm_per_the_gcm_specification_test_case_16() -> None:
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    plaintext = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    nonce = bytes.fromhex("cafebabefacedbaddecaf888")
    expected = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"
    )
    assert _primitives.aes256_gcm(key).encrypt(nonce, plaintext, aad) == expected


def test_associated_data_encoding_is_the_documented_length_prefixed_form() -> None:
    assert BINDING.associated_data() == (
        b"helpline/field-binding/v1\x00"
        b"\x00\x00\x00\x07org-sth\x00\x00\x00\x07persons\x00\x00\x00\x04name\x00\x00\x00\x0242"
    )


def test_associated_data_is_unambiguous_when_boundaries_shift() -> None:
    a = FieldBinding("ab", "c", "d", "e").associated_data()
    b = FieldBinding("a", "bc", "d", "e").associated_data()
    assert a != b


@given(st.binary(max_size=2048))
def test_bytes_round_trip(plaintext: bytes) -> None:
    key = DataKey.generate()
    assert key.decrypt(key.encrypt(plaintext, BINDING), BINDING) == plaintext


@given(st.binary(max_size=300))
def test_ciphertext_is_plaintext_plus_33_bytes_with_version_and_key_id_first(data: bytes) -> None:
    key = DataKey.generate(key_id=0x01020304)
    blob = key.encrypt(data, BINDING)
    assert len(blob) == len(data) + 33
    assert blob[:5] == bytes([FORMAT_VERSION, 1, 2, 3, 4])
    assert ciphertext_key_id(blob) == 0x01020304


def test_flipping_any_bit_pattern_at_any_byte_position_fails_to_decrypt() -> None:
    key, blob = sample_blob()
    for position, mask in itertools.product(range(len(blob)), (0x01, 0x80, 0xFF)):
        tampered = bytearray(blob)
        tampered[position] ^= mask
        with pytest.raises(DecryptionError):
            key.decrypt(bytes(tampered), BINDING)


def test_every_truncation_and_an_extension_fail_to_decrypt() -> None:
    key, blob = sample_blob()
    for length in range(len(blob)):
        with pytest.raises(DecryptionError):
            key.decrypt(blob[:length], BINDING)
    with pytest.raises(DecryptionError):
        key.decrypt(blob + b"\x00", BINDING)


@pytest.mark.parametrize("field", ["organisation", "table", "column", "row_id"])
def test_moving_a_ciphertext_to_another_place_fails_to_decrypt(field: str) -> None:
    key, blob = sample_blob()
    parts = {"organisation": "org-sth", "table": "persons", "column": "name", "row_id": "42"}
    moved = FieldBinding(**(parts | {field: "other"}))
    assert FieldBinding(**parts) == BINDING
    assert moved.associated_data() != BINDING.associated_data()
    with pytest.raises(DecryptionError):
        key.decrypt(blob, moved)


def test_another_data_key_cannot_decrypt() -> None:
    _, blob = sample_blob()
    with pytest.raises(DecryptionError):
        DataKey.generate().decrypt(blob, BINDING)


def test_same_material_under_another_key_id_cannot_decrypt() -> None:
    material = bytes(32)
    blob = DataKey.from_material(1, material).encrypt(b"x", BINDING)
    with pytest.raises(DecryptionError):
        DataKey.from_material(2, material).decrypt(blob, BINDING)


def test_key_id_in_header_is_authenticated_not_just_compared() -> None:
    material = bytes(32)
    blob = DataKey.from_material(1, material).encrypt(b"x", BINDING)
    relabelled = blob[:1] + (2).to_bytes(4, "big") + blob[5:]
    with pytest.raises(DecryptionError):
        DataKey.from_material(2, material).decrypt(relabelled, BINDING)


def test_any_other_version_byte_fails_to_decrypt_and_to_report_a_key_id() -> None:
    key, blob = sample_blob()
    for version in set(range(256)) - {FORMAT_VERSION}:
        changed = bytes([version]) + blob[1:]
        with pytest.raises(DecryptionError):
            key.decrypt(changed, BINDING)
        with pytest.raises(DecryptionError):
            ciphertext_key_id(changed)


def test_ciphertext_key_id_rejects_truncated_blobs() -> None:
    _, blob = sample_blob()
    with pytest.raises(DecryptionError):
        ciphertext_key_id(blob[:32])


def test_100k_encryptions_never_repeat_a_nonce() -> None:
    key = DataKey.generate()
    nonces = {key.encrypt(b"", BINDING)[5:17] for _ in range(100_000)}
    assert len(nonces) == 100_000


def test_equal_plaintexts_give_different_ciphertexts() -> None:
    key = DataKey.generate()
    assert key.encrypt(b"same", BINDING) != key.encrypt(b"same", BINDING)


def test_key_id_is_read_only() -> None:
    key = DataKey.generate(key_id=4)
    with pytest.raises(AttributeError):
        key.key_id = 5  # type: ignore[misc]
    assert ciphertext_key_id(key.encrypt(b"", BINDING)) == 4


def test_encryptions_are_counted_per_instance() -> None:
    key = DataKey.generate()
    for _ in range(3):
        key.encrypt(b"", BINDING)
    key.decrypt(key.encrypt(b"", BINDING), BINDING)
    assert key.encryptions == 4


def test_key_refuses_to_encrypt_beyond_the_nonce_collision_limit() -> None:
    key = DataKey.generate()
    key._counter = itertools.count(MAX_ENCRYPTIONS_PER_KEY)  # seam: pretend we are at the limit
    key.encrypt(b"last one allowed", BINDING)
    with pytest.raises(KeyExhaustedError):
        key.encrypt(b"one too many", BINDING)
    assert key.encryptions == MAX_ENCRYPTIONS_PER_KEY


def test_reencrypt_moves_a_value_to_the_new_key_generation() -> None:
    old, blob = sample_blob()
    new = DataKey.generate(key_id=2)
    moved = reencrypt(blob, BINDING, old=old, new=new)
    assert ciphertext_key_id(moved) == 2
    assert new.decrypt(moved, BINDING) == old.decrypt(blob, BINDING)
    with pytest.raises(DecryptionError):
        old.decrypt(moved, BINDING)


def test_reencrypt_refuses_a_new_key_of_the_same_or_an_earlier_generation() -> None:
    """Under one key id the old and new keys cannot be told apart in a ciphertext or a key
    store: a rotation that crashed halfway would leave fields no key opens."""
    old = DataKey.generate(key_id=3)
    blob = old.encrypt(b"Storgatan 1", BINDING)
    for key_id in (3, 2):
        with pytest.raises(ValueError, match="higher key id"):
            reencrypt(blob, BINDING, old=old, new=DataKey.generate(key_id=key_id))


def test_a_ciphertext_claiming_key_id_0_is_not_ours() -> None:
    """encrypt never writes key id 0: a stored value claiming it was altered, and must give the
    one decryption error, not a ValueError from looking the key up."""
    _, blob = sample_blob()
    with pytest.raises(DecryptionError):
        ciphertext_key_id(blob[:1] + bytes(4) + blob[5:])


def test_authentic_json_nested_too_deep_to_parse_is_a_decryption_error() -> None:
    key = DataKey.generate()
    blob = key.encrypt(b"\x08" + b"[" * 100_000, BINDING)  # the JSON tag, then deep nesting
    with pytest.raises(DecryptionError):
        key.decrypt_value(blob, BINDING)


class Colour(enum.Enum):
    RED = "red"


def test_typed_values_round_trip_through_encryption() -> None:
    key = DataKey.generate()
    for value in ("Åsa", 42, True, None, b"\x00raw", ["a", {"b": 1}]):
        assert key.decrypt_value(key.encrypt_value(value, BINDING), BINDING) == value
    assert key.decrypt_value(key.encrypt_value(Colour.RED, BINDING), BINDING) == "red"


def test_authentic_ciphertext_that_is_not_a_typed_value_raises_decryption_error() -> None:
    key = DataKey.generate()
    with pytest.raises(DecryptionError):
        key.decrypt_value(key.encrypt(b"\xffnot a tag", BINDING), BINDING)


def test_decryption_error_message_carries_no_detail() -> None:
    key, blob = sample_blob()
    with pytest.raises(DecryptionError) as info:
        key.decrypt(blob[:-1], BINDING)
    assert str(info.value) == "decryption failed"
    assert info.value.__suppress_context__


def test_repr_never_shows_key_material() -> None:
    key = DataKey.from_material(3, bytes(range(32)))
    text = repr(key)
    assert text == "DataKey(key_id=3, encryptions=0)"
    assert bytes(range(32)).hex() not in text and "\\x00\\x01" not in text


@pytest.mark.parametrize("clone", [pickle.dumps, copy.copy, copy.deepcopy])
def test_data_key_cannot_be_pickled_or_copied(clone: object) -> None:
    with pytest.raises(TypeError):
        clone(DataKey.generate())  # type: ignore[operator]


@pytest.mark.parametrize("key_id", [0, -1, 2**32, True, "1", 1.0])
def test_key_ids_outside_uint32_range_are_refused(key_id: object) -> None:
    with pytest.raises(ValueError):
        DataKey.generate(key_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("material", [b"", bytes(31), bytes(33), bytearray(32), "x" * 32])
def test_key_material_must_be_exactly_32_bytes(material: object) -> None:
    with pytest.raises(ValueError):
        DataKey.from_material(1, material)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", [0, 1, 2, 3])
@pytest.mark.parametrize("bad", ["", None, 42])
def test_binding_parts_must_be_non_empty_strings(part: int, bad: object) -> None:
    parts: list[object] = ["org", "table", "column", "row"]
    parts[part] = bad
    with pytest.raises(ValueError):
        FieldBinding(*parts)  # type: ignore[arg-type]


def test_binding_with_unencodable_string_is_refused() -> None:
    with pytest.raises(ValueError):
        FieldBinding("org", "table", "column", "\ud800")


def test_binding_is_immutable() -> None:
    binding = FieldBinding("org", "t", "c", "1")
    for name in ("row_id", "_aad", "_parts", "anything"):
        with pytest.raises(AttributeError):
            setattr(binding, name, "other")
        with pytest.raises(AttributeError):
            delattr(binding, name)
    assert binding.associated_data() == FieldBinding("org", "t", "c", "1").associated_data()


def test_bindings_compare_and_hash_by_value() -> None:
    same = FieldBinding("org-sth", "persons", "name", "42")
    assert same == BINDING and hash(same) == hash(BINDING)
    assert FieldBinding("org-sth", "persons", "name", "43") != BINDING
    assert BINDING != ("org-sth", "persons", "name", "42")
    assert len({BINDING, same}) == 1


def test_binding_exposes_its_parts_and_a_readable_repr() -> None:
    assert (BINDING.organisation, BINDING.table, BINDING.column, BINDING.row_id) == (
        "org-sth",
        "persons",
        "name",
        "42",
    )
    assert repr(BINDING) == (
        "FieldBinding(organisation='org-sth', table='persons', column='name', row_id='42')"
    )


def test_binding_survives_pickling_with_its_associated_data() -> None:
    clone = pickle.loads(pickle.dumps(BINDING))
    assert clone == BINDING and clone.associated_data() == BINDING.associated_data()


def test_binding_prefix_cache_is_bounded_and_refills_correctly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(crypto._fields, "_BINDING_PREFIX_LIMIT", 3)
    crypto._fields._BINDING_PREFIXES.clear()
    bindings = [FieldBinding("org", "t", f"column{i}", "1") for i in range(10)]
    assert len(crypto._fields._BINDING_PREFIXES) <= 3
    again = [FieldBinding("org", "t", f"column{i}", "1") for i in range(10)]
    assert [b.associated_data() for b in bindings] == [b.associated_data() for b in again]
    assert len({b.associated_data() for b in bindings}) == 10


def test_overhead_constant_matches_the_format() -> None:
    assert crypto._fields.OVERHEAD_BYTES == 33
