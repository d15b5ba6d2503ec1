"""Due dates, OVERDUE, and the guards that depend on them (case activation, handover sending)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpline import clock as clock_module
from helpline.cases import service as case_service
from helpline.cases.lifecycle import Guard
from helpline.errors import RuleViolation
from helpline.models import Case, User
from helpline.models.cases import CaseState
from helpline.models.users import Role
from helpline.threats.status import assessment_status, overdue_and_due_soon

# Review dates are Swedish dates, and these tests advance 24 hours at a time.
pytestmark = pytest.mark.usefixtures("swedish_midday")


async def _status(cases, case_id):
    async with cases.world.sessions() as db:
        return await assessment_status(db, await db.get(Case, case_id))


async def _activation_sees_current(cases, case_id) -> bool:
    facts = await cases.act(cases.officer, case_id, case_service.activation_facts)
    return facts.assessment_current


@pytest.mark.parametrize(("doc", "days"), [
    ({"level": "HIGH"}, 30), ({"level": "MODERATE"}, 90), ({"level": "LOW"}, 180),
    ({"level": "LOW", "acute": True}, 30),
])
async def test_approval_sets_the_review_date_by_level(cases, threats, doc, days):
    case_id = await cases.open()
    number = await threats.approved(case_id, **doc)
    assert (await threats.get(case_id, number)).review_due_on == clock_module.today() + timedelta(
        days=days)


async def test_status_is_missing_then_current_then_overdue(cases, threats, clock):
    case_id = await cases.open()
    assert await _status(cases, case_id) == "MISSING"
    number = await threats.submitted(case_id)
    assert await _status(cases, case_id) == "MISSING"  # submitted is not approved
    await threats.approve(case_id, number)
    assert await _status(cases, case_id) == "CURRENT"
    clock.advance(days=30)
    assert await _status(cases, case_id) == "CURRENT"  # the due date itself is still current
    clock.advance(days=1)
    assert await _status(cases, case_id) == "OVERDUE"


async def test_the_handover_guard_and_the_activation_guard_agree(cases, threats, clock):
    case_id = await cases.open()
    assert (await _status(cases, case_id) == "CURRENT") is await _activation_sees_current(
        cases, case_id)
    await threats.approved(case_id, level="HIGH")
    for _ in range(4):  # around the due date: day 29, 30, 31, 32
        clock.advance(days=1 if _ else 29)
        status = await _status(cases, case_id)
        assert (status == "CURRENT") is await _activation_sees_current(cases, case_id), status


async def _ready_case(cases, threats) -> str:
    case_id = await cases.open()
    person_id = await cases.add_defector(case_id)
    await cases.give_consent(case_id, person_id, days=400)
    await cases.sign_conditions(case_id)
    await threats.approved(case_id, level="HIGH")
    return case_id


async def test_an_overdue_assessment_blocks_activation(cases, threats, clock):
    case_id = await _ready_case(cases, threats)
    clock.advance(days=31)
    with pytest.raises(RuleViolation) as refusal:
        await cases.act(cases.officer, case_id, lambda deps, case: case_service.transition(
            deps, case, to=CaseState.ACTIVE))
    assert refusal.value.rules == [Guard.ASSESSMENT_APPROVED]
    assert await cases.state(case_id) is CaseState.ASSESSMENT


async def test_a_new_approved_version_unblocks_activation(cases, threats, clock):
    case_id = await _ready_case(cases, threats)
    clock.advance(days=31)
    await threats.approved(case_id, trigger="PERIODIC_REVIEW")
    await cases.act(cases.officer, case_id, lambda deps, case: case_service.transition(
        deps, case, to=CaseState.ACTIVE))
    assert await cases.state(case_id) is CaseState.ACTIVE


async def test_the_handover_guard_blocks_on_overdue_and_missing(cases, threats, clock):
    """The handover domain sends only when assessment_status(...) == "CURRENT"."""
    case_id = await cases.open()
    assert await _status(cases, case_id) == "MISSING"
    await threats.approved(case_id, level="MODERATE")
    clock.advance(days=91)
    assert await _status(cases, case_id) == "OVERDUE"


async def test_overdue_and_due_soon_lists_what_reminders_need(cases, threats, clock, world):
    overdue = await cases.open()
    await threats.approved(overdue, level="HIGH")       # due in 30
    soon = await cases.open()
    await threats.approved(soon, level="MODERATE")       # due in 90
    later = await cases.open()
    await threats.approved(later, level="LOW")           # due in 180
    outsider = await world.user(await world.organisation(), Role.SUPERVISOR)
    clock.advance(days=80)
    async with world.sessions() as db:
        items = await overdue_and_due_soon(db, await db.get(User, cases.supervisor.id),
                                           within_days=14)
        assert await overdue_and_due_soon(db, await db.get(User, outsider.id),
                                          within_days=365) == []
    assert [(i.case_id, i.status.value, i.days_left) for i in items] == [
        (overdue, "OVERDUE", -50), (soon, "CURRENT", 10)]
