"""Field encryption: AES-256-GCM under a per-case data key, bound to the field's place.

Ciphertext format (FORMAT.md section 1)::

    version (1) || key id (4, big-endian) || nonce (12) || ciphertext || tag (16)

The associated data is ``version || key id || FieldBinding.associated_data()``, so the header is
authenticated and a ciphertext moved to another organisation, table, column or row, or presented
under another key generation, fails to decrypt.
"""

from __future__ import annotations

import enum
import itertools
import os
import struct
from collections.abc import Callable
from typing import NoReturn

from . import _primitives
from ._encoding import FieldValue, decode_value, encode_value, length_prefixed
from ._errors import DecryptionError, KeyExhaustedError

__all__ = [
    "FORMAT_VERSION",
    "MAX_ENCRYPTIONS_PER_KEY",
    "DataKey",
    "FieldBinding",
    "ciphertext_key_id",
    "reencrypt",
]

FORMAT_VERSION = 1
MAX_KEY_ID = 2**32 - 1
# With random 96-bit nonces the chance that any two of q encryptions share a nonce is about
# q^2 / 2^97. NIST SP 800-38D caps q at 2^32 (chance 2^-33). We stop at 2^30 (chance 2^-37),
# "long before" the cap; a per-case key in this application sees thousands, not billions.
MAX_ENCRYPTIONS_PER_KEY = 2**30

_HEADER_BYTES = 5
_NONCE_END = _HEADER_BYTES + _primitives.AEAD_NONCE_BYTES
OVERHEAD_BYTES = _NONCE_END + _primitives.AEAD_TAG_BYTES  # 33
_BINDING_DOMAIN = b"helpline/field-binding/v1\x00"


class FieldBinding:
    """Where a field value lives: organisation, table, column and row id. Immutable, hashable
    and compared by value like a frozen dataclass, but hand-written because the application
    builds one per field per row and a frozen dataclass costs several times more to construct.
    """

    __slots__ = ("_aad", "_parts")
    _parts: tuple[str, str, str, str]
    _aad: bytes

    def __init__(self, organisation: str, table: str, column: str, row_id: str) -> None:
        if not isinstance(row_id, str) or not row_id:
            raise ValueError("row_id must be a non-empty string")
        encoded_row = row_id.encode("utf-8")
        prefix = _BINDING_PREFIXES.get((organisation, table, column)) or _binding_prefix(
            organisation, table, column
        )
        _set(self, "_aad", prefix + _U32(len(encoded_row)) + encoded_row)
        _set(self, "_parts", (organisation, table, column, row_id))

    @property
    def organisation(self) -> str:
        return self._parts[0]

    @property
    def table(self) -> str:
        return self._parts[1]

    @property
    def column(self) -> str:
        return self._parts[2]

    @property
    def row_id(self) -> str:
        return self._parts[3]

    def associated_data(self) -> bytes:
        """``b"helpline/field-binding/v1\\0"`` then each of the four strings as
        ``uint32 length || UTF-8``: unambiguous, and distinct from every other AAD we produce."""
        return self._aad

    def __setattr__(self, name: str, value: object) -> NoReturn:
        # The AAD is derived once; a mutated binding would silently bind the wrong place.
        raise AttributeError("FieldBinding is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("FieldBinding is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldBinding):
            return NotImplemented
        return self._aad == other._aad  # the AAD encodes all four parts injectively

    def __hash__(self) -> int:
        return hash(self._aad)

    def __repr__(self) -> str:
        return (
            f"FieldBinding(organisation={self.organisation!r}, table={self.table!r}, "
            f"column={self.column!r}, row_id={self.row_id!r})"
        )

    def __reduce__(self) -> tuple[type[FieldBinding], tuple[str, str, str, str]]:
        return (FieldBinding, self._parts)


_set = object.__setattr__
_U32 = struct.Struct(">I").pack
# Encoded (organisation, table, column) prefixes: few distinct values, reused for every row.
_BINDING_PREFIXES: dict[tuple[str, str, str], bytes] = {}
_BINDING_PREFIX_LIMIT = 4096


def _binding_prefix(organisation: str, table: str, column: str) -> bytes:
    """Encode and cache the prefix (on a cache miss only)."""
    key = (organisation, table, column)
    if not all(isinstance(part, str) and part for part in key):
        raise ValueError("organisation, table and column must be non-empty strings")
    prefix = _BINDING_DOMAIN + length_prefixed(*(part.encode("utf-8") for part in key))
    if len(_BINDING_PREFIXES) >= _BINDING_PREFIX_LIMIT:
        _BINDING_PREFIXES.clear()  # bounded memory; refilled on demand
    _BINDING_PREFIXES[key] = prefix
    return prefix


def check_key_id(key_id: int) -> int:
    if isinstance(key_id, bool) or not isinstance(key_id, int) or not 1 <= key_id <= MAX_KEY_ID:
        raise ValueError("key_id must be an integer in [1, 2**32 - 1]")
    return key_id


class DataKey:
    """A 256-bit data encryption key (one per case and generation).

    Safe to share between threads. Never pickled and never shown by ``repr``.
    """

    __slots__ = ("_aead", "_counter", "_header", "_issued", "_key_id", "_material", "_urandom")

    def __init__(self, key_id: int, material: bytes) -> None:
        if not isinstance(material, bytes) or len(material) != 32:
            raise ValueError("data key material is 32 bytes")
        self._key_id = check_key_id(key_id)
        self._material = material
        self._header = bytes([FORMAT_VERSION]) + key_id.to_bytes(4, "big")
        self._aead = _primitives.aes256_gcm(material)  # key schedule built once, reused
        # next() on itertools.count is atomic under the GIL, so concurrent encryptions are never
        # under-counted, without taking a lock on the hot path.
        self._counter = itertools.count(1)
        self._issued = 0
        # Test seam for known-answer tests only; production always uses the OS CSPRNG.
        self._urandom: Callable[[int], bytes] = os.urandom

    @classmethod
    def generate(cls, key_id: int = 1) -> DataKey:
        """A fresh key from the OS CSPRNG."""
        return cls(key_id, os.urandom(32))

    @classmethod
    def from_material(cls, key_id: int, material: bytes) -> DataKey:
        """A key from its 32 bytes (as returned by unwrapping)."""
        return cls(key_id, material)

    @property
    def key_id(self) -> int:
        """The key's generation number within its scope; written into every ciphertext."""
        return self._key_id

    @property
    def encryptions(self) -> int:
        """Encryptions by this instance so far (per instance, not persisted; under concurrent use
        it may briefly lag, but the MAX_ENCRYPTIONS_PER_KEY check itself is exact)."""
        return self._issued

    def encrypt(self, plaintext: bytes, binding: FieldBinding) -> bytes:
        """``version || key id || nonce || AES-256-GCM(plaintext) || tag``, bound to ``binding``."""
        issued = next(self._counter)
        if issued > MAX_ENCRYPTIONS_PER_KEY:
            raise KeyExhaustedError("data key reached MAX_ENCRYPTIONS_PER_KEY; rotate it")
        self._issued = issued
        nonce = self._urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext, self._header + binding._aad)
        return b"".join((self._header, nonce, sealed))

    def decrypt(self, blob: bytes, binding: FieldBinding) -> bytes:
        """The plaintext, or DecryptionError (no detail) for anything not made by
        :meth:`encrypt` of this key for this binding."""
        header = self._header
        # The header check is not secret-dependent: version and key id are public.
        if len(blob) < OVERHEAD_BYTES or blob[:_HEADER_BYTES] != header:
            _fail()
        try:
            return self._aead.decrypt(
                blob[_HEADER_BYTES:_NONCE_END], blob[_NONCE_END:], header + binding._aad
            )
        except _primitives.InvalidTag:
            _fail()

    def encrypt_value(self, value: FieldValue | enum.Enum, binding: FieldBinding) -> bytes:
        """Encrypt the canonical typed encoding of ``value`` (see FORMAT.md section 2)."""
        return self.encrypt(encode_value(value), binding)

    def decrypt_value(self, blob: bytes, binding: FieldBinding) -> FieldValue:
        """Inverse of :meth:`encrypt_value`; datetimes come back in UTC, enums as their value."""
        plaintext = self.decrypt(blob, binding)
        try:
            return decode_value(plaintext)
        except ValueError:
            # Authentic but not a typed value: encrypted with encrypt(), not encrypt_value().
            _fail()

    def __repr__(self) -> str:
        return f"DataKey(key_id={self.key_id}, encryptions={self._issued})"

    def __reduce__(self) -> NoReturn:
        # Pickling would copy the key material into caches, queues or crash dumps.
        raise TypeError("DataKey cannot be pickled or copied")


def _fail() -> NoReturn:
    raise DecryptionError() from None


def ciphertext_key_id(blob: bytes) -> int:
    """The key id a stored field ciphertext needs. DecryptionError if it is not one of ours."""
    if len(blob) < OVERHEAD_BYTES or blob[0] != FORMAT_VERSION:
        _fail()
    key_id = int.from_bytes(blob[1:_HEADER_BYTES], "big")
    if key_id == 0:  # never written by encrypt (ids start at 1): not one of ours
        _fail()
    return key_id


def reencrypt(blob: bytes, binding: FieldBinding, *, old: DataKey, new: DataKey) -> bytes:
    """Decrypt under ``old`` and encrypt under ``new`` (data-key rotation), same binding.

    ``new`` must be a later generation: under the same key id the two keys could not be told
    apart in a ciphertext or a key store, and fields rotated halfway would be lost."""
    if new.key_id <= old.key_id:
        raise ValueError("the new data key must have a higher key id than the old one")
    return new.encrypt(old.decrypt(blob, binding), binding)
