"""The hazardous-materials layer: the only module that imports ``cryptography.hazmat``.

Everything here is a thin, typed adapter over pyca/cryptography with the algorithm choices
fixed. Callers above this layer never see an algorithm name, a mode or a padding, so a reviewer
can check every algorithm decision of the package in this one file:

* symmetric AEAD: AES-256-GCM, 96-bit nonces, 128-bit tags;
* key derivation: HKDF-Expand with SHA-256 (RFC 5869) from a uniformly random root key;
* signatures: Ed25519 (RFC 8032), pure mode;
* key agreement / public-key encryption: HPKE (RFC 9180) base mode,
  DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM.

Failures of authentication are translated into :class:`~crypto._errors.DecryptionError` here
(HPKE) or re-exported as :data:`InvalidTag` for the one hot path that catches it itself.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

from ._errors import DecryptionError

__all__ = [
    "AEAD_KEY_BYTES",
    "AEAD_NONCE_BYTES",
    "AEAD_TAG_BYTES",
    "AeadCipher",
    "InvalidTag",
    "aes256_gcm",
    "ed25519_generate",
    "ed25519_public",
    "ed25519_sign",
    "ed25519_verify",
    "hkdf_expand_sha256",
    "hpke_open",
    "hpke_seal",
    "x25519_generate",
    "x25519_public",
]

AEAD_KEY_BYTES = 32
AEAD_NONCE_BYTES = 12
AEAD_TAG_BYTES = 16
ED25519_SIGNATURE_BYTES = 64
HPKE_ENC_BYTES = 32  # DHKEM(X25519) encapsulated key

_HPKE_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


class AeadCipher(Protocol):
    """An AEAD object whose key schedule is computed once and reused for every call."""

    def encrypt(self, nonce: bytes, data: bytes, associated_data: bytes) -> bytes: ...

    def decrypt(self, nonce: bytes, data: bytes, associated_data: bytes) -> bytes: ...


def aes256_gcm(key: bytes) -> AeadCipher:
    """An AES-256-GCM cipher. The returned object is the pyca object itself (no wrapper) so the
    per-field hot path pays no extra Python call; its ``decrypt`` raises :data:`InvalidTag`."""
    if len(key) != AEAD_KEY_BYTES:
        raise ValueError("an AES-256-GCM key is 32 bytes")
    return AESGCM(key)


def hkdf_expand_sha256(root: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-Expand only: ``root`` is already a uniformly random secret, so Extract adds nothing."""
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(root)


def x25519_generate() -> bytes:
    return x25519.X25519PrivateKey.generate().private_bytes_raw()


def x25519_public(private: bytes) -> bytes:
    return _x25519_private(private).public_key().public_bytes_raw()


def ed25519_generate() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes_raw()


def ed25519_public(private: bytes) -> bytes:
    return _ed25519_private(private).public_key().public_bytes_raw()


def ed25519_sign(private: bytes, message: bytes) -> bytes:
    return _ed25519_private(private).sign(message)


def ed25519_verify(public: bytes, signature: bytes, message: bytes) -> bool:
    """True only for a valid signature; malformed keys and signatures are simply invalid."""
    if len(public) != 32 or len(signature) != ED25519_SIGNATURE_BYTES:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def hpke_seal(plaintext: bytes, recipient_public: bytes, info: bytes) -> bytes:
    """Single-shot HPKE base mode; returns ``enc (32 bytes) || ciphertext || tag``."""
    if len(recipient_public) != 32:
        raise ValueError("an X25519 public key is 32 bytes")
    public = x25519.X25519PublicKey.from_public_bytes(recipient_public)
    # A low-order public key makes the DH output all-zero; OpenSSL refuses it (ValueError).
    return _HPKE_SUITE.encrypt(plaintext, public, info=info)


def hpke_open(sealed: bytes, recipient_private: bytes, info: bytes) -> bytes:
    private = _x25519_private(recipient_private)
    try:
        return _HPKE_SUITE.decrypt(sealed, private, info=info)
    except InvalidTag:
        raise DecryptionError() from None


def _x25519_private(private: bytes) -> x25519.X25519PrivateKey:
    if len(private) != 32:
        raise ValueError("an X25519 private key is 32 bytes")
    return x25519.X25519PrivateKey.from_private_bytes(private)


def _ed25519_private(private: bytes) -> ed25519.Ed25519PrivateKey:
    if len(private) != 32:
        raise ValueError("an Ed25519 private key (seed) is 32 bytes")
    return ed25519.Ed25519PrivateKey.from_private_bytes(private)
