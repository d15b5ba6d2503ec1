"""Reminders (bevakningar), computed from due dates; nothing is stored.

Sources: relocation steps (due dates), protection measures (review and end dates), the action
plan (due and follow-up dates), consent (end date), protected personal data (review date) and
the threat assessment (review date). A reminder appears when its date is within the horizon and
clears by itself when the work is recorded (step done, consent renewed, assessment approved
again, date moved...). Past its date it is OVERDUE and sorts first.

A reminder carries the case reference, the defector's pseudonym, a kind, a code (step kind,
measure kind, life area, level) and dates: never a name, never a municipality, never free text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock
from helpline.cases.access import readable_condition
from helpline.cases.repository import defector_pseudonyms
from helpline.cases.service import Deps
from helpline.models.cases import Case
from helpline.models.users import User
from helpline.reminders import repository

DEFAULT_HORIZON = 14
MAX_HORIZON = 365

Source = Callable[[AsyncSession, ColumnElement[bool], date], Awaitable[repository.Rows]]
# kind -> (query, the link below /cases/{case_id}, with "{id}" the linked row's id)
SOURCES: dict[str, tuple[Source, str]] = {
    "RELOCATION_STEP": (repository.relocation_steps, "/relocation/{id}"),
    "MEASURE_REVIEW": (repository.measure_reviews, "/measures#{id}"),
    "MEASURE_ENDS": (repository.measure_ends, "/measures#{id}"),
    "ACTION_DUE": (repository.action_due, "/action-plan#{id}"),
    "ACTION_FOLLOW_UP": (repository.action_follow_up, "/action-plan#{id}"),
    "CONSENT_EXPIRY": (repository.consent_expiry, "#consent-heading"),
    "PROTECTED_DATA_REVIEW": (repository.protected_data_reviews, ""),
    "THREAT_ASSESSMENT_REVIEW": (repository.threat_reviews, ""),
}


@dataclass(frozen=True)
class Reminder:
    case_id: str
    case_reference: str
    pseudonym: str
    kind: str
    detail: str | None
    due_on: date
    overdue: bool
    days_left: int  # negative when overdue
    link: str
    responsible_officer_id: str
    responsible_user_id: str | None  # an action's responsible user, if any

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["due_on"] = self.due_on.isoformat()
        return data


def _detail(code: Any) -> str | None:
    return None if code is None else str(getattr(code, "value", code))


async def collect(
    db: AsyncSession, cases: ColumnElement[bool], *, today: date, horizon_days: int
) -> list[Reminder]:
    """Every reminder due by ``today + horizon_days`` (or overdue) on the matched open cases,
    overdue first, then by date and case reference."""
    limit = today + timedelta(days=horizon_days)
    found: list[tuple[str, Any]] = []
    for kind, (query, _) in SOURCES.items():
        found.extend((kind, row) for row in await query(db, cases, limit))
    pseudonyms = await defector_pseudonyms(db, sorted({row[0] for _, row in found}))
    reminders = []
    for kind, (case_id, reference, officer_id, due_on, detail, linked, user_id) in found:
        link = f"/cases/{case_id}" + SOURCES[kind][1].format(id=linked)
        reminders.append(Reminder(
            case_id=case_id, case_reference=reference, pseudonym=pseudonyms.get(case_id, "—"),
            kind=kind, detail=_detail(detail), due_on=due_on, overdue=due_on < today,
            days_left=(due_on - today).days, link=link, responsible_officer_id=officer_id,
            responsible_user_id=user_id,
        ))
    reminders.sort(key=lambda r: (not r.overdue, r.due_on, r.case_reference, r.kind))
    return reminders


def horizon(value: str | int | None) -> int:
    try:
        days = int(value) if value not in (None, "") else DEFAULT_HORIZON
    except (TypeError, ValueError):
        return DEFAULT_HORIZON
    return max(0, min(days, MAX_HORIZON))


def is_mine(reminder: Reminder, user: User) -> bool:
    return user.id in (reminder.responsible_officer_id, reminder.responsible_user_id)


async def reminders_for(
    db: AsyncSession, user: User, *, today: date, horizon_days: int = DEFAULT_HORIZON,
    only_mine: bool = False,
) -> list[Reminder]:
    """The user's reminders over the cases they may read (``readable_condition``)."""
    found = await collect(db, readable_condition(user), today=today, horizon_days=horizon_days)
    return [r for r in found if is_mine(r, user)] if only_mine else found


async def reminders_for_case(
    db: AsyncSession, user: User, case_id: str, *, today: date,
    horizon_days: int = DEFAULT_HORIZON,
) -> list[Reminder]:
    cases = and_(readable_condition(user), Case.id == case_id)
    return await collect(db, cases, today=today, horizon_days=horizon_days)


async def case_section(deps: Deps, case: Case) -> list[Reminder]:
    """For the case page (the case is already readable; the page audits its read)."""
    return await reminders_for_case(deps.db, deps.actor, case.id, today=clock.today())


async def by_reader(db: AsyncSession, reminders: Sequence[Reminder]) -> dict[str, list[Reminder]]:
    """``by_officer``, keeping under each user only the cases that user may read now.

    An action's responsible user was a reader of the case when named, but teams, roles and
    accounts change; a reminder names the case (reference, pseudonym), so it goes only where
    the case itself would be served. A disabled officer gets none."""
    grouped = by_officer(reminders)
    users = await db.scalars(select(User).where(User.id.in_(list(grouped))))
    kept: dict[str, list[Reminder]] = {}
    for user in users.all():
        mine = grouped[user.id]
        readable = set(await db.scalars(select(Case.id).where(
            readable_condition(user), Case.id.in_({r.case_id for r in mine})
        )))
        if readable_mine := [r for r in mine if r.case_id in readable]:
            kept[user.id] = readable_mine
    return {user_id: kept[user_id] for user_id in grouped if user_id in kept}


def by_officer(reminders: Sequence[Reminder]) -> dict[str, list[Reminder]]:
    """Each reminder under the case's responsible officer, and also under an action's
    responsible user when that is someone else."""
    grouped: dict[str, list[Reminder]] = {}
    for reminder in reminders:
        for user_id in dict.fromkeys(
            u for u in (reminder.responsible_officer_id, reminder.responsible_user_id) if u
        ):
            grouped.setdefault(user_id, []).append(reminder)
    return grouped
