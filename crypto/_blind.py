"""Blind indexes: a keyed, truncated HMAC-SHA256 of a normalised value, for equality search.

``index = HMAC-SHA256(key, "helpline/blind-index/v1\\0" || uint32 len || purpose || value)``
truncated to ``bits`` (FORMAT.md section 5). Never a plain hash: without the key an attacker
with the database cannot test guesses, which matters because personnummer and phone numbers
are small, enumerable spaces.

Why 16 bits by default. With ``n`` stored values a lookup returns the true matches plus about
``n / 2**16`` coincidental ones: ~1.5 at 10^5 records, ~15 at 10^6. The application decrypts
those few candidates and compares exactly, which costs microseconds. In exchange, two rows
sharing an index value are *not* proof that they hold the same value: at 10^5-10^6 records each
index value is shared by several unrelated people, so a database thief cannot link cases by
index alone, and even with the index key (2^16 buckets for ~10^8 possible personnummer) a
stolen index narrows a value down to thousands of candidates, not one. Wider indexes (24-32
bits) would make every match exact and so leak equality outright.

What a blind index still leaks: rows with equal values always share an index value (equality,
blurred by coincidental collisions at about n / 2^bits per bucket); how many rows fall into each
bucket (a frequency histogram); and, to anyone holding the index key, a candidate set per row.
It reveals nothing else without the key. Populations far below 10^5 blur equality less.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import NoReturn

from ._encoding import length_prefixed

__all__ = ["DEFAULT_BLIND_INDEX_BITS", "BlindIndex"]

DEFAULT_BLIND_INDEX_BITS = 16
_DOMAIN = b"helpline/blind-index/v1\x00"


class BlindIndex:
    """Deterministic keyed index for one purpose (e.g. ``"blind-index:personnummer"``).

    Give each purpose its own key (``KeyProvider.purpose_key(purpose)``); the purpose is also
    mixed into the MAC so that one key misused for two purposes still yields unrelated indexes.
    """

    __slots__ = ("_base", "_length", "bits", "purpose")

    def __init__(self, key: bytes, *, purpose: str, bits: int = DEFAULT_BLIND_INDEX_BITS) -> None:
        if not isinstance(key, bytes) or len(key) < 32:
            raise ValueError("a blind index key is at least 32 bytes")
        if not isinstance(purpose, str) or not purpose:
            raise ValueError("purpose must be a non-empty string")
        if isinstance(bits, bool) or not isinstance(bits, int) or bits % 8 or not 16 <= bits <= 256:
            raise ValueError("bits must be a multiple of 8 in [16, 256]")
        self.purpose = purpose
        self.bits = bits
        self._length = bits // 8
        # The key and the purpose prefix are absorbed once; compute() copies this state.
        self._base = hmac.new(
            key, _DOMAIN + length_prefixed(purpose.encode("utf-8")), hashlib.sha256
        )

    def compute(self, normalised: str) -> bytes:
        """The index of an already normalised value (see normalise_personnummer/_phone)."""
        if not isinstance(normalised, str) or not normalised:
            raise ValueError("the value to index must be a non-empty string")
        mac = self._base.copy()
        mac.update(normalised.encode("utf-8"))
        return mac.digest()[: self._length]

    def __repr__(self) -> str:
        return f"BlindIndex(purpose={self.purpose!r}, bits={self.bits})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("BlindIndex cannot be pickled or copied")
