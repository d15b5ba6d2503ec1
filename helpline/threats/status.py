"""What other domains ask of the threat assessment: is it current, and what is (nearly) due.

``assessment_status`` is the guard for sending a handover (DOMAIN.md §6) and agrees with the
case activation guard by construction: both read ``cases.repository.current_assessment`` (the
latest APPROVED version) and its ``review_due_on`` against today's Swedish date.
``overdue_and_due_soon`` is what the dashboard lists and what reminders (bevakningar) will raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock
from helpline.cases import repository as case_repository
from helpline.models.cases import Case, ThreatLevel
from helpline.models.users import User
from helpline.threats import repository
from helpline.threats.rules import Status, status_of

StatusValue = Literal["CURRENT", "OVERDUE", "MISSING"]


async def assessment_status(db: AsyncSession, case: Case) -> StatusValue:
    """CURRENT, OVERDUE (approved but past review) or MISSING (nothing approved)."""
    assessment = await case_repository.current_assessment(db, case.id)
    status = status_of(assessment.review_due_on if assessment else None, today=clock.today())
    return status.value  # type: ignore[return-value]


@dataclass(frozen=True)
class DueItem:
    case_id: str
    reference: str
    version: int
    level: ThreatLevel | None
    acute: bool
    review_due_on: date
    status: Status  # OVERDUE, or CURRENT when only due soon
    days_left: int


async def overdue_and_due_soon(db: AsyncSession, user: User, *, within_days: int) -> list[DueItem]:
    """Approved assessments of the user's readable open cases due within ``within_days`` (or
    already overdue), most urgent first. No names: callers add pseudonyms if they show cases."""
    today = clock.today()
    rows = await repository.due_by(db, user, on_or_before=today + timedelta(days=within_days))
    return [
        DueItem(
            case_id=case.id,
            reference=case.reference,
            version=assessment.version,
            level=assessment.overall_level,
            acute=assessment.acute,
            review_due_on=assessment.review_due_on,
            status=status_of(assessment.review_due_on, today=today),
            days_left=(assessment.review_due_on - today).days,
        )
        for assessment, case in rows
        if assessment.review_due_on is not None
    ]
