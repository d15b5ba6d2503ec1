"""The key hierarchy: data keys wrapped by a key-encryption key (KEK) held by a provider.

A provider (the embedded :class:`~crypto.LocalKeyring`, or a KMS / Vault Transit adapter) holds
versioned KEKs outside the database. Only wrapped data keys are stored. KEK rotation rewraps
each data key (cost proportional to the number of cases, not fields); field ciphertexts are
untouched because they name the data key, never the KEK.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ._errors import CryptoError, DecryptionError
from ._fields import MAX_KEY_ID, DataKey, check_key_id

__all__ = [
    "WRAPPED_KEY_FORMAT_VERSION",
    "KeyProvider",
    "WrappedKeyRecord",
    "WrappedKeyStore",
    "rewrap",
    "rotate_kek",
    "unwrap_data_key",
    "wrap_data_key",
    "wrapped_kek_version",
    "wrapped_key_header",
]

WRAPPED_KEY_FORMAT_VERSION = 1
WRAPPED_KEY_HEADER_BYTES = 5


class KeyProvider(Protocol):
    """A holder of versioned key-encryption keys and of per-purpose secrets.

    ``wrap`` output MUST start with :func:`wrapped_key_header` of the KEK version used (the rest
    is provider-specific), so that :func:`wrapped_kek_version` works for every provider.
    """

    def active_version(self) -> int: ...

    def wrap(self, material: bytes, *, scope: str) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, scope: str) -> bytes: ...

    def purpose_key(self, purpose: str) -> bytes: ...


def wrapped_key_header(kek_version: int) -> bytes:
    """``format (1 byte) || KEK version (uint32 big-endian)``: the prefix of every wrapped key."""
    if not 1 <= kek_version <= MAX_KEY_ID:
        raise ValueError("KEK versions are in [1, 2**32 - 1]")
    return bytes([WRAPPED_KEY_FORMAT_VERSION]) + kek_version.to_bytes(4, "big")


def wrapped_kek_version(wrapped: bytes) -> int:
    """Which KEK version wrapped this key; DecryptionError if it is not a wrapped key."""
    if len(wrapped) <= WRAPPED_KEY_HEADER_BYTES or wrapped[0] != WRAPPED_KEY_FORMAT_VERSION:
        raise DecryptionError()
    return int.from_bytes(wrapped[1:WRAPPED_KEY_HEADER_BYTES], "big")


def _dek_scope(scope: str, key_id: int) -> str:
    # The key id is part of what the KEK authenticates, so a wrapped generation-1 key cannot be
    # presented as generation 2 of the same case. Unambiguous: the id is digits ending at "/",
    # and everything after it is the caller's scope.
    if not isinstance(scope, str) or not scope:
        raise ValueError("scope must be a non-empty string")
    return f"data-key/v1/{check_key_id(key_id)}/{scope}"


def wrap_data_key(provider: KeyProvider, key: DataKey, *, scope: str) -> bytes:
    """Wrap under the provider's active KEK, authenticating ``scope`` and ``key.key_id``."""
    return provider.wrap(key._material, scope=_dek_scope(scope, key.key_id))


def unwrap_data_key(provider: KeyProvider, wrapped: bytes, *, scope: str, key_id: int) -> DataKey:
    """The data key, or DecryptionError / KeyNotFoundError / RetiredKeyError from the provider."""
    material = provider.unwrap(wrapped, scope=_dek_scope(scope, key_id))
    if len(material) != 32:
        raise DecryptionError()
    return DataKey.from_material(key_id, material)


def rewrap(provider: KeyProvider, wrapped: bytes, *, scope: str, key_id: int) -> bytes | None:
    """The key rewrapped under the active KEK, or None if it already is (idempotent step)."""
    if wrapped_kek_version(wrapped) == provider.active_version():
        return None
    dek_scope = _dek_scope(scope, key_id)
    material = provider.unwrap(wrapped, scope=dek_scope)
    new = provider.wrap(material, scope=dek_scope)
    # The caller will overwrite the only copy of this key: prove the new copy opens first.
    if not hmac.compare_digest(provider.unwrap(new, scope=dek_scope), material):
        raise CryptoError("provider returned a wrapped key that does not unwrap to the key")
    return new


@dataclass(frozen=True)
class WrappedKeyRecord:
    """One stored wrapped data key."""

    scope: str
    key_id: int
    wrapped: bytes


class WrappedKeyStore(Protocol):
    """Where the application keeps wrapped data keys (e.g. one table row per case and key id)."""

    def stale(self, active_version: int, limit: int) -> list[WrappedKeyRecord]:
        """Up to ``limit`` records whose wrapped key names a KEK version other than this one."""
        ...

    def replace(self, record: WrappedKeyRecord, new_wrapped: bytes) -> None:
        """Store ``new_wrapped`` only if the stored value still equals ``record.wrapped``
        (compare-and-swap), durably, before returning."""
        ...


def rotate_kek(
    provider: KeyProvider,
    store: WrappedKeyStore,
    *,
    batch_size: int = 100,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rewrap every stored data key under the active KEK; returns how many were rewrapped.

    Resumable and idempotent: each record is replaced on its own (compare-and-swap), so after a
    crash a second run simply continues with the records still stale. Old KEK versions keep
    unwrapping until retired, so the application keeps working throughout.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    done = 0
    previous: list[WrappedKeyRecord] | None = None
    # The active version is read per batch: if another rotation starts meanwhile, keys it has
    # already moved to the newer version are not "stale" and are not visited again.
    while batch := store.stale(provider.active_version(), batch_size):
        # A store whose replace() silently fails would otherwise loop forever.
        if batch == previous:
            raise CryptoError("wrapped-key store returned the same stale records again")
        previous = batch
        for record in batch:
            new = rewrap(provider, record.wrapped, scope=record.scope, key_id=record.key_id)
            if new is not None:
                store.replace(record, new)
                done += 1
        if progress is not None:
            progress(done)
    return done
