"""The review workflow in the service: every transition and every guard, with what it writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpline import clock
from helpline.errors import InvalidInput, RuleViolation
from helpline.models import AuditEvent, CaseEvent, ThreatAssessment
from helpline.models.cases import AssessmentState, ThreatLevel
from helpline.models.users import Role
from helpline.threats import service, views
from helpline.threats.rules import Rule
from tests.helpline.threats.conftest import CANARY


async def _counts(world) -> tuple[int, int, int]:
    return (
        await world.scalar(select(func.count()).select_from(ThreatAssessment)),
        await world.scalar(select(func.count()).select_from(CaseEvent)),
        await world.scalar(select(func.count()).select_from(AuditEvent)),
    )


async def _refused(world, call, *rules: str):
    """The call is refused naming exactly these rules, and nothing at all is written."""
    before = await _counts(world)
    with pytest.raises(RuleViolation) as refusal:
        await call
    assert refusal.value.rules == list(rules)
    assert await _counts(world) == before
    return refusal.value


async def test_starting_makes_a_draft_with_timeline_and_audit(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    assessment = await threats.get(case_id, number)
    assert (assessment.state, assessment.version, assessment.author_id) == (
        AssessmentState.DRAFT, 1, cases.officer.id)
    assert assessment.content["catalogue"] == "helpline-2026.1"
    assert assessment.content["trigger"] == "INITIAL"
    kinds = await world.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case_id))
    assert "THREAT_ASSESSMENT_STARTED" in kinds
    actions = await world.scalars(select(AuditEvent.action).where(AuditEvent.object_id == case_id))
    assert "threat_assessment.started" in actions


async def test_only_one_open_version_at_a_time(cases, threats, world):
    case_id = await cases.open()
    await threats.start(case_id)
    await _refused(world, threats.start(case_id), Rule.OPEN_VERSION_EXISTS)


async def test_an_unknown_trigger_is_refused(cases, threats, world):
    case_id = await cases.open()
    await _refused(world, threats.start(case_id, trigger="WHIM"), Rule.TRIGGER_GIVEN)


async def test_municipal_workers_cannot_draft_assessments(cases, threats, world):
    case_id = await cases.open()
    municipality = await world.organisation(kommunkod="0127")
    municipal = await world.user(municipality, Role.MUNICIPAL_CASE_WORKER)
    await _refused(world, threats.start(case_id, by=municipal), Rule.POLICE_CASE_WORKER)


async def test_submitting_with_unrated_factors_is_refused_and_names_them(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number, unrated=("A3", "C7"), level=None)
    refusal = await _refused(world, threats.submit(case_id, number),
                             Rule.FACTORS_RATED, Rule.LEVEL_SET)
    assert set(refusal.fields) == {"factors.A3.rating", "factors.C7.rating", "overall_level"}
    assert (await threats.get(case_id, number)).state is AssessmentState.DRAFT


async def test_unknown_counts_as_rated(cases, threats):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number, rate="UNKNOWN")
    await threats.submit(case_id, number)
    assert (await threats.get(case_id, number)).state is AssessmentState.SUBMITTED


async def test_an_incomplete_scenario_blocks_submission(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number, scenarios=[{"what": "Hot via telefon"}])
    refusal = await _refused(world, threats.submit(case_id, number), Rule.SCENARIOS_COMPLETE)
    assert "scenarios.0.likelihood" in refusal.fields


async def test_invalid_values_are_invalid_input(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    with pytest.raises(InvalidInput) as invalid:
        await threats.save(case_id, number, rate="MAYBE", overall_level="EXTREME",
                           factors={"Z9": {"rating": "J"}})
    assert {"factors.Z9", "overall_level"} <= set(invalid.value.errors)


@pytest.mark.parametrize("reviewer", ["officer", "colleague"])
async def test_only_a_supervisor_may_review(cases, threats, world, reviewer):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    user = getattr(cases, reviewer)
    await _refused(world, threats.approve(case_id, number, by=user), Rule.REVIEWER_SUPERVISOR)
    await _refused(world, threats.return_(case_id, number, by=user), Rule.REVIEWER_SUPERVISOR)


async def test_a_supervisor_of_another_organisation_may_not_review(cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    other = await world.user(await world.organisation(), Role.SUPERVISOR)
    await _refused(world, threats.approve(case_id, number, by=other), Rule.REVIEWER_SUPERVISOR)


async def test_a_supervisor_who_authored_may_not_approve_it(cases, threats, world):
    """Four eyes across roles: a supervisor drafting is an author like any officer."""
    case_id = await cases.open()
    number = await threats.start(case_id, by=cases.supervisor)
    await threats.save(case_id, number, by=cases.supervisor)
    await threats.submit(case_id, number, by=cases.supervisor)
    await _refused(world, threats.approve(case_id, number, by=cases.supervisor), Rule.FOUR_EYES)
    await _refused(world, threats.return_(case_id, number, by=cases.supervisor), Rule.FOUR_EYES)
    await threats.approve(case_id, number, by=cases.supervisor2)
    assert (await threats.get(case_id, number)).state is AssessmentState.APPROVED


async def test_a_supervisor_who_edited_or_submitted_may_not_approve_it(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number, by=cases.supervisor)  # edited someone else's draft
    await threats.submit(case_id, number, by=cases.supervisor2)  # submitted it
    for supervisor in (cases.supervisor, cases.supervisor2):
        await _refused(world, threats.approve(case_id, number, by=supervisor), Rule.FOUR_EYES)


async def test_an_officer_later_made_supervisor_still_may_not_approve_own(cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    async with world.sessions() as db, db.begin():
        from helpline.models import User

        (await db.get(User, cases.officer.id)).role = Role.SUPERVISOR
    await _refused(world, threats.approve(case_id, number, by=cases.officer), Rule.FOUR_EYES)


async def test_returning_needs_a_comment_and_encrypts_it(cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await _refused(world, threats.return_(case_id, number, comment="   "), Rule.RETURN_COMMENT)
    await threats.return_(case_id, number, comment=f"{CANARY} saknar källor")
    assessment = await threats.get(case_id, number)
    assert assessment.state is AssessmentState.RETURNED
    assert assessment.reviewer_id == cases.supervisor.id
    assert CANARY.encode() not in assessment.content_enc
    events = await world.scalars(select(CaseEvent).where(
        CaseEvent.kind == "THREAT_ASSESSMENT_RETURNED"))
    assert len(events) == 1 and CANARY.encode() not in events[0].reason_enc


async def test_returned_goes_back_to_draft_then_can_be_resubmitted_and_approved(cases, threats):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await threats.return_(case_id, number)
    await threats.save(case_id, number, level="MODERATE")
    assert (await threats.get(case_id, number)).state is AssessmentState.DRAFT
    await threats.submit(case_id, number)
    await threats.approve(case_id, number)
    assessment = await threats.get(case_id, number)
    assert assessment.state is AssessmentState.APPROVED
    assert assessment.overall_level is ThreatLevel.MODERATE
    assert assessment.review_due_on == clock.today() + timedelta(days=90)


async def test_review_actions_need_a_submitted_version(cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number)
    await _refused(world, threats.approve(case_id, number), Rule.NOT_SUBMITTED)
    await _refused(world, threats.return_(case_id, number), Rule.NOT_SUBMITTED)


async def test_submitted_and_approved_versions_cannot_be_edited_or_resubmitted(
        cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await _refused(world, threats.save(case_id, number), Rule.NOT_EDITABLE)
    await threats.approve(case_id, number)
    await _refused(world, threats.save(case_id, number, level="LOW"), Rule.NOT_EDITABLE)
    await _refused(world, threats.submit(case_id, number), Rule.NOT_EDITABLE)
    await _refused(world, threats.approve(case_id, number, by=cases.supervisor2),
                   Rule.NOT_SUBMITTED)


async def test_reassessment_copies_the_approved_version_and_supersedes_it(cases, threats, world):
    case_id = await cases.open()
    first = await threats.approved(case_id)
    second = await threats.start(case_id, trigger="NEW_THREAT_INFORMATION")
    draft = await threats.get(case_id, second)
    assert draft.content["based_on_version"] == first
    assert draft.content["trigger"] == "NEW_THREAT_INFORMATION"
    assert draft.content["factors"] == (await threats.get(case_id, first)).content["factors"]
    # The copy is re-encrypted for its own row: it decrypts there, with the same text.
    page = await cases.act(cases.officer, case_id,
                           lambda deps, case: views.version_page(deps, case, second))
    assert page.data.factors["A2"].comment.startswith(CANARY)
    await threats.submit(case_id, second)
    await threats.approve(case_id, second)
    assert (await threats.get(case_id, first)).state is AssessmentState.SUPERSEDED
    assert (await threats.get(case_id, second)).state is AssessmentState.APPROVED


async def test_lowering_the_level_needs_a_justification_shown_to_the_reviewer(
        cases, threats, world):
    case_id = await cases.open()
    await threats.approved(case_id, level="HIGH")
    number = await threats.start(case_id, trigger="PERIODIC_REVIEW")
    await threats.save(case_id, number, level="MODERATE")
    refusal = await _refused(world, threats.submit(case_id, number), Rule.LOWERING_JUSTIFIED)
    assert refusal.fields == {"level_justification": "required"}
    await threats.save(case_id, number, level="MODERATE", justification="Gruppen är upplöst")
    await threats.submit(case_id, number)
    page = await cases.act(cases.supervisor, case_id,
                           lambda deps, case: views.version_page(deps, case, number))
    assert page.lowered and page.can_review
    assert page.data.level_justification == "Gruppen är upplöst"


async def test_removing_the_acute_flag_counts_as_lowering(cases, threats, world):
    case_id = await cases.open()
    await threats.approved(case_id, level="HIGH", acute=True)
    number = await threats.start(case_id, trigger="PERIODIC_REVIEW")
    await threats.save(case_id, number, level="HIGH", acute=False)
    await _refused(world, threats.submit(case_id, number), Rule.LOWERING_JUSTIFIED)


async def test_free_text_is_stored_encrypted_and_ratings_readable(cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    assessment = await threats.get(case_id, number)
    assert CANARY.encode() not in assessment.content_enc
    assert CANARY not in str(assessment.content)
    assert b"Grupp Norr" not in assessment.content_enc
    assert assessment.content["factors"]["A1"] == {"rating": "J", "timing": "CURRENT"}


async def test_every_change_writes_one_timeline_and_one_audit_event(cases, threats, world):
    case_id = await cases.open()
    steps = [
        (lambda: threats.start(case_id), "threat_assessment.started"),
        (lambda: threats.save(case_id, 1), "threat_assessment.saved"),
        (lambda: threats.submit(case_id, 1), "threat_assessment.submitted"),
        (lambda: threats.approve(case_id, 1), "threat_assessment.approved"),
    ]
    for step, action in steps:
        before_events, before_audit = (await _counts(world))[1:]
        await step()
        events, audits = (await _counts(world))[1:]
        assert (events - before_events, audits - before_audit) == (1, 1), action
        last = await world.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()))
        assert last == action


async def test_a_closed_case_gets_no_new_assessment(cases, threats, world):
    case_id = await cases.open(is_adult=False)  # referred at intake
    await _refused(world, threats.start(case_id), Rule.CASE_NOT_OPEN)


async def test_contributors_are_exposed_for_the_four_eyes_check(cases, threats):
    case_id = await cases.open()
    number = await threats.start(case_id)
    await threats.save(case_id, number, by=cases.colleague)
    assessment = await threats.get(case_id, number)
    assert service.contributors(assessment) == {cases.officer.id, cases.colleague.id}


async def _close(cases, case_id: str) -> None:  # type: ignore[no-untyped-def]
    from helpline.cases import service as case_service

    await cases.act(cases.officer, case_id, lambda d, c: case_service.request_closure(
        d, c, reason_code="PERSON_WITHDREW", reason_text=""))
    await cases.act(cases.supervisor2, case_id, lambda d, c: case_service.approve_closure(d, c))


async def test_no_assessment_changes_once_the_case_is_closed(cases, threats):
    """Not only starting: saving, submitting, returning and approving are refused too (an
    approval after closure superseded the case's last approved version)."""
    from helpline.models.cases import CaseState

    case_id = await cases.open()
    for_review = await threats.start(case_id)
    await threats.save(case_id, for_review)
    await threats.submit(case_id, for_review)
    await _close(cases, case_id)
    assert await cases.state(case_id) is CaseState.CLOSED
    for change in (
        lambda: threats.save(case_id, for_review),
        lambda: threats.submit(case_id, for_review),
        lambda: threats.return_(case_id, for_review),
        lambda: threats.approve(case_id, for_review),
    ):
        with pytest.raises(RuleViolation, match="case_not_open"):
            await change()
    # ... so it leaves the supervisors' review queue instead of waiting there for ever.
    from helpline.models import User
    from helpline.threats import repository

    async with cases.world.sessions() as db:
        supervisor = await db.get(User, cases.supervisor.id)
        assert await repository.review_queue(db, supervisor) == []
