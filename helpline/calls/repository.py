"""SQL for calls, call events, callback requests, the duty roster and helpline numbers.

Every read a user makes starts from ``readable_calls(user)`` / ``readable_callbacks(user)``:
the organisation filter is part of the statement, so no query can forget it. The webhooks,
which have no user, are bound to the organisation that owns the called number instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, false, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.authz import ROLE_PERMISSIONS, Permission
from helpline.models.calls import (
    CallbackRequest,
    CallbackState,
    CallEvent,
    DutyShift,
    HelplineCall,
    HelplineNumber,
)
from helpline.models.users import User

LINE_LOOKUP_SETTING = "helpline.line_lookup"


def _may_log_calls(user: User) -> bool:
    return Permission.CALLS_LOG in ROLE_PERMISSIONS[user.role]


def readable_calls(user: User) -> Select[tuple[HelplineCall]]:
    statement = select(HelplineCall).where(HelplineCall.organisation_id == user.organisation_id)
    if not _may_log_calls(user):
        statement = statement.where(false())  # an empty set, never an error
    return statement


def readable_callbacks(user: User) -> Select[tuple[CallbackRequest]]:
    statement = select(CallbackRequest).where(
        CallbackRequest.organisation_id == user.organisation_id
    )
    if not _may_log_calls(user):
        statement = statement.where(false())
    return statement


async def readable_call(db: AsyncSession, user: User, call_id: str) -> HelplineCall | None:
    return (
        await db.execute(readable_calls(user).where(HelplineCall.id == call_id))
    ).scalar_one_or_none()


async def recent_calls(
    db: AsyncSession, user: User, *, since: datetime, limit: int
) -> list[HelplineCall]:
    statement = (
        readable_calls(user)
        .where(HelplineCall.received_at >= since)
        .order_by(HelplineCall.received_at.desc(), HelplineCall.id)
        .limit(limit)
    )
    return list((await db.execute(statement)).scalars().all())


async def calls_with_index(
    db: AsyncSession, user: User, *, index: bytes, before: datetime, exclude_id: str
) -> list[HelplineCall]:
    """Candidates for earlier calls from one number: equal index, then compared by decryption."""
    statement = (
        readable_calls(user)
        .where(
            HelplineCall.caller_number_index == index,
            HelplineCall.received_at <= before,
            HelplineCall.id != exclude_id,
        )
        .order_by(HelplineCall.received_at.desc())
        .limit(200)
    )
    return list((await db.execute(statement)).scalars().all())


async def callback_call_ids(db: AsyncSession, user: User, call_ids: list[str]) -> set[str]:
    if not call_ids:
        return set()
    statement = readable_callbacks(user).where(CallbackRequest.call_id.in_(call_ids))
    return {row.call_id for row in (await db.execute(statement)).scalars().all()}


async def callback_queue(db: AsyncSession, user: User, *, limit: int) -> list[CallbackRequest]:
    statement = (
        readable_callbacks(user)
        .order_by(
            (CallbackRequest.state == CallbackState.OPEN).desc(),
            CallbackRequest.requested_at.desc(),
        )
        .limit(limit)
    )
    return list((await db.execute(statement)).scalars().all())


async def readable_callback(
    db: AsyncSession, user: User, callback_id: str, *, lock: bool = False
) -> CallbackRequest | None:
    """``lock``: held until the commit, for a change decided on the state read (two officers
    marking one callback done at once)."""
    statement = readable_callbacks(user).where(CallbackRequest.id == callback_id)
    if lock:
        statement = statement.with_for_update(of=CallbackRequest)
    return (await db.execute(statement)).scalar_one_or_none()


async def callback_for_call(db: AsyncSession, call_id: str) -> CallbackRequest | None:
    return (
        await db.execute(select(CallbackRequest).where(CallbackRequest.call_id == call_id))
    ).scalar_one_or_none()


# --- webhooks (bound to the line's organisation) ----------------------------------------------


# The webhooks' statements are built once, with bind parameters: building a statement costs
# more than running it, and these run on every call Twilio sends.
_LINES, _CALLS = HelplineNumber.__table__, HelplineCall.__table__
_LINE_OWNER = select(_LINES.c.organisation_id).where(_LINES.c.number == bindparam("number"))
_INSERT_CALL_ONCE = {
    name: dialect.insert(_CALLS)
    .on_conflict_do_nothing(index_elements=[_CALLS.c.call_sid])
    .returning(_CALLS.c.call_sid)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_CALLS_BY_SID = select(
    _CALLS.c.call_sid, _CALLS.c.caller_number.is_(None).label("no_number")
).where(
    _CALLS.c.organisation_id == bindparam("organisation_id"),
    _CALLS.c.call_sid.in_(bindparam("sids", expanding=True)),
)
_SET_LINE_LOOKUP = text("SELECT set_config(:key, :value, true)")


async def organisation_of_line(db: AsyncSession, number: str) -> str | None:
    """Which organisation owns a helpline number."""
    return (await organisations_of_lines(db, [number])).get(number)


async def organisations_of_lines(db: AsyncSession, numbers: Iterable[str]) -> dict[str, str]:
    """The organisation of each helpline number we have (unknown numbers are left out). On
    PostgreSQL, row-level security lets these lookups see every organisation's numbers (and
    nothing else), for this transaction only."""
    postgres = db.get_bind().dialect.name == "postgresql"
    if postgres:
        await db.execute(_SET_LINE_LOOKUP, {"key": LINE_LOOKUP_SETTING, "value": "on"})
    owners = {}
    for number in dict.fromkeys(numbers):
        organisation_id = (await db.execute(_LINE_OWNER, {"number": number})).scalar_one_or_none()
        if organisation_id is not None:
            owners[number] = organisation_id
    if postgres:
        await db.execute(_SET_LINE_LOOKUP, {"key": LINE_LOOKUP_SETTING, "value": "off"})
    return owners


async def insert_calls_once(db: AsyncSession, rows: Sequence[dict[str, object]]) -> set[str]:
    """INSERT ... ON CONFLICT (call_sid) DO NOTHING for each row, in one statement: the CallSids
    of the rows this statement created. Twilio's retries and duplicates of one webhook then
    give one row each, without a savepoint."""
    if not rows:
        return set()
    statement = _INSERT_CALL_ONCE[db.get_bind().dialect.name]
    result = await db.execute(statement, list(rows))
    return set(result.scalars().all())


async def withheld_by_sid(
    db: AsyncSession, organisation_id: str, sids: Sequence[str]
) -> dict[str, bool]:
    """For calls of the organisation already recorded: whether each one has no caller number
    (withheld, or not a phone number), so that no callback can be offered."""
    if not sids:
        return {}
    parameters = {"organisation_id": organisation_id, "sids": list(sids)}
    rows = (await db.execute(_CALLS_BY_SID, parameters)).all()
    return {row.call_sid: bool(row.no_number) for row in rows}


async def call_by_sid(db: AsyncSession, organisation_id: str, sid: str) -> HelplineCall | None:
    """The call, locked until the commit: Twilio's callbacks for one call arrive independently,
    and each decides from the state it read (forward-only status, the first dial result), so
    they must run one after another (PostgreSQL; SQLite's writers are serial anyway)."""
    statement = (
        select(HelplineCall)
        .where(HelplineCall.organisation_id == organisation_id, HelplineCall.call_sid == sid)
        .with_for_update(of=HelplineCall)
    )
    return (await db.execute(statement)).scalar_one_or_none()


def add_event(db: AsyncSession, call: HelplineCall, key: str, *, now: datetime) -> CallEvent:
    assert call.call_sid is not None
    event = CallEvent(
        call_id=call.id,
        organisation_id=call.organisation_id,
        call_sid=call.call_sid,
        event_key=key,
        received_at=now,
    )
    db.add(event)
    return event


async def line_by_number(db: AsyncSession, number: str) -> HelplineNumber | None:
    statement = select(HelplineNumber).where(HelplineNumber.number == number)
    return (await db.execute(statement)).scalar_one_or_none()


# --- roster ------------------------------------------------------------------------------------


_SHIFTS, _USERS = DutyShift.__table__, User.__table__
# Roles that take calls: the only ones the roster form offers, and the only ones dialled.
CALL_ROLES = [role for role, perms in ROLE_PERMISSIONS.items() if Permission.CALLS_LOG in perms]
_SHIFTS_ON_DUTY = (
    select(_SHIFTS.c.id, _SHIFTS.c.organisation_id, _SHIFTS.c.phone)
    .join(_USERS, _USERS.c.id == _SHIFTS.c.user_id)
    .where(
        _SHIFTS.c.organisation_id == bindparam("organisation_id"),
        _SHIFTS.c.starts_at <= bindparam("now"),
        _SHIFTS.c.ends_at > bindparam("now"),
        # The form allows nothing else; a row written otherwise must still not be dialled.
        _USERS.c.organisation_id == _SHIFTS.c.organisation_id,
        _USERS.c.role.in_(CALL_ROLES),
        _USERS.c.disabled_at.is_(None),
    )
    .order_by(_SHIFTS.c.starts_at, _SHIFTS.c.id)
)


async def shifts_on_duty(
    db: AsyncSession, organisation_id: str, *, now: datetime
) -> list[Row[Any]]:
    """(id, organisation_id, phone) of the shifts on duty now, of officers not disabled."""
    parameters = {"organisation_id": organisation_id, "now": now}
    return list((await db.execute(_SHIFTS_ON_DUTY, parameters)).all())


async def roster(
    db: AsyncSession, organisation_id: str, *, ending_after: datetime
) -> list[tuple[DutyShift, User]]:
    statement = (
        select(DutyShift, User)
        .join(User, User.id == DutyShift.user_id)
        .where(DutyShift.organisation_id == organisation_id, DutyShift.ends_at > ending_after)
        .order_by(DutyShift.starts_at, DutyShift.id)
        .limit(500)
    )
    return [(shift, user) for shift, user in (await db.execute(statement)).all()]


async def shift(db: AsyncSession, organisation_id: str, shift_id: str) -> DutyShift | None:
    statement = select(DutyShift).where(
        DutyShift.organisation_id == organisation_id, DutyShift.id == shift_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def call_officers(db: AsyncSession, organisation_id: str) -> list[User]:
    """Users of the organisation who may take calls (candidates for a duty shift)."""
    statement = (
        select(User)
        .where(
            User.organisation_id == organisation_id,
            User.role.in_(CALL_ROLES),
            User.disabled_at.is_(None),
        )
        .order_by(User.display_name, User.id)
    )
    return list((await db.execute(statement)).scalars().all())


async def overlapping_shift(
    db: AsyncSession, organisation_id: str, user_id: str, *, starts: datetime, ends: datetime
) -> bool:
    """Whether the officer already has a duty period that overlaps [starts, ends)."""
    statement = select(DutyShift.id).where(
        DutyShift.organisation_id == organisation_id,
        DutyShift.user_id == user_id,
        DutyShift.starts_at < ends,
        DutyShift.ends_at > starts,
    )
    return (await db.execute(statement.limit(1))).first() is not None


async def lock_user(db: AsyncSession, user_id: str) -> None:
    # FOR NO KEY UPDATE: keeps two overlap checks apart without holding up rows that merely
    # refer to the user (its case events, its audit events).
    await db.execute(
        select(User.id).where(User.id == user_id).with_for_update(of=User, key_share=True)
    )
