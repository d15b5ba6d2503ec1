"""SQL for threat assessments. Lists build on the user's readable cases; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.access import readable_condition
from helpline.cases.repository import current_assessment
from helpline.models.cases import AssessmentState, Case, CaseState, ThreatAssessment
from helpline.models.users import User
from helpline.threats.rules import OPEN

# Cases for which an assessment matters: open work, not closed or routed away.
OPEN_CASE_STATES = frozenset(
    {
        CaseState.CONTACT,
        CaseState.INTAKE_BOOKED,
        CaseState.ASSESSMENT,
        CaseState.ACTIVE,
        CaseState.HANDOVER_PENDING,
        CaseState.HANDED_OVER,
    }
)


async def versions(db: AsyncSession, case_id: str) -> Sequence[ThreatAssessment]:
    statement = (
        select(ThreatAssessment)
        .where(ThreatAssessment.case_id == case_id)
        .order_by(ThreatAssessment.version.desc())
    )
    return (await db.execute(statement)).scalars().all()


async def version(
    db: AsyncSession, case_id: str, number: int, *, for_update: bool = False
) -> ThreatAssessment | None:
    """One version of a case already checked readable; locked when it is about to change."""
    statement = select(ThreatAssessment).where(
        ThreatAssessment.case_id == case_id, ThreatAssessment.version == number
    )
    if for_update:
        statement = statement.with_for_update()
    return (await db.execute(statement)).scalar_one_or_none()


# The query the activation guard uses: one definition of the current approved version.
latest_approved = current_assessment


async def open_version(db: AsyncSession, case_id: str) -> ThreatAssessment | None:
    statement = select(ThreatAssessment).where(
        ThreatAssessment.case_id == case_id, ThreatAssessment.state.in_(OPEN)
    )
    return (await db.execute(statement)).scalars().first()


async def next_version_number(db: AsyncSession, case_id: str) -> int:
    statement = select(func.max(ThreatAssessment.version)).where(
        ThreatAssessment.case_id == case_id
    )
    return int(await db.scalar(statement) or 0) + 1


def _readable_open_cases(user: User):  # type: ignore[no-untyped-def]
    return and_(readable_condition(user), Case.state.in_(OPEN_CASE_STATES))


async def review_queue(db: AsyncSession, user: User) -> Sequence[tuple[ThreatAssessment, Case]]:
    """Submitted versions waiting for review, oldest first."""
    statement = (
        select(ThreatAssessment, Case)
        .join(Case, Case.id == ThreatAssessment.case_id)
        # Open cases only: once a case's work has ended its versions cannot be reviewed.
        .where(_readable_open_cases(user), ThreatAssessment.state == AssessmentState.SUBMITTED)
        .order_by(ThreatAssessment.submitted_at, ThreatAssessment.id)
    )
    return [(a, c) for a, c in (await db.execute(statement)).all()]


async def approved_in_open_cases(
    db: AsyncSession, user: User
) -> Sequence[tuple[ThreatAssessment, Case]]:
    """The approved (latest, not superseded) version of every readable open case that has one."""
    statement = (
        select(ThreatAssessment, Case)
        .join(Case, Case.id == ThreatAssessment.case_id)
        .where(_readable_open_cases(user), ThreatAssessment.state == AssessmentState.APPROVED)
        .order_by(ThreatAssessment.review_due_on, Case.reference)
    )
    return [(a, c) for a, c in (await db.execute(statement)).all()]


async def open_cases_without_approval(db: AsyncSession, user: User) -> Sequence[Case]:
    has_approved = (
        select(ThreatAssessment.id)
        .where(
            ThreatAssessment.case_id == Case.id,
            ThreatAssessment.state == AssessmentState.APPROVED,
        )
        .exists()
    )
    statement = (
        select(Case)
        .where(_readable_open_cases(user), ~has_approved)
        .order_by(Case.created_at)
    )
    return (await db.execute(statement)).scalars().all()


async def due_by(
    db: AsyncSession, user: User, *, on_or_before: date
) -> Sequence[tuple[ThreatAssessment, Case]]:
    statement = (
        select(ThreatAssessment, Case)
        .join(Case, Case.id == ThreatAssessment.case_id)
        .where(
            _readable_open_cases(user),
            ThreatAssessment.state == AssessmentState.APPROVED,
            ThreatAssessment.review_due_on <= on_or_before,
        )
        .order_by(ThreatAssessment.review_due_on, Case.reference)
    )
    return [(a, c) for a, c in (await db.execute(statement)).all()]
