"""SQL for cases. Reads of cases build on ``access.readable_cases``; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.access import readable_cases
from helpline.models.cases import (
    AssessmentState,
    Case,
    CaseEvent,
    CaseState,
    CaseTeamMember,
    ConditionsAgreement,
    Consent,
    ConsentState,
    Person,
    PersonRole,
    ThreatAssessment,
)
from helpline.models.users import User


async def reference_exists(db: AsyncSession, reference: str) -> bool:
    # Across organisations on purpose: references are unique system-wide.
    return bool(await db.scalar(select(exists().where(Case.reference == reference))))


async def list_readable(
    db: AsyncSession,
    user: User,
    *,
    state: CaseState | None = None,
    officer_id: str | None = None,
    limit: int = 200,
) -> Sequence[Case]:
    statement = readable_cases(user).order_by(Case.last_entry_at.desc()).limit(limit)
    if state is not None:
        statement = statement.where(Case.state == state)
    if officer_id:
        statement = statement.where(Case.responsible_officer_id == officer_id)
    return (await db.execute(statement)).scalars().all()


async def defector_of(db: AsyncSession, case_id: str) -> Person | None:
    statement = (
        select(Person)
        .where(Person.case_id == case_id, Person.role == PersonRole.DEFECTOR)
        .order_by(Person.created_at)
        .limit(1)
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def defector_pseudonyms(db: AsyncSession, case_ids: Sequence[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    statement = (
        select(Person.case_id, Person.pseudonym)
        .where(Person.case_id.in_(case_ids), Person.role == PersonRole.DEFECTOR)
        .order_by(Person.created_at.desc())
    )
    return {case_id: pseudonym for case_id, pseudonym in (await db.execute(statement)).all()}


async def valid_consents(db: AsyncSession, person_id: str, *, on: date) -> Sequence[Consent]:
    statement = select(Consent).where(
        Consent.person_id == person_id,
        Consent.state == ConsentState.GIVEN,
        Consent.valid_from <= on,
        Consent.valid_to >= on,
    )
    return (await db.execute(statement)).scalars().all()


async def conditions_signed(db: AsyncSession, case_id: str) -> bool:
    statement = select(exists().where(ConditionsAgreement.case_id == case_id))
    return bool(await db.scalar(statement))


async def current_assessment(db: AsyncSession, case_id: str) -> ThreatAssessment | None:
    statement = (
        select(ThreatAssessment)
        .where(
            ThreatAssessment.case_id == case_id,
            ThreatAssessment.state == AssessmentState.APPROVED,
        )
        .order_by(ThreatAssessment.version.desc())
        .limit(1)
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def team_user_ids(db: AsyncSession, case_id: str) -> list[str]:
    statement = select(CaseTeamMember.user_id).where(CaseTeamMember.case_id == case_id)
    return list((await db.execute(statement)).scalars().all())


async def timeline(db: AsyncSession, case_id: str) -> Sequence[CaseEvent]:
    statement = (
        select(CaseEvent)
        .where(CaseEvent.case_id == case_id)
        .order_by(CaseEvent.occurred_at, CaseEvent.id)
    )
    return (await db.execute(statement)).scalars().all()


async def organisation_user(db: AsyncSession, organisation_id: str, user_id: str) -> User | None:
    statement = select(User).where(User.id == user_id, User.organisation_id == organisation_id)
    return (await db.execute(statement)).scalar_one_or_none()


async def count_by_state(db: AsyncSession, user: User) -> dict[str, int]:
    sub = readable_cases(user).subquery()
    statement = select(sub.c.state, func.count()).group_by(sub.c.state)
    return {str(state): count for state, count in (await db.execute(statement)).all()}
