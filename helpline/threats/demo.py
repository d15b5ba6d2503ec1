"""Demo threat assessments, so a newcomer's supervisor dashboard has something to review.

Called from ``helpline.demo`` once demo cases exist. Idempotent: a case that already has any
assessment version is left alone. Everything goes through the real service (encryption, audit,
timeline, four eyes): the demo officer writes, the demo supervisor reviews.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import AuditContext
from helpline.cases.service import Deps
from helpline.keys import KeyService
from helpline.models.cases import Case, ThreatAssessment
from helpline.models.users import User
from helpline.threats import repository, service
from helpline.threats.catalogue import catalogue
from helpline.threats.schemas import parse_document

OFFICER = "officer@polis.example"
SUPERVISOR = "supervisor@polis.example"


def _document(level: str, *, rating: str, acute: bool = False, justification: str = "") -> dict:
    return {
        "overall_level": level,
        "acute": acute,
        "factors": {code: {"rating": rating, "timing": "CURRENT"} for code in catalogue().codes},
        "actors": [{"kind": "GROUP", "label": "Grupp A (demo)", "intent": rating,
                    "capability": rating, "description": "Demodata: påhittad aktör."}],
        "scenarios": [{"what": "Demodata: uppsökande hot.", "who": "Grupp A (demo)",
                       "likelihood": "MODERATE", "imminence": "WEEKS", "severity": "SERIOUS"}],
        "measures": ["SAFETY_ADVICE"],
        "sources": "Demodata.",
        "level_justification": justification,
    }


# Per demo case in turn: what its assessment history looks like.
PLANS = ("submitted", "approved", "lowered_submitted", "returned", "submitted_acute")


async def _users(db: AsyncSession, officer: str, supervisor: str) -> tuple[User, User] | None:
    statement = select(User).where(User.email.in_((officer, supervisor)))
    found = {u.email: u for u in (await db.execute(statement)).scalars()}
    if officer not in found or supervisor not in found:
        return None
    return found[officer], found[supervisor]


async def create_demo_assessments(
    db: AsyncSession,
    *,
    keys: KeyService,
    case_ids: Sequence[str],
    officer_email: str = OFFICER,
    supervisor_email: str = SUPERVISOR,
) -> int:
    """Give each listed case without assessments one of the demo histories; returns how many.

    The officer must be able to work the cases (their responsible officer or on the team)."""
    users = await _users(db, officer_email, supervisor_email)
    if users is None:
        return 0
    officer, supervisor = users
    made = 0
    for index, case_id in enumerate(case_ids):
        case = await db.get(Case, case_id)
        if case is None or await repository.versions(db, case_id):
            continue
        await _plan(db, keys, case, officer, supervisor, PLANS[index % len(PLANS)])
        made += 1
    return made


async def _plan(
    db: AsyncSession, keys: KeyService, case: Case, officer: User, supervisor: User, plan: str
) -> None:
    author = Deps(db, keys, AuditContext(actor=officer))
    reviewer = Deps(db, keys, AuditContext(actor=supervisor))
    cat = catalogue()

    async def draft(trigger: str, doc: dict) -> ThreatAssessment:
        assessment = await service.start_assessment(author, case, trigger=trigger)
        await service.save_draft(author, case, assessment, parse_document(doc, cat))
        return assessment

    if plan in ("approved", "lowered_submitted"):
        first = await draft("INITIAL", _document("HIGH", rating="J"))
        await service.submit(author, case, first)
        await service.approve(reviewer, case, first)
        if plan == "approved":
            return
        lowered = _document("MODERATE", rating="D",
                            justification="Demodata: gruppen har splittrats.")
        second = await draft("PERIODIC_REVIEW", lowered)
        await service.submit(author, case, second)
        return
    acute = plan == "submitted_acute"
    version = await draft("INITIAL", _document("HIGH" if acute else "MODERATE", rating="D",
                                               acute=acute))
    await service.submit(author, case, version)
    if plan == "returned":
        await service.return_for_revision(
            reviewer, case, version, comment="Demodata: komplettera källorna."
        )

