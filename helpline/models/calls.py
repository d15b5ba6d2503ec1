"""Helpline calls, their Twilio events, callback requests, the duty roster and helpline numbers.

Encrypted columns hold ciphertext only (see ``helpline.keys``): a call's caller number and
summary are under the call's own data key (scope ``call:<id>``), bound to the row and column;
duty phone numbers are under the organisation's roster key (scope ``roster:<organisation id>``).
The caller number's blind index is a short keyed MAC (16 bits): equal numbers share it, so it
narrows a repeat-caller lookup to a few candidates that are then compared by decryption.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from helpline.db import Base, UTCDateTime, UUIDString, new_id, now_utc, str_enum


class CallDirection(enum.StrEnum):
    INBOUND = "INBOUND"


class CallerType(enum.StrEnum):
    SELF = "SELF"
    RELATIVE = "RELATIVE"
    PROFESSIONAL = "PROFESSIONAL"
    UNKNOWN = "UNKNOWN"


class CallChannel(enum.StrEnum):
    HELPLINE = "HELPLINE"
    SWITCHBOARD = "SWITCHBOARD"
    SOCIAL_SERVICES = "SOCIAL_SERVICES"
    PRISON_PROBATION = "PRISON_PROBATION"
    OTHER_AUTHORITY = "OTHER_AUTHORITY"
    WALK_IN = "WALK_IN"


class CallOutcome(enum.StrEnum):
    MEETING_BOOKED = "MEETING_BOOKED"
    REFERRED = "REFERRED"
    NO_ACTION = "NO_ACTION"
    CASE_OPENED = "CASE_OPENED"


class CallStatus(enum.StrEnum):
    """Telephony state of a Twilio call; only ever moves forward (see ``STATUS_RANK``)."""

    RINGING = "RINGING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    BUSY = "BUSY"
    NO_ANSWER = "NO_ANSWER"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


STATUS_RANK: dict[CallStatus, int] = {
    CallStatus.RINGING: 1,
    CallStatus.IN_PROGRESS: 2,
    # Terminal states share the top rank: the first one to arrive wins, later ones are ignored.
    CallStatus.COMPLETED: 3,
    CallStatus.BUSY: 3,
    CallStatus.NO_ANSWER: 3,
    CallStatus.FAILED: 3,
    CallStatus.CANCELED: 3,
}


class CallbackState(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"


class CallbackOutcome(enum.StrEnum):
    REACHED = "REACHED"
    NOT_REACHED = "NOT_REACHED"
    NOT_NEEDED = "NOT_NEEDED"


class HelplineNumber(Base):
    """A public helpline number (Twilio ``To``, E.164) and the organisation that owns its calls."""

    __tablename__ = "helpline_numbers"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class HelplineCall(Base):
    __tablename__ = "helpline_calls"
    __table_args__ = (
        # A withheld number has neither ciphertext nor index; a stored number has both.
        CheckConstraint(
            "(caller_number IS NULL) = (caller_number_index IS NULL)", name="number_has_index"
        ),
        Index("ix_helpline_calls_org_received", "organisation_id", "received_at"),
    )

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    # Twilio's CallSid; NULL for calls logged by hand. Unique: the voice webhook is idempotent.
    call_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    direction: Mapped[CallDirection] = mapped_column(
        str_enum(CallDirection), default=CallDirection.INBOUND
    )
    channel: Mapped[CallChannel] = mapped_column(str_enum(CallChannel))
    status: Mapped[CallStatus | None] = mapped_column(str_enum(CallStatus))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    dial_status: Mapped[str | None] = mapped_column(String(20))
    answered_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    caller_type: Mapped[CallerType | None] = mapped_column(str_enum(CallerType))
    # Ciphertext of the E.164 caller number; never shown in lists. NULL when withheld.
    caller_number: Mapped[bytes | None] = mapped_column(LargeBinary)
    caller_number_index: Mapped[bytes | None] = mapped_column(LargeBinary(32), index=True)
    caller_withheld: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(20))
    acute_danger_advice: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[CallOutcome | None] = mapped_column(str_enum(CallOutcome))
    # Ciphertext of a short, minimised summary.
    summary: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The case this call belongs to (set by intake or by linking); the call outlives a case
    # that is removed, without the link.
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    logged_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<HelplineCall {self.id} {self.channel} {self.status}>"


class CallEvent(Base):
    """One Twilio callback, once: the unique key makes retried and duplicated callbacks no-ops."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("call_sid", "event_key", name="uq_call_events_call_sid_event_key"),
    )

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    call_id: Mapped[str] = mapped_column(
        ForeignKey("helpline_calls.id", ondelete="CASCADE"), index=True
    )
    call_sid: Mapped[str] = mapped_column(String(64))
    event_key: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class CallbackRequest(Base):
    """A caller pressed 1 after nobody answered: an officer should call back."""

    __tablename__ = "callback_requests"

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    call_id: Mapped[str] = mapped_column(
        ForeignKey("helpline_calls.id", ondelete="CASCADE"), unique=True
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[CallbackState] = mapped_column(
        str_enum(CallbackState), default=CallbackState.OPEN, index=True
    )
    outcome: Mapped[CallbackOutcome | None] = mapped_column(str_enum(CallbackOutcome))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DutyShift(Base):
    """An officer's duty period (jourpass) and the phone to ring during it (ciphertext)."""

    __tablename__ = "duty_shifts"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_duty_shifts_org_period", "organisation_id", "starts_at", "ends_at"),
    )

    id: Mapped[str] = mapped_column(UUIDString, primary_key=True, default=new_id)
    organisation_id: Mapped[str] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phone: Mapped[bytes] = mapped_column(LargeBinary)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
