"""Data-key wrapping and KEK rotation (mirrors crypto/_keys)."""

from __future__ import annotations

from typing import Any

import pytest

from crypto import (
    CryptoError,
    DataKey,
    DecryptionError,
    FieldBinding,
    KeyNotFoundError,
    LocalKeyring,
    RetiredKeyError,
    WrappedKeyRecord,
    rewrap,
    rotate_kek,
    unwrap_data_key,
    wrap_data_key,
    wrapped_kek_version,
    wrapped_key_header,
)

SCOPE = "case:6f1c2b8e-6f55-4d0e-a3c4-1b1f1b1d2e3f"
BINDING = FieldBinding("org", "persons", "address", "row-1")


def test_wrapped_key_unwraps_to_a_key_that_decrypts_its_fields(keyring: LocalKeyring) -> None:
    key = DataKey.generate(key_id=3)
    blob = key.encrypt(b"secret address", BINDING)
    wrapped = wrap_data_key(keyring, key, scope=SCOPE)
    again = unwrap_data_key(keyring, wrapped, scope=SCOPE, key_id=3)
    assert again.key_id == 3
    assert again.decrypt(blob, BINDING) == b"secret address"


def test_wrapped_key_names_the_active_kek_version(keyring: LocalKeyring) -> None:
    assert wrapped_kek_version(wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)) == 1
    keyring.rotate()
    assert wrapped_kek_version(wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)) == 2


def test_wrapped_key_does_not_unwrap_under_another_scope(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, wrapped, scope=SCOPE + "x", key_id=1)


def test_wrapped_key_does_not_unwrap_as_another_key_id(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(key_id=1), scope=SCOPE)
    with pytest.raises(DecryptionError):
        unwrap_data_key(keyring, wrapped, scope=SCOPE, key_id=2)


def test_flipping_any_byte_of_a_wrapped_key_is_detected(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    for position in range(len(wrapped)):
        tampered = bytearray(wrapped)
        tampered[position] ^= 0x01
        # Byte 0 is the format, 1-4 the KEK version (version 0 does not exist), then AEAD.
        expected = KeyNotFoundError if 1 <= position <= 4 else DecryptionError
        with pytest.raises(expected):
            unwrap_data_key(keyring, bytes(tampered), scope=SCOPE, key_id=1)


def test_every_truncation_of_a_wrapped_key_is_detected(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    for length in range(len(wrapped)):
        with pytest.raises(DecryptionError):
            unwrap_data_key(keyring, wrapped[:length], scope=SCOPE, key_id=1)


def test_wrapped_key_header_is_format_byte_and_big_endian_version() -> None:
    assert wrapped_key_header(258) == b"\x01\x00\x00\x01\x02"


@pytest.mark.parametrize("version", [0, 2**32])
def test_wrapped_key_header_refuses_versions_outside_uint32(version: int) -> None:
    with pytest.raises(ValueError):
        wrapped_key_header(version)


@pytest.mark.parametrize("scope", ["", None])
def test_wrapping_refuses_an_empty_scope(keyring: LocalKeyring, scope: Any) -> None:
    with pytest.raises(ValueError):
        wrap_data_key(keyring, DataKey.generate(), scope=scope)


@pytest.mark.parametrize("key_id", [0, 2**32, True])
def test_unwrapping_refuses_invalid_key_ids(keyring: LocalKeyring, key_id: Any) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    with pytest.raises(ValueError):
        unwrap_data_key(keyring, wrapped, scope=SCOPE, key_id=key_id)


def test_rewrap_is_a_no_op_under_the_active_version(keyring: LocalKeyring) -> None:
    wrapped = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)
    assert rewrap(keyring, wrapped, scope=SCOPE, key_id=1) is None


def test_rewrap_moves_to_the_active_version_and_old_copy_still_unwraps(
    keyring: LocalKeyring,
) -> None:
    key = DataKey.generate()
    blob = key.encrypt(b"v", BINDING)
    old = wrap_data_key(keyring, key, scope=SCOPE)
    keyring.rotate()
    new = rewrap(keyring, old, scope=SCOPE, key_id=1)
    assert new is not None and wrapped_kek_version(new) == 2
    for wrapped in (old, new):  # old versions keep decrypting until retired
        assert unwrap_data_key(keyring, wrapped, scope=SCOPE, key_id=1).decrypt(blob, BINDING)


class ShortKeyProvider:
    """A provider whose unwrap returns the wrong amount of key material."""

    def active_version(self) -> int:
        return 1

    def wrap(self, material: bytes, *, scope: str) -> bytes:
        return wrapped_key_header(1) + material

    def unwrap(self, wrapped: bytes, *, scope: str) -> bytes:
        return wrapped[5:-1]

    def purpose_key(self, purpose: str) -> bytes:
        return bytes(32)


def test_unwrapped_material_of_the_wrong_length_is_a_decryption_error() -> None:
    provider = ShortKeyProvider()
    wrapped = wrap_data_key(provider, DataKey.generate(), scope=SCOPE)
    with pytest.raises(DecryptionError):
        unwrap_data_key(provider, wrapped, scope=SCOPE, key_id=1)


class ForgetfulProvider(ShortKeyProvider):
    """Rotated to version 2, but its wraps do not unwrap to what was wrapped."""

    def active_version(self) -> int:
        return 2

    def wrap(self, material: bytes, *, scope: str) -> bytes:
        return wrapped_key_header(2) + material

    def unwrap(self, wrapped: bytes, *, scope: str) -> bytes:
        return bytes(32) if wrapped[4] == 2 else wrapped[5:]


def test_rewrap_refuses_to_return_a_copy_that_does_not_unwrap_to_the_same_key() -> None:
    wrapped = wrapped_key_header(1) + bytes(range(32))
    with pytest.raises(CryptoError):
        rewrap(ForgetfulProvider(), wrapped, scope=SCOPE, key_id=1)


def _populate(keyring: LocalKeyring, store: Any, count: int) -> dict[tuple[str, int], bytes]:
    blobs = {}
    for i in range(count):
        key = DataKey.generate(key_id=1 + i % 2)
        scope = f"case:{i:04d}"
        store.add(scope, key.key_id, wrap_data_key(keyring, key, scope=scope))
        blobs[(scope, key.key_id)] = key.encrypt(f"value {i}".encode(), BINDING)
    return blobs


def _all_unwrap(keyring: LocalKeyring, store: Any, blobs: dict[tuple[str, int], bytes]) -> None:
    for (scope, key_id), wrapped in store.rows.items():
        key = unwrap_data_key(keyring, wrapped, scope=scope, key_id=key_id)
        assert key.decrypt(blobs[(scope, key_id)], BINDING).startswith(b"value ")


def test_rotation_rewraps_every_key_once_and_reports_progress(
    keyring: LocalKeyring, store: Any
) -> None:
    blobs = _populate(keyring, store, 25)
    keyring.rotate()
    seen: list[int] = []
    assert rotate_kek(keyring, store, batch_size=10, progress=seen.append) == 25
    assert seen == [10, 20, 25]
    assert {wrapped_kek_version(w) for w in store.rows.values()} == {2}
    _all_unwrap(keyring, store, blobs)
    assert rotate_kek(keyring, store) == 0  # idempotent: nothing left to do


def test_rotation_crashing_midway_resumes_to_completion_and_every_key_unwraps(
    keyring: LocalKeyring, store: Any
) -> None:
    blobs = _populate(keyring, store, 60)
    keyring.rotate()
    store.crash_after = 23
    with pytest.raises(ConnectionError):
        rotate_kek(keyring, store, batch_size=10)
    versions = [wrapped_kek_version(w) for w in store.rows.values()]
    assert versions.count(2) == 23 and versions.count(1) == 37
    _all_unwrap(keyring, store, blobs)  # mid-rotation, both versions work
    store.crash_after = None
    assert rotate_kek(keyring, store, batch_size=10) == 37
    assert {wrapped_kek_version(w) for w in store.rows.values()} == {2}
    keyring.retire(1)
    _all_unwrap(keyring, store, blobs)


def test_retiring_a_version_still_referenced_makes_unwrap_fail_loudly(
    keyring: LocalKeyring, store: Any
) -> None:
    blobs = _populate(keyring, store, 3)
    keyring.rotate()
    keyring.retire(1)
    with pytest.raises(RetiredKeyError):
        _all_unwrap(keyring, store, blobs)
    with pytest.raises(RetiredKeyError):
        rotate_kek(keyring, store)  # rotation cannot silently skip them either


def test_rotation_skips_records_already_under_the_active_version(keyring: LocalKeyring) -> None:
    current = wrap_data_key(keyring, DataKey.generate(), scope=SCOPE)

    class OutdatedStore:
        calls = 0

        def stale(self, active_version: int, limit: int) -> list[Any]:
            self.calls += 1
            # First answer is out of date (another worker already rewrapped it).
            return [WrappedKeyRecord(SCOPE, 1, current)] if self.calls == 1 else []

        def replace(self, record: Any, new_wrapped: bytes) -> None:
            raise AssertionError("must not replace an up-to-date key")

    assert rotate_kek(keyring, OutdatedStore()) == 0


def test_rotation_stops_instead_of_looping_when_the_store_ignores_replacements(
    keyring: LocalKeyring, store: Any
) -> None:
    _populate(keyring, store, 2)
    keyring.rotate()
    store.replace = lambda record, new: None  # a broken store: acknowledges, stores nothing
    stale, calls = store.stale, []

    def counting_stale(active_version: int, limit: int) -> list[WrappedKeyRecord]:
        calls.append(1)
        assert len(calls) < 10, "rotate_kek kept looping"  # fail, rather than hang, on regression
        return stale(active_version, limit)

    store.stale = counting_stale
    with pytest.raises(CryptoError, match="same stale records"):
        rotate_kek(keyring, store)


def test_rotation_refuses_a_non_positive_batch_size(keyring: LocalKeyring, store: Any) -> None:
    with pytest.raises(ValueError):
        rotate_kek(keyring, store, batch_size=0)
