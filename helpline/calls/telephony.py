"""Rules for Twilio's callbacks: move a call's state forward only, turn "press 1" into one
callback request, find who is on duty. Called only after the signature has been verified.
(The incoming call itself is recorded by ``helpline.calls.recorder``.)

Idempotency: ``helpline_calls.call_sid`` and ``call_events (call_sid, event_key)`` are unique.
The call is inserted with ON CONFLICT DO NOTHING, and each later callback's first write runs in
a SAVEPOINT; a concurrent duplicate writes nothing (or rolls back only its savepoint) and
answers exactly like the winner, so Twilio's retries (and three copies of one webhook at once)
give one row and one set of side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import rls
from helpline.audit import AuditContext, record
from helpline.calls import repository
from helpline.calls.fields import (
    roster_scope,
    shift_row_binding,
)
from helpline.keys import KeyService
from helpline.models.calls import (
    STATUS_RANK,
    CallbackRequest,
    CallStatus,
    HelplineCall,
    HelplineNumber,
)
from helpline.models.org import Organisation

TWILIO_STATUS = {
    "queued": CallStatus.RINGING,
    "initiated": CallStatus.RINGING,
    "ringing": CallStatus.RINGING,
    "in-progress": CallStatus.IN_PROGRESS,
    "completed": CallStatus.COMPLETED,
    "busy": CallStatus.BUSY,
    "no-answer": CallStatus.NO_ANSWER,
    "failed": CallStatus.FAILED,
    "canceled": CallStatus.CANCELED,
}
ANSWERED_DIAL = frozenset({"completed", "answered"})
# What Twilio documents for DialCallStatus, and for an officer's leg (its CallStatus, plus the
# "answered" of status_callback_event). Anything else is recorded as "other": a signed request
# is Twilio's, but its values are still only text (up to 200 characters), and they go into a
# call event's key and the call's dial status.
DIAL_STATUSES = frozenset({"completed", "answered", "busy", "no-answer", "failed", "canceled"})
LEG_STATUSES = frozenset({*TWILIO_STATUS, "answered"})
OTHER = "other"


def _known(value: str, known: frozenset[str]) -> str:
    return value if value in known else OTHER


@dataclass(frozen=True)
class Deps:
    db: AsyncSession
    keys: KeyService
    context: AuditContext
    now: datetime


async def bind_line(deps: Deps, number: str | None) -> str | None:
    """The organisation that owns the called number; the transaction is bound to it."""
    if number is None:
        return None
    organisation_id = await repository.organisation_of_line(deps.db, number)
    if organisation_id is not None:
        await rls.bind_organisation(deps.db, organisation_id)
    return organisation_id


@dataclass(frozen=True)
class DutyPhones:
    """The decrypted phones to ring, each once, and the duty periods they were read from
    (the call's audit event names those: whose phone was read, and rung, for which call)."""

    phones: tuple[str, ...]
    shift_ids: tuple[str, ...]


async def duty_phones(
    db: AsyncSession, keys: KeyService, organisation_id: str, *, now: datetime
) -> DutyPhones:
    """The phones of the officers on duty now, in shift order."""
    phones: list[str] = []
    shift_ids: list[str] = []
    for shift in await repository.shifts_on_duty(db, organisation_id, now=now):
        phone = await keys.decrypt(
            db,
            scope=roster_scope(organisation_id),
            binding=shift_row_binding(shift.organisation_id, shift.id),
            blob=shift.phone,
        )
        shift_ids.append(shift.id)
        if phone not in phones:
            phones.append(str(phone))
    return DutyPhones(tuple(phones), tuple(shift_ids))


async def first_time(deps: Deps, call: HelplineCall, key: str) -> bool:
    """Record the event; False when it was seen before (retried or duplicated callback)."""
    try:
        async with deps.db.begin_nested():
            repository.add_event(deps.db, call, key, now=deps.now)
            await deps.db.flush()
    except IntegrityError:
        return False
    return True


async def call_status(deps: Deps, call: HelplineCall, *, twilio_status: str, duration: str) -> None:
    """The parent call's status callback: forward-only, repeated and late ones change nothing."""
    status = TWILIO_STATUS.get(twilio_status)
    if status is None or not await first_time(deps, call, f"status:{twilio_status}"):
        return
    current = STATUS_RANK[call.status] if call.status else 0
    if STATUS_RANK[status] <= current:
        return
    call.status = status
    if STATUS_RANK[status] == STATUS_RANK[CallStatus.COMPLETED]:
        call.ended_at = deps.now
        if _seconds(duration):
            call.duration_seconds = int(duration)
    await record(
        deps.db,
        context=deps.context,
        action="call.status_changed",
        organisation_id=call.organisation_id,
        object_type="call",
        object_id=call.id,
        details={"status": str(status)},
    )


def _seconds(duration: str) -> bool:
    """Whether Twilio's duration is a count of seconds we take: ASCII digits ("²" is a digit to
    str.isdigit, not to int), at most six of them."""
    return duration.isascii() and duration.isdigit() and len(duration) <= 6


async def leg_status(deps: Deps, call: HelplineCall, *, leg_sid: str, twilio_status: str) -> None:
    """An officer's phone (a child leg of the dial) answered: the call was answered then."""
    if twilio_status not in ("in-progress", "answered"):
        await first_time(deps, call, f"leg:{leg_sid}:{_known(twilio_status, LEG_STATUSES)}")
        return
    if await first_time(deps, call, f"leg:{leg_sid}:answered") and call.answered_at is None:
        call.answered_at = deps.now


async def dial_result(deps: Deps, call: HelplineCall, *, dial_status: str, duration: str) -> bool:
    """The <Dial> ended; True if an officer answered. A call's dial ends once: the first result
    is kept, and a retried or contradicting one is answered from it (a late "no-answer" must
    not offer a callback, nor overwrite, after an officer took the call)."""
    if await first_time(deps, call, "dial"):
        call.dial_status = _known(dial_status, DIAL_STATUSES)
        if call.dial_status in ANSWERED_DIAL and call.answered_at is None:
            seconds = int(duration) if _seconds(duration) else 0
            # Twilio's duration is only text: never before the call itself came in.
            call.answered_at = max(call.received_at, deps.now - timedelta(seconds=seconds))
    return call.dial_status in ANSWERED_DIAL


async def request_callback(deps: Deps, call: HelplineCall) -> bool:
    """The caller pressed 1: one callback request per call. False if it cannot be honoured."""
    if call.caller_number is None:
        return False  # withheld: there is no number to call back
    if not await first_time(deps, call, "gather:1"):
        return True
    if await repository.callback_for_call(deps.db, call.id) is not None:
        return True
    callback = CallbackRequest(
        organisation_id=call.organisation_id, call_id=call.id, requested_at=deps.now
    )
    deps.db.add(callback)
    await deps.db.flush()
    await record(
        deps.db,
        context=deps.context,
        action="callback.requested",
        organisation_id=call.organisation_id,
        object_type="callback",
        object_id=callback.id,
        details={"call_id": call.id},
    )
    return True


DEMO_LINE = "+46701740605"  # in PTS's range of numbers reserved for fiction (070-174 06 05-99)


async def ensure_line(db: AsyncSession, *, organisation_id: str, number: str) -> HelplineNumber:
    """Map a helpline number (E.164) to the organisation that owns its calls; idempotent."""
    existing = await repository.line_by_number(db, number)
    if existing is not None:
        if existing.organisation_id != organisation_id:
            raise ValueError("the number already belongs to another organisation")
        return existing
    line = HelplineNumber(organisation_id=organisation_id, number=number)
    db.add(line)
    await db.flush()
    return line


async def ensure_demo_line(db: AsyncSession, organisation: Organisation) -> HelplineNumber:
    """The demo police organisation answers the demo helpline number."""
    return await ensure_line(db, organisation_id=organisation.id, number=DEMO_LINE)
