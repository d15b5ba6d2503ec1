"""The case state machine: every guard, positive and negative, enforced in the service."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpline.cases import lifecycle, service
from helpline.cases.lifecycle import ActivationFacts, Guard
from helpline.errors import RuleViolation
from helpline.models import AuditEvent, CaseEvent
from helpline.models.cases import CaseState

ALL_MET = ActivationFacts(threat_documented=True, consent_valid=True, conditions_signed=True,
                          is_witness=False, is_adult=True, municipality_led=False,
                          assessment_current=True)


def test_all_activation_guards_met_means_no_failures():
    assert lifecycle.activation_failures(ALL_MET) == []


@pytest.mark.parametrize(("change", "guard"), [
    ({"threat_documented": None}, Guard.THREAT_DOCUMENTED),
    ({"threat_documented": False}, Guard.THREAT_DOCUMENTED),
    ({"consent_valid": False}, Guard.CONSENT_VALID),
    ({"conditions_signed": False}, Guard.CONDITIONS_SIGNED),
    ({"is_witness": True}, Guard.NOT_WITNESS),
    ({"is_witness": None}, Guard.NOT_WITNESS),
    ({"is_adult": False}, Guard.ADULT_OR_MUNICIPALITY_LED),
    ({"is_adult": None}, Guard.ADULT_OR_MUNICIPALITY_LED),
    ({"assessment_current": False}, Guard.ASSESSMENT_APPROVED),
])
def test_each_missing_requirement_fails_exactly_its_guard(change, guard):
    facts = ActivationFacts(**{**ALL_MET.__dict__, **change})
    assert lifecycle.activation_failures(facts) == [guard]


def test_a_minor_may_be_activated_on_the_municipality_led_route():
    facts = ActivationFacts(**{**ALL_MET.__dict__, "is_adult": False, "municipality_led": True})
    assert lifecycle.activation_failures(facts) == []


async def test_intake_opens_a_case_in_assessment_with_a_random_reference(cases):
    case_id = await cases.open()
    assert await cases.state(case_id) == CaseState.ASSESSMENT
    other = await cases.open()
    async with cases.world.sessions() as db:
        from helpline.models import Case

        refs = [(await db.get(Case, i)).reference for i in (case_id, other)]
    assert refs[0] != refs[1] and all(r.startswith("AVH-") and len(r) == 13 for r in refs)


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"is_adult": False}, "MINOR"),
    ({"is_witness": True}, "WITNESS"),
    ({"is_adult": False, "is_witness": True}, "WITNESS"),
])
async def test_intake_routes_minors_and_witnesses(cases, overrides, reason):
    case_id = await cases.open(**overrides)
    assert await cases.state(case_id) == CaseState.REFERRED
    async with cases.world.sessions() as db:
        from helpline.models import Case

        assert (await db.get(Case, case_id)).exit_reason == reason


async def test_activation_succeeds_when_every_requirement_is_met(cases):
    case_id = await cases.open()
    await cases.make_ready_for_activation(case_id)
    await cases.act(cases.officer, case_id,
                    lambda d, c: service.transition(d, c, to=CaseState.ACTIVE))
    assert await cases.state(case_id) == CaseState.ACTIVE


async def _refused(cases, case_id, **kwargs) -> list[str]:
    with pytest.raises(RuleViolation) as info:
        await cases.act(cases.officer, case_id,
                        lambda d, c: service.transition(d, c, **kwargs))
    return info.value.rules


async def test_activation_without_anything_names_every_failing_guard_and_writes_nothing(cases):
    case_id = await cases.open(threat_documented=None)
    events_before = await cases.world.scalar(select(func.count()).select_from(CaseEvent))
    audit_before = await cases.world.scalar(select(func.count()).select_from(AuditEvent))
    rules = await _refused(cases, case_id, to=CaseState.ACTIVE)
    assert set(rules) == {Guard.THREAT_DOCUMENTED, Guard.CONSENT_VALID, Guard.CONDITIONS_SIGNED,
                          Guard.ASSESSMENT_APPROVED}
    assert await cases.state(case_id) == CaseState.ASSESSMENT
    assert await cases.world.scalar(select(func.count()).select_from(CaseEvent)) == events_before
    assert await cases.world.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_an_overdue_assessment_blocks_activation(cases, clock):
    case_id = await cases.open()
    await cases.make_ready_for_activation(case_id)
    clock.advance(days=31)
    assert Guard.ASSESSMENT_APPROVED in await _refused(cases, case_id, to=CaseState.ACTIVE)


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_expired_or_refused_consent_blocks_activation(cases, clock):
    case_id = await cases.open()
    person = await cases.add_defector(case_id)
    await cases.sign_conditions(case_id)
    await cases.approve_assessment(case_id, due_in_days=300)
    await cases.give_consent(case_id, person, days=10)
    clock.advance(days=11)
    assert await _refused(cases, case_id, to=CaseState.ACTIVE) == [Guard.CONSENT_VALID]


async def test_consent_must_cover_both_register_checks_and_information_exchange(cases):
    case_id = await cases.open()
    person = await cases.add_defector(case_id)
    await cases.sign_conditions(case_id)
    await cases.approve_assessment(case_id)
    await cases.give_consent(case_id, person, purposes=["POLICE_REGISTER_CHECKS"])
    assert await _refused(cases, case_id, to=CaseState.ACTIVE) == [Guard.CONSENT_VALID]


async def test_transitions_outside_the_machine_are_refused(cases):
    case_id = await cases.open()
    rules = await _refused(cases, case_id, to=CaseState.CLOSED)
    assert rules == ["transition_not_allowed:ASSESSMENT->CLOSED"]
    rules = await _refused(cases, case_id, to=CaseState.HANDED_OVER)
    assert rules[0].startswith("transition_not_allowed")


@pytest.mark.parametrize(("target", "good", "bad"), [
    (CaseState.REFERRED, "OTHER_REFERRAL", "NOT_MOTIVATED"),
    (CaseState.NOT_ELIGIBLE, "CONSENT_REFUSED", "MINOR"),
])
async def test_side_exits_need_a_fitting_reason(cases, target, good, bad):
    case_id = await cases.open()
    assert await _refused(cases, case_id, to=target) == [Guard.REASON_GIVEN]
    assert await _refused(cases, case_id, to=target, reason_code=bad) == [Guard.REASON_GIVEN]
    await cases.act(cases.officer, case_id,
                    lambda d, c: service.transition(d, c, to=target, reason_code=good))
    assert await cases.state(case_id) == target


async def test_closure_needs_a_reason_and_another_supervisors_approval(cases):
    case_id = await cases.open()
    with pytest.raises(RuleViolation, match=Guard.REASON_GIVEN):
        await cases.act(cases.officer, case_id,
                        lambda d, c: service.request_closure(d, c, reason_code="", reason_text=""))
    with pytest.raises(RuleViolation, match=Guard.CLOSURE_REQUESTED):
        await cases.act(cases.supervisor, case_id, lambda d, c: service.approve_closure(d, c))
    await cases.act(cases.supervisor, case_id, lambda d, c: service.request_closure(
        d, c, reason_code="PERSON_WITHDREW", reason_text="ringde och avbröt"))
    with pytest.raises(RuleViolation, match=Guard.SUPERVISOR):
        await cases.act(cases.officer, case_id, lambda d, c: service.approve_closure(d, c))
    with pytest.raises(RuleViolation, match=Guard.FOUR_EYES):
        await cases.act(cases.supervisor, case_id, lambda d, c: service.approve_closure(d, c))
    await cases.act(cases.supervisor2, case_id, lambda d, c: service.approve_closure(d, c))
    assert await cases.state(case_id) == CaseState.CLOSED


async def test_emergency_protection_needs_a_supervisor_a_reason_and_assessment_state(cases):
    case_id = await cases.open()
    call = lambda reason: lambda d, c: service.start_emergency_protection(d, c, reason_text=reason)  # noqa: E731
    with pytest.raises(RuleViolation, match=Guard.SUPERVISOR):
        await cases.act(cases.officer, case_id, call("akut hot"))
    with pytest.raises(RuleViolation, match=Guard.REASON_GIVEN):
        await cases.act(cases.supervisor, case_id, call("  "))
    await cases.act(cases.supervisor, case_id, call("akut hot"))
    referred = await cases.open(is_adult=False)
    with pytest.raises(RuleViolation, match="emergency_protection_not_in"):
        await cases.act(cases.supervisor, referred, call("akut hot"))


async def test_every_transition_is_audited_with_actor_and_reason_code(cases):
    case_id = await cases.open()
    await cases.act(cases.officer, case_id, lambda d, c: service.transition(
        d, c, to=CaseState.NOT_ELIGIBLE, reason_code="NOT_MOTIVATED", reason_text="hemlig text"))
    events = await cases.world.scalars(
        select(AuditEvent).where(AuditEvent.object_id == case_id,
                                 AuditEvent.action == "case.transition"))
    assert len(events) == 1
    event = events[0]
    assert event.actor_user_id == cases.officer.id
    assert event.details == {"from": "ASSESSMENT", "to": "NOT_ELIGIBLE", "reason": "NOT_MOTIVATED"}
    assert "hemlig" not in str(event.details)


async def test_a_closure_request_lapses_when_the_case_moves_on(cases):
    """Asked for in ASSESSMENT, it cannot close the case after activation: the case moved on,
    and an approval then would close an active case for a stale reason."""
    case_id = await cases.open()
    await cases.act(cases.officer, case_id, lambda d, c: service.request_closure(
        d, c, reason_code="PERSON_WITHDREW", reason_text=""))
    await cases.make_ready_for_activation(case_id)
    await cases.act(cases.officer, case_id,
                    lambda d, c: service.transition(d, c, to=CaseState.ACTIVE))
    with pytest.raises(RuleViolation, match=Guard.CLOSURE_REQUESTED):
        await cases.act(cases.supervisor2, case_id, lambda d, c: service.approve_closure(d, c))
    assert await cases.state(case_id) == CaseState.ACTIVE


async def test_the_team_takes_only_case_workers_and_only_while_the_case_is_worked(cases, world):
    from helpline.errors import InvalidInput
    from helpline.models.users import Role

    auditor = await world.user(cases.org, Role.AUDITOR)
    case_id = await cases.open()
    add = lambda user: lambda d, c: service.add_team_member(d, c, user_id=user.id)  # noqa: E731
    with pytest.raises(InvalidInput, match="user_id"):
        await cases.act(cases.officer, case_id, add(auditor))
    await cases.act(cases.officer, case_id, add(cases.colleague))
    referred = await cases.open(is_adult=False)
    with pytest.raises(RuleViolation, match="team_closed"):
        await cases.act(cases.officer, referred, add(cases.colleague))
