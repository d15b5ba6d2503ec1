"""The hash chain: canonical encoding of an audit entry and verification of a sequence.

Pure functions, no database: ``helpline.audit.service`` feeds them rows, the tests feed them
tampered lists. An entry's hash covers its sequence number, so reordering, deleting or inserting
entries breaks the chain at the first affected position; the chain head covers truncation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

GENESIS_HASH = bytes(32)
_DOMAIN = b"helpline-audit-v1\x00"


class ChainEntry(Protocol):
    seq: int
    occurred_at: datetime
    actor_user_id: str | None
    actor_organisation_id: str | None
    organisation_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    purpose: str | None
    result: str
    fields: list[str]
    details: dict[str, Any]
    request_id: str | None
    prev_hash: bytes
    entry_hash: bytes


def canonical_content(entry: ChainEntry) -> bytes:
    """A deterministic byte encoding of everything an entry says (sorted keys, UTC, µs)."""
    occurred = entry.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if not isinstance(entry.fields, list) or not isinstance(entry.details, dict):
        # Every entry is written with a list and an object; another shape (null, a string, a
        # list of pairs) would otherwise hash as the list or object it converts to.
        raise TypeError("fields must be a list and details an object")
    content = {
        "seq": entry.seq,
        "occurred_at": occurred,
        "actor_user_id": entry.actor_user_id,
        "actor_organisation_id": entry.actor_organisation_id,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "purpose": entry.purpose,
        "result": entry.result,
        "fields": list(entry.fields),
        "details": dict(entry.details),
        "request_id": entry.request_id,
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: bytes, entry: ChainEntry) -> bytes:
    return hashlib.sha256(_DOMAIN + prev_hash + canonical_content(entry)).digest()


@dataclass(frozen=True)
class VerifyResult:
    """``first_bad_seq`` is the first position (1-based) where the log departs from the chain."""

    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None


class ChainVerifier:
    """Checks entries one at a time, in stored order, so a long log streams in batches."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.failure: VerifyResult | None = None

    def feed(self, entry: ChainEntry) -> bool:
        """Check the next entry; returns False (and keeps the first failure) on a bad one."""
        if self.failure is not None:
            return False
        problem = self._problem(entry)
        if problem:
            self.failure = VerifyResult(False, self.expected_seq - 1, self.expected_seq, problem)
            return False
        self.prev_hash = entry.entry_hash
        self.expected_seq += 1
        return True

    def _problem(self, entry: ChainEntry) -> str | None:
        if entry.seq != self.expected_seq:
            return f"expected entry {self.expected_seq}, found {entry.seq} (missing or reordered)"
        if not hmac.compare_digest(entry.prev_hash, self.prev_hash):
            return "does not link to the previous entry"
        try:
            expected = entry_hash(self.prev_hash, entry)
        except (TypeError, ValueError):  # fields or details of a shape no entry is written with
            return "content cannot be read (altered)"
        if not hmac.compare_digest(entry.entry_hash, expected):
            return "content does not match its hash (altered)"
        return None

    def unreadable(self, seq: int) -> VerifyResult:
        """The stored entry ``seq``, after the last good one, could not even be loaded."""
        return VerifyResult(False, self.expected_seq - 1, seq, "content cannot be read (altered)")

    def finish(self, head_seq: int, head_hash: bytes) -> VerifyResult:
        if self.failure is not None:
            return self.failure
        checked = self.expected_seq - 1
        if head_seq != checked or not hmac.compare_digest(head_hash, self.prev_hash):
            # The log ends before or after the head: entries cut from or added to the tail.
            return VerifyResult(False, checked, checked + 1, "log does not end at the chain head")
        return VerifyResult(True, checked)


def verify_entries(
    entries: Iterable[ChainEntry], *, head_seq: int, head_hash: bytes
) -> VerifyResult:
    verifier = ChainVerifier()
    for entry in entries:
        if not verifier.feed(entry):
            break
    return verifier.finish(head_seq, head_hash)
