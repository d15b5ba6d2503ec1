"""Demo assessments: a mix waiting for review, made through the real service, idempotent."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from helpline.models import ThreatAssessment
from helpline.threats.demo import PLANS, create_demo_assessments


async def test_demo_assessments_leave_work_for_the_supervisor(cases, app, world):
    case_ids = [await cases.open() for _ in PLANS]

    async def make() -> int:
        async with world.sessions() as db, db.begin():
            return await create_demo_assessments(
                db, keys=app.state.keys, case_ids=case_ids,
                officer_email=cases.officer.email, supervisor_email=cases.supervisor.email)

    assert await make() == len(PLANS)
    assert await make() == 0  # idempotent
    states = Counter(a.state.value for a in await world.scalars(select(ThreatAssessment)))
    assert states == {"SUBMITTED": 3, "APPROVED": 2, "RETURNED": 1}
