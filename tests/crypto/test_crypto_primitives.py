"""The hazmat adapter layer (mirrors crypto/_primitives)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from crypto import _primitives


@pytest.mark.parametrize("length", [0, 16, 24, 31, 33])
def test_aes_gcm_accepts_only_256_bit_keys(length: int) -> None:
    with pytest.raises(ValueError):
        _primitives.aes256_gcm(bytes(length))


def test_hkdf_expand_is_hmac_sha256_of_info_and_counter() -> None:
    root, info = bytes(range(32)), b"helpline/purpose-key/v1\x00x"
    expected = hmac.new(root, info + b"\x01", hashlib.sha256).digest()
    assert _primitives.hkdf_expand_sha256(root, info) == expected


def test_signature_verification_is_a_plain_no_for_malformed_inputs() -> None:
    seed = _primitives.ed25519_generate()
    public = _primitives.ed25519_public(seed)
    signature = _primitives.ed25519_sign(seed, b"m")
    assert _primitives.ed25519_verify(public, signature, b"m")
    assert not _primitives.ed25519_verify(public, signature, b"n")
    assert not _primitives.ed25519_verify(public, signature[:63], b"m")
    assert not _primitives.ed25519_verify(public[:31], signature, b"m")
