"""The hash chain detects every kind of tampering and names the first bad entry."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from helpline.audit.chain import GENESIS_HASH, entry_hash, verify_entries


@dataclasses.dataclass
class Entry:
    seq: int
    occurred_at: datetime
    action: str
    actor_user_id: str | None = None
    actor_organisation_id: str | None = None
    organisation_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    purpose: str | None = None
    result: str = "success"
    fields: list[str] = dataclasses.field(default_factory=list)
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    request_id: str | None = None
    prev_hash: bytes = b""
    entry_hash: bytes = b""


def make_chain(n: int) -> tuple[list[Entry], int, bytes]:
    entries, prev = [], GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for seq in range(1, n + 1):
        entry = Entry(seq=seq, occurred_at=start + timedelta(seconds=seq), action=f"a{seq}",
                      object_id=str(seq), prev_hash=prev)
        entry.entry_hash = entry_hash(prev, entry)
        prev = entry.entry_hash
        entries.append(entry)
    return entries, n, prev


def verify(entries, head_seq, head_hash):
    return verify_entries(entries, head_seq=head_seq, head_hash=head_hash)


def test_an_untouched_chain_verifies():
    entries, seq, head = make_chain(20)
    result = verify(entries, seq, head)
    assert result.ok and result.checked == 20


def test_an_empty_log_verifies_against_the_genesis_head():
    assert verify([], 0, GENESIS_HASH).ok


@given(n=st.integers(2, 30), data=st.data())
def test_flipping_any_field_is_detected_at_that_entry(n, data):
    entries, seq, head = make_chain(n)
    index = data.draw(st.integers(0, n - 1))
    field = data.draw(st.sampled_from(["action", "object_id", "purpose", "result", "details"]))
    value = {"details": {"x": 1}}.get(field, "tampered")
    setattr(entries[index], field, value)
    result = verify(entries, seq, head)
    assert not result.ok and result.first_bad_seq == index + 1


@given(n=st.integers(2, 30), data=st.data())
def test_deleting_an_entry_is_detected_where_it_was(n, data):
    entries, seq, head = make_chain(n)
    index = data.draw(st.integers(0, n - 2))
    del entries[index]
    result = verify(entries, seq, head)
    assert not result.ok and result.first_bad_seq == index + 1


@given(n=st.integers(3, 30), data=st.data())
def test_reordering_is_detected_at_the_first_moved_entry(n, data):
    entries, seq, head = make_chain(n)
    i = data.draw(st.integers(0, n - 2))
    entries[i], entries[i + 1] = entries[i + 1], entries[i]
    result = verify(entries, seq, head)
    assert not result.ok and result.first_bad_seq == i + 1


@given(n=st.integers(2, 30), data=st.data())
def test_inserting_a_forged_entry_is_detected(n, data):
    entries, seq, head = make_chain(n)
    index = data.draw(st.integers(1, n - 1))
    forged = dataclasses.replace(entries[index], action="forged")
    forged.entry_hash = entry_hash(forged.prev_hash, forged)  # even with a correct own hash
    entries.insert(index, forged)
    result = verify(entries, seq, head)
    # The forgery links correctly; the genuine entry after it no longer does.
    assert not result.ok and result.first_bad_seq == index + 2


@given(n=st.integers(2, 30), data=st.data())
def test_truncating_the_tail_is_detected_by_the_head(n, data):
    entries, seq, head = make_chain(n)
    keep = data.draw(st.integers(0, n - 1))
    result = verify(entries[:keep], seq, head)
    assert not result.ok and result.first_bad_seq == keep + 1


def test_rehashing_a_changed_entry_breaks_the_next_link():
    entries, seq, head = make_chain(5)
    entries[1].action = "rewritten"
    entries[1].entry_hash = entry_hash(entries[1].prev_hash, entries[1])
    result = verify(entries, seq, head)
    assert not result.ok and result.first_bad_seq == 3


def test_the_verifier_keeps_the_first_failure_and_refuses_what_follows():
    from helpline.audit.chain import ChainVerifier

    entries, _, _ = make_chain(3)
    entries[1].action = "changed"
    verifier = ChainVerifier()
    assert verifier.feed(entries[0]) is True
    assert verifier.feed(entries[1]) is False
    assert verifier.feed(entries[2]) is False  # already failed: nothing after counts
    assert verifier.failure is not None and verifier.failure.first_bad_seq == 2
