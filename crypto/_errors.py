"""The error family. Messages never carry key material, plaintext or ciphertext bytes."""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "DecryptionError",
    "KeyExhaustedError",
    "KeyNotFoundError",
    "KeyringError",
    "PackageDecryptionError",
    "PackageError",
    "PackageExpiredError",
    "PackageFormatError",
    "PackageNotYetValidError",
    "PackageSignatureError",
    "ReplayedPackageError",
    "RetiredKeyError",
    "UnsupportedPackageVersionError",
    "WrongRecipientError",
    "WrongSenderError",
]


class CryptoError(Exception):
    """Base class of every error this package raises on purpose."""


class DecryptionError(CryptoError):
    """A ciphertext or wrapped key failed to authenticate, decrypt or parse.

    Deliberately without detail: telling a caller *why* (bad tag, wrong binding, truncated) would
    hand an attacker an oracle and tempt callers to treat some failures as harmless.
    """

    def __init__(self) -> None:
        super().__init__("decryption failed")


class KeyNotFoundError(CryptoError):
    """A key version or id that the key provider does not hold."""


class RetiredKeyError(CryptoError):
    """A key-encryption-key version that was retired is still referenced by a wrapped key."""


class KeyExhaustedError(CryptoError):
    """A data key reached its encryption limit; generate a new key generation and re-encrypt."""


class KeyringError(CryptoError):
    """The local keyring file is unsafe (permissions) or malformed."""


class PackageError(CryptoError):
    """A handover package or receipt was refused. Subclasses say why, for the audit log."""


class PackageFormatError(PackageError):
    """Not a well-formed package or receipt of a format version we implement."""


class UnsupportedPackageVersionError(PackageFormatError):
    """Magic bytes match but the format version is unknown to this implementation."""


class PackageSignatureError(PackageError):
    """The Ed25519 signature does not verify under the expected sender's public key."""


class WrongSenderError(PackageError):
    """Validly signed, but the header names a different sender than the one expected."""


class WrongRecipientError(PackageError):
    """Validly signed, but addressed to another recipient."""


class PackageNotYetValidError(PackageError):
    """Created in the future (beyond the tolerated clock skew)."""


class PackageExpiredError(PackageError):
    """Past its expiry time."""


class PackageDecryptionError(PackageError):
    """Signed and addressed correctly but does not decrypt with this private key."""


class ReplayedPackageError(PackageError):
    """This package id was already accepted once."""
