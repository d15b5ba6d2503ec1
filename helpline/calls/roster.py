"""The duty roster (jourlista): who is on duty when, and which phone rings.

Duty phones are encrypted under the organisation's roster key and bound to their shift row.
The roster page shows them masked; the webhook decrypts them only to dial.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpline.audit import record
from helpline.calls import repository
from helpline.calls.fields import roster_scope, shift_binding
from helpline.calls.schemas import ShiftForm
from helpline.calls.service import Deps
from helpline.db import new_id
from helpline.models.calls import DutyShift
from helpline.models.users import User
from helpline.web.labels import N_


@dataclass(frozen=True)
class ShiftView:
    shift: DutyShift
    officer: User
    phone_masked: str
    on_duty: bool


def mask(phone: str) -> str:
    return "•" * max(len(phone) - 2, 0) + phone[-2:]


async def officers(deps: Deps) -> list[User]:
    return await repository.call_officers(deps.db, deps.actor.organisation_id)


async def view(deps: Deps) -> list[ShiftView]:
    organisation_id = deps.actor.organisation_id
    rows = await repository.roster(deps.db, organisation_id, ending_after=deps.now)
    views = []
    for shift, officer in rows:
        phone = await deps.keys.decrypt(
            deps.db, scope=roster_scope(organisation_id), binding=shift_binding(shift),
            blob=shift.phone,
        )
        on_duty = shift.starts_at <= deps.now < shift.ends_at and officer.is_active
        views.append(ShiftView(shift, officer, mask(str(phone)), on_duty))
    await record(
        deps.db, context=deps.context, action="roster.read", object_type="roster",
        object_id=organisation_id, fields=["phone"] if rows else [],
    )
    return views


async def overlap_problem(deps: Deps, form: ShiftForm) -> str | None:
    """One officer, one duty phone at a time: a second period over the first would ring both
    phones, and an old or lost phone would stay in the dial list unnoticed."""
    assert form.starts_at and form.ends_at
    # The officer's row, locked until the commit: two supervisors adding periods for the same
    # officer at once are checked one after the other.
    await repository.lock_user(deps.db, form.user_id)
    overlaps = await repository.overlapping_shift(
        deps.db, deps.actor.organisation_id, form.user_id, starts=form.starts_at,
        ends=form.ends_at,
    )
    return N_("This officer already has duty then. Remove that period first.") if overlaps else None


async def add_shift(deps: Deps, form: ShiftForm) -> DutyShift:
    assert not form.errors and form.starts_at and form.ends_at
    organisation_id = deps.actor.organisation_id
    shift = DutyShift(
        organisation_id=organisation_id,
        user_id=form.user_id,
        starts_at=form.starts_at,
        ends_at=form.ends_at,
        created_by_user_id=deps.actor.id,
        id=new_id(),
        phone=b"",
    )
    shift.phone = await deps.keys.encrypt(
        deps.db, scope=roster_scope(organisation_id), binding=shift_binding(shift),
        value=form.phone,
    )
    deps.db.add(shift)
    await deps.db.flush()
    await record(
        deps.db, context=deps.context, action="roster.shift_added", object_type="duty_shift",
        object_id=shift.id, fields=["phone"], details={"officer": form.user_id},
    )
    return shift


async def remove_shift(deps: Deps, shift_id: str) -> bool:
    shift = await repository.shift(deps.db, deps.actor.organisation_id, shift_id)
    if shift is None:
        return False
    await deps.db.delete(shift)
    await deps.db.flush()
    await record(
        deps.db, context=deps.context, action="roster.shift_removed", object_type="duty_shift",
        object_id=shift_id, details={"officer": shift.user_id},
    )
    return True
