"""Protection measures and the individual action plan: dates that hang together, closed
measures that stay as they were, encrypted wording, and pages that show them."""

from __future__ import annotations

from sqlalchemy import func, select

from helpline.models.cases import CaseTeamMember
from helpline.models.relocation import ActionPlanAction, ActionPlanGoal, ProtectionMeasure
from helpline.models.users import Role
from tests.conftest import csrf_from, login
from tests.helpline.relocation.conftest import day

CANARY = "Kanarie-skuld 5521"


async def test_a_measure_keeps_its_dates_in_order(client, office, world):
    url = f"/api/v1/cases/{office.case_id}/measures"
    base = {"kind": "SAFETY_ALARM", "responsible_organisation_id": office.cases.org.id}
    backwards = await client.post(url, headers=office.auth, json={
        **base, "starts_on": day(5), "review_on": day(4)})
    assert backwards.status_code == 422 and backwards.json()["fields"] == {
        "review_on": "before_start"}
    unstarted = await client.post(url, headers=office.auth, json={**base, "state": "IN_PLACE"})
    assert unstarted.json()["fields"] == {"starts_on": "required"}
    unknown = await client.post(url, headers=office.auth, json={
        **base, "responsible_organisation_id": "0" * 36})
    assert unknown.json()["fields"] == {"responsible_organisation_id": "unknown_organisation"}
    assert await world.scalar(select(func.count()).select_from(ProtectionMeasure)) == 0

    created = await client.post(url, headers=office.auth, json={
        **base, "state": "IN_PLACE", "starts_on": day(0), "review_on": day(30),
        "note": CANARY})
    assert created.status_code == 201, created.text
    measure_id = created.json()["id"]
    stored = (await world.scalars(select(ProtectionMeasure)))[0]
    assert CANARY.encode() not in (stored.note_enc or b"")
    ended = await client.post(f"{url}/{measure_id}", headers=office.auth,
                              json={"state": "ENDED", "ends_on": day(1)})
    assert ended.json()["state"] == "ENDED"
    again = await client.post(f"{url}/{measure_id}", headers=office.auth,
                              json={"state": "IN_PLACE"})
    assert again.status_code == 409 and again.json()["rules"] == ["measure_closed"]
    listed = await client.get(url, headers=office.auth)
    assert listed.json()["measures"][0]["note"] == CANARY


async def test_the_measures_page_records_and_refuses_with_a_message(client, office, world):
    await login(client, office.cases.officer)
    page = await client.get(f"/cases/{office.case_id}/measures")
    assert page.status_code == 200 and "Trygghetslarm" in page.text
    bad = await client.post(f"/cases/{office.case_id}/measures", data={
        "kind": "CONTACT_BAN", "responsible_organisation_id": office.cases.org.id,
        "state": "PLANNED", "starts_on": day(3), "ends_on": day(1), "review_on": "",
        "note": "", "csrf_token": csrf_from(page.text)})
    assert bad.status_code == 422 and "Datumet kan inte vara före startdatumet." in bad.text
    assert await world.scalar(select(func.count()).select_from(ProtectionMeasure)) == 0
    good = await client.post(f"/cases/{office.case_id}/measures", data={
        "kind": "CONTACT_BAN", "responsible_organisation_id": office.cases.org.id,
        "state": "REQUESTED", "starts_on": day(-10), "ends_on": "", "review_on": day(-1),
        "note": "", "csrf_token": csrf_from(page.text)})
    assert good.status_code == 303
    case_page = await client.get(f"/cases/{office.case_id}")
    assert "Kontaktförbud" in case_page.text and "Omprövning försenad" in case_page.text


async def test_the_action_plan_has_goals_per_life_area_and_actions(client, office, world):
    url = f"/api/v1/cases/{office.case_id}/action-plan"
    goal = await client.post(f"{url}/goals", headers=office.auth, json={
        "life_area": "DEBT", "description": CANARY})
    assert goal.status_code == 201, goal.text
    goal_id = goal.json()["id"]
    no_text = await client.post(f"{url}/goals", headers=office.auth, json={"life_area": "DEBT"})
    assert no_text.json()["fields"] == {"description": "required"}
    outsider = await world.user(await world.organisation(), Role.POLICE_CASE_OFFICER)
    foreign_user = await client.post(f"{url}/goals/{goal_id}/actions", headers=office.auth,
                                     json={"description": "Kontakta Kronofogden",
                                           "responsible_organisation_id": office.cases.org.id,
                                           "responsible_user_id": outsider.id})
    assert foreign_user.json()["fields"] == {"responsible_user_id": "unknown_user"}
    # Need to know: reminders name the case to the responsible user, so it must be someone who
    # may read it. A colleague not on the case, and an auditor, are refused like a stranger.
    auditor = await world.user(office.cases.org, Role.AUDITOR)
    for outside in (office.cases.colleague, auditor):
        refused = await client.post(f"{url}/goals/{goal_id}/actions", headers=office.auth,
                                    json={"description": "Kontakta Kronofogden",
                                          "responsible_organisation_id": office.cases.org.id,
                                          "responsible_user_id": outside.id})
        assert refused.status_code == 422
        assert refused.json()["fields"] == {"responsible_user_id": "unknown_user"}
    assert await world.scalar(select(func.count()).select_from(ActionPlanAction)) == 0
    async with world.sessions() as db, db.begin():
        db.add(CaseTeamMember(case_id=office.case_id, user_id=office.cases.colleague.id,
                              organisation_id=office.cases.org.id))
    action = await client.post(f"{url}/goals/{goal_id}/actions", headers=office.auth, json={
        "description": "Kontakta Kronofogden", "responsible_organisation_id": office.cases.org.id,
        "responsible_user_id": office.cases.colleague.id, "responsible_person": "Anna på KFM",
        "due_on": day(7), "follow_up_on": day(21)})
    assert action.status_code == 201, action.text
    assert await world.scalar(select(func.count()).select_from(ActionPlanAction)) == 1
    stored = (await world.scalars(select(ActionPlanGoal)))[0]
    assert CANARY.encode() not in stored.description_enc
    done = await client.post(f"{url}/actions/{action.json()['id']}", headers=office.auth,
                             json={"state": "DONE"})
    assert done.json()["state"] == "DONE"
    plan = (await client.get(url, headers=office.auth)).json()
    assert plan["goals"][0]["description"] == CANARY
    assert plan["goals"][0]["actions"][0]["completed_on"] is not None

    await login(client, office.cases.officer)
    page = await client.get(f"/cases/{office.case_id}/action-plan")
    assert page.status_code == 200 and CANARY in page.text and "Anna på KFM" in page.text
    case_page = await client.get(f"/cases/{office.case_id}")
    assert "Skulder" in case_page.text and CANARY not in case_page.text


async def _rows(world) -> tuple[int, int, int]:
    return tuple([await world.scalar(select(func.count()).select_from(model))
                  for model in (ProtectionMeasure, ActionPlanGoal, ActionPlanAction)])


async def test_a_body_against_the_api_document_is_refused_with_codes_and_writes_nothing(
    client, office, world
):
    measures = f"/api/v1/cases/{office.case_id}/measures"
    plan = f"/api/v1/cases/{office.case_id}/action-plan"
    org = office.cases.org.id
    goal = await client.post(f"{plan}/goals", headers=office.auth, json={
        "life_area": "DEBT", "description": "Skuldsanering"})
    goal_id = goal.json()["id"]
    before = await _rows(world)
    refused = [
        (f"{plan}/goals", {"life_area": "DEBT", "description": 0}, {"description": "invalid_type"}),
        (f"{plan}/goals", {"life_area": "MOON", "description": " \t"},
         {"life_area": "invalid", "description": "required"}),
        (f"{plan}/goals/{goal_id}", {"description": 0}, {"description": "invalid_type"}),
        (f"{plan}/goals/{goal_id}/actions", {
            "description": "Ring", "responsible_organisation_id": org,
            "responsible_user_id": "nobody", "state": "FINISHED"},
         {"responsible_user_id": "unknown_user", "state": "invalid"}),
        (measures, {"kind": "TELEPORT", "responsible_organisation_id": org,
                    "starts_on": "2026-02-30", "note": ["x"]},
         {"kind": "invalid", "starts_on": "invalid_date", "note": "invalid_type"}),
        (measures, {"kind": "SAFETY_ALARM", "responsible_organisation_id": org,
                    "state": "ENDED", "ends_on": ""}, {"ends_on": "required"}),
    ]
    for url, body, fields in refused:
        response = await client.post(url, headers=office.auth, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json() == {"error": "invalid_input", "fields": fields}, body
    assert await _rows(world) == before


async def test_an_empty_date_clears_it_and_an_empty_organisation_keeps_it(client, office, world):
    url = f"/api/v1/cases/{office.case_id}/measures"
    created = await client.post(url, headers=office.auth, json={
        "kind": "SAFETY_ALARM", "responsible_organisation_id": office.cases.org.id,
        "starts_on": day(0), "review_on": day(30)})
    assert created.status_code == 201, created.text
    changed = await client.post(f"{url}/{created.json()['id']}", headers=office.auth, json={
        "review_on": "", "responsible_organisation_id": ""})
    assert changed.status_code == 200, changed.text
    stored = (await world.scalars(select(ProtectionMeasure)))[0]
    assert stored.review_on is None and stored.starts_on is not None
    assert stored.responsible_organisation_id == office.cases.org.id


async def test_before_activation_protection_starts_only_after_the_emergency_sign_off(
    client, cases, world
):
    """DOMAIN.md §7: in assessment, protection may start only with a supervisor's sign-off
    and a reason. Planning it may go ahead; putting a measure in place, or a relocation under
    way, may not (an officer put emergency housing in place on a fresh case)."""
    from helpline.cases import service as case_service
    from tests.helpline.persons.helpers import token

    case_id = await cases.open()
    auth = await token(world, cases.officer.id)
    url = f"/api/v1/cases/{case_id}/measures"
    base = {"kind": "EMERGENCY_PROTECTED_HOUSING", "responsible_organisation_id": cases.org.id,
            "starts_on": day(0)}
    refused = await client.post(url, headers=auth, json={**base, "state": "IN_PLACE"})
    assert refused.status_code == 409
    assert refused.json()["rules"] == ["emergency_protection_required"]
    planned = await client.post(url, headers=auth, json={**base, "state": "PLANNED"})
    assert planned.status_code == 201
    measure_url = f"{url}/{planned.json()['id']}"
    assert (await client.post(measure_url, headers=auth, json={"state": "IN_PLACE"})
            ).status_code == 409
    await cases.act(cases.supervisor, case_id, lambda d, c: case_service.start_emergency_protection(
        d, c, reason_text="Akut hot"))
    assert (await client.post(measure_url, headers=auth, json={"state": "IN_PLACE"})
            ).status_code == 200


async def test_before_activation_a_relocation_gets_under_way_only_after_the_sign_off(cases):
    from helpline import clock
    from helpline.cases import service as case_service
    from helpline.errors import RuleViolation
    from helpline.models.relocation import PlanState, StepKind, StepState
    from helpline.relocation import service as relocation
    from helpline.relocation.schemas import PlanInput, StepChange, StepInput

    case_id = await cases.open()

    async def approved_plan(deps, case):  # type: ignore[no-untyped-def]
        plan = await relocation.create_plan(deps, case, PlanInput("0180", "0127", clock.today()))
        step = await relocation.add_step(deps, case, plan, StepInput(
            StepKind.SCHOOLING, cases.org.id, clock.today(), StepState.PLANNED, ""))
        plan.state = PlanState.APPROVED  # as if submitted and approved by a second supervisor
        # A step found not needed is no protection under way: allowed without the sign-off.
        await relocation.update_step(deps, case, plan, step, StepChange(
            state=StepState.NOT_NEEDED))
        assert plan.state is PlanState.APPROVED
        return plan.id

    plan_id = await cases.act(cases.officer, case_id, approved_plan)

    async def start(deps, case):  # type: ignore[no-untyped-def]
        from helpline.models.relocation import RelocationPlan

        plan = await deps.db.get(RelocationPlan, plan_id)
        await relocation.transition(deps, case, plan, action="start")

    import pytest

    with pytest.raises(RuleViolation, match="emergency_protection_required"):
        await cases.act(cases.officer, case_id, start)
    await cases.act(cases.supervisor, case_id, lambda d, c: case_service.start_emergency_protection(
        d, c, reason_text="Akut hot"))
    await cases.act(cases.officer, case_id, start)
