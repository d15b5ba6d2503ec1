"""Writing and verifying the audit log.

``record`` adds one event inside the caller's transaction: if the transaction rolls back, the
event goes with it, and if the audit write fails, the caller's work (or read) fails too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock
from helpline.audit.actions import AuditResult
from helpline.audit.chain import GENESIS_HASH, ChainVerifier, VerifyResult, entry_hash
from helpline.models.audit import AuditChainHead, AuditEvent
from helpline.models.users import User

HEAD_ID = 1


@dataclass(frozen=True)
class AuditContext:
    """Who acts and through which request; passed from the boundary to services."""

    actor: User | None
    request_id: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """Where an event went in the chain (an alert, for one, points at its event by ``seq``)."""

    seq: int
    entry_hash: bytes


@dataclass(frozen=True)
class AuditEntry:
    """What one event says, before it has its place in the chain (for ``record_all``)."""

    context: AuditContext
    action: str
    result: str = AuditResult.SUCCESS
    organisation_id: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    purpose: str | None = None
    fields: Sequence[str] = ()
    details: dict[str, Any] | None = None


async def record(
    db: AsyncSession,
    *,
    context: AuditContext,
    action: str,
    result: str = AuditResult.SUCCESS,
    organisation_id: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    purpose: str | None = None,
    fields: Sequence[str] = (),
    details: dict[str, Any] | None = None,
) -> RecordedEvent:
    entry = AuditEntry(
        context=context, action=action, result=result, organisation_id=organisation_id,
        object_type=object_type, object_id=object_id, purpose=purpose, fields=fields,
        details=details,
    )
    (event,) = await record_all(db, [entry])
    return event


async def record_all(db: AsyncSession, entries: Sequence[AuditEntry]) -> list[RecordedEvent]:
    """Append the entries, in order, as consecutive links of the chain: one head lock, one
    insert and one head update however many there are (the webhook records a group of calls
    in one transaction this way)."""
    if not entries:
        return []
    # Core statements, not the ORM's unit of work: every request writes at least one event,
    # and three plain statements cost a fraction of a flush.
    last_seq, last_hash = await _locked_head(db)
    occurred_at = clock.now()
    rows, recorded = [], []
    for entry in entries:
        values = _row(entry, seq=last_seq + 1, occurred_at=occurred_at, prev_hash=last_hash)
        # The row's values seen as a chain entry; a mapped AuditEvent would cost more to build
        # than the whole insert.
        values["entry_hash"] = entry_hash(last_hash, SimpleNamespace(**values))
        last_seq, last_hash = values["seq"], values["entry_hash"]
        rows.append(values)
        recorded.append(RecordedEvent(last_seq, last_hash))
    await db.execute(_INSERT_EVENT, rows)  # one row, or executemany
    await db.execute(_MOVE_HEAD, {"new_seq": last_seq, "new_hash": last_hash})
    return recorded


def _row(
    entry: AuditEntry, *, seq: int, occurred_at: datetime, prev_hash: bytes
) -> dict[str, Any]:
    actor = entry.context.actor
    return {
        "seq": seq,
        "occurred_at": occurred_at,
        "actor_user_id": actor.id if actor else None,
        "actor_organisation_id": actor.organisation_id if actor else None,
        "organisation_id": entry.organisation_id or (actor.organisation_id if actor else None),
        "action": str(entry.action),
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "purpose": entry.purpose,
        "result": str(entry.result),
        "fields": list(entry.fields),
        "details": entry.details or {},
        "request_id": entry.context.request_id,
        "prev_hash": prev_hash,
    }


# Built once: building a statement costs more than running it (measured ~230 µs of ~370 µs
# for an UPDATE here). Core tables, not the mapped classes, so the session runs them as plain
# SQL rather than ORM bulk operations.
_EVENTS, _HEAD = AuditEvent.__table__, AuditChainHead.__table__
# FOR UPDATE serialises writers across processes on PostgreSQL; SQLite already serialises
# them through BEGIN IMMEDIATE.
_LOCKED_HEAD = (
    select(_HEAD.c.last_seq, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
)
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)


class AuditHeadMissing(RuntimeError):
    """The chain's head row is gone. The first migration creates it and nothing deletes it, so
    this is damage or tampering: nothing is written (and so nothing is served) until it is
    looked into, rather than starting a new head that would hide it."""


async def _locked_head(db: AsyncSession) -> tuple[int, bytes]:
    row = (await db.execute(_LOCKED_HEAD)).one_or_none()
    if row is None:
        raise AuditHeadMissing("the audit chain head is missing")
    return row.last_seq, row.last_hash


async def verify(
    db: AsyncSession, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    """Check the log from its first stored entry (whatever its seq: one below 1 is forged)
    up to the head read at the start. Events appended while this runs (PostgreSQL) lie past
    that head and are left for the next run; an entry past the head as it is at the end was
    never appended through it, and is named."""
    head = await _head(db)
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    verifier = ChainVerifier()
    after: int | None = None
    limit = batch_size
    while True:
        try:
            batch = await _entries(db, after=after, up_to=head_seq, limit=limit)
        except (ValueError, TypeError):  # a stored JSON value no longer decodes
            if limit > 1:
                limit = 1  # go on one entry at a time, to name the one that does not load
                continue
            unreadable = await db.scalar(_next_seq(after))  # the seq column alone still reads
            assert unreadable is not None
            return verifier.unreadable(unreadable)
        if not batch or not all(verifier.feed(entry) for entry in batch):
            break
        after = batch[-1].seq
        if progress:
            progress(after)
        for entry in batch:  # keep memory flat on a long log
            db.expunge(entry)
    result = verifier.finish(head_seq, head_hash)
    if result.ok:
        now_head = await _head(db)
        beyond = await db.scalar(select(func.max(AuditEvent.seq)))
        if beyond is not None and beyond > (now_head.last_seq if now_head else 0):
            return VerifyResult(False, result.checked, head_seq + 1, "entries past the chain head")
    return result


async def _head(db: AsyncSession) -> AuditChainHead | None:
    return (
        await db.execute(
            select(AuditChainHead)
            .where(AuditChainHead.id == HEAD_ID)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()


def _next_seq(after: int | None) -> Select[Any]:
    statement = select(AuditEvent.seq).order_by(AuditEvent.seq).limit(1)
    return statement if after is None else statement.where(AuditEvent.seq > after)


async def _entries(
    db: AsyncSession, *, after: int | None, up_to: int, limit: int
) -> Sequence[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.seq <= up_to)
        .order_by(AuditEvent.seq)
        .limit(limit)
        .execution_options(populate_existing=True)
    )
    if after is not None:
        statement = statement.where(AuditEvent.seq > after)
    return (await db.execute(statement)).scalars().all()
