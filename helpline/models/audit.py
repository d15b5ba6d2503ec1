"""The append-only, hash-chained audit log.

Each event's ``entry_hash`` is SHA-256 over its canonical content and the previous event's hash;
``audit_chain_head`` holds the sequence number and hash of the newest event, so deleting the tail
is detected too. Writers lock the head row, which also serialises sequence numbers across
processes. Database triggers (see the migration) refuse UPDATE and DELETE on events.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString

# The longest stated purpose an event holds; every form that asks for a purpose caps it here,
# or PostgreSQL refuses the event (and with it the read) as a 500.
PURPOSE_MAX = 200


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_user_id: Mapped[str | None] = mapped_column(UUIDString, index=True)
    actor_organisation_id: Mapped[str | None] = mapped_column(UUIDString)
    organisation_id: Mapped[str | None] = mapped_column(UUIDString, index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(80))
    purpose: Mapped[str | None] = mapped_column(String(PURPOSE_MAX))
    result: Mapped[str] = mapped_column(String(20))
    # Field names or data categories concerned; never values.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(36))
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
