"""Reminders (bevakningar): they appear when a date comes within the horizon, stand out when
overdue, clear when the work is recorded, follow need-to-know, carry pseudonyms and codes only,
and the daily job prints them per responsible officer."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from helpline import clock as clock_module
from helpline.cases import service as case_service
from helpline.models import AuditEvent, Case, Person, User
from helpline.models.protection import MeasureLevel, MeasureState, ProtectedDataMeasure
from helpline.models.users import Role
from helpline.reminders import cli as reminders_cli
from helpline.reminders import service
from tests.conftest import login, settings_for
from tests.helpline.persons.helpers import token
from tests.helpline.relocation.conftest import day, names_target


async def _reminders(client, office, **params) -> list[dict]:
    response = await client.get("/api/v1/reminders", headers=office.auth, params=params)
    assert response.status_code == 200, response.text
    return response.json()["reminders"]


async def _plan_with_step(client, office, due: int) -> tuple[str, str]:
    plan_id = await office.create_plan(client)
    return plan_id, await office.add_step(client, plan_id, due=due)


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_a_step_reminder_appears_turns_overdue_and_clears(client, office, clock):
    plan_id, step_id = await _plan_with_step(client, office, due=20)
    assert await _reminders(client, office) == []  # beyond the 14-day horizon
    assert len(await _reminders(client, office, days=30)) == 1
    clock.advance(days=10)
    (due,) = await _reminders(client, office)
    assert due["kind"] == "RELOCATION_STEP" and due["detail"] == "EMERGENCY_HOUSING"
    assert due["overdue"] is False and due["pseudonym"] == "Ek 1234"
    assert due["link"] == f"/cases/{office.case_id}/relocation/{plan_id}"
    clock.advance(days=11)
    (late,) = await _reminders(client, office)
    assert late["overdue"] is True and late["days_left"] == -1
    done = await client.post(f"{office.plans_url()}/{plan_id}/steps/{step_id}",
                             headers=office.auth, json={"state": "DONE"})
    assert done.status_code == 200, done.text
    assert await _reminders(client, office) == []


async def test_every_source_of_dates_raises_reminders(client, office, world):
    cases = office.cases
    await _plan_with_step(client, office, due=2)
    measures = f"/api/v1/cases/{office.case_id}/measures"
    await client.post(measures, headers=office.auth, json={
        "kind": "SAFETY_ALARM", "responsible_organisation_id": cases.org.id, "state": "IN_PLACE",
        "starts_on": day(-30), "review_on": day(-1), "ends_on": day(5)})
    # The action's responsible user must be able to read the case: on its team.
    async with world.sessions() as db, db.begin():
        actor = await db.get(User, cases.officer.id)
        case = await db.get(Case, office.case_id)
        await case_service.add_team_member(cases.deps(db, actor), case, user_id=cases.colleague.id)
    plan = f"/api/v1/cases/{office.case_id}/action-plan"
    goal = (await client.post(f"{plan}/goals", headers=office.auth,
                              json={"life_area": "HOUSING", "description": "Eget kontrakt"}))
    await client.post(f"{plan}/goals/{goal.json()['id']}/actions", headers=office.auth, json={
        "description": "Ansök om bostad", "responsible_organisation_id": cases.org.id,
        "responsible_user_id": cases.colleague.id, "due_on": day(3), "follow_up_on": day(10)})
    defector = await world.scalar(select(Person.id).where(Person.case_id == office.case_id))
    await cases.give_consent(office.case_id, defector, days=7)
    await cases.approve_assessment(office.case_id, due_in_days=-2)
    async with world.sessions() as db, db.begin():
        db.add(ProtectedDataMeasure(
            case_id=office.case_id, organisation_id=cases.org.id, person_id=defector,
            level=MeasureLevel.PROTECTED_REGISTRATION, state=MeasureState.GRANTED,
            review_on=clock_module.today() + timedelta(days=12), created_by_id=cases.officer.id))
    found = await _reminders(client, office)
    kinds = {r["kind"]: r for r in found}
    assert set(kinds) == {
        "RELOCATION_STEP", "MEASURE_REVIEW", "MEASURE_ENDS", "ACTION_DUE", "ACTION_FOLLOW_UP",
        "CONSENT_EXPIRY", "PROTECTED_DATA_REVIEW", "THREAT_ASSESSMENT_REVIEW"}
    assert [r["overdue"] for r in found[:2]] == [True, True]  # overdue first
    assert kinds["THREAT_ASSESSMENT_REVIEW"]["detail"] == "HIGH"
    assert kinds["ACTION_DUE"]["responsible_user_id"] == cases.colleague.id
    text = json.dumps(found)
    assert not names_target(text) and "Eget kontrakt" not in text and "Ansök" not in text
    # "Only mine": the officer is responsible for the case; the colleague only for the action.
    colleague = await token(world, cases.colleague.id)
    theirs = (await client.get("/api/v1/reminders", headers=colleague,
                               params={"mine": "1"})).json()["reminders"]
    assert {r["kind"] for r in theirs} == {"ACTION_DUE", "ACTION_FOLLOW_UP"}


async def test_reminders_follow_need_to_know(client, office, world):
    await _plan_with_step(client, office, due=1)
    colleague = await token(world, office.cases.colleague.id)  # same organisation, not on team
    stranger = await world.user(await world.organisation(), Role.SUPERVISOR)
    for auth in (colleague, await token(world, stranger.id)):
        assert (await client.get("/api/v1/reminders", headers=auth)).json()["reminders"] == []
    other = await client.get(f"/api/v1/cases/{office.case_id}/reminders", headers=colleague)
    assert other.status_code == 404
    supervisor = await token(world, office.cases.supervisor.id)
    assert len((await client.get("/api/v1/reminders", headers=supervisor)).json()[
        "reminders"]) == 1


async def test_the_page_and_the_case_section_show_pseudonyms_and_overdue(
    client, office, clock
):
    await _plan_with_step(client, office, due=1)
    clock.advance(days=3)
    await login(client, office.cases.officer)
    page = await client.get("/reminders")
    assert page.status_code == 200 and "Mina bevakningar" in page.text
    assert "Ek 1234" in page.text and "Försenad" in page.text and 'class="overdue"' in page.text
    assert "Kiruna" not in page.text and not names_target(page.text)
    assert 'href="/reminders"' in page.text  # in the navigation
    case_page = await client.get(f"/cases/{office.case_id}")
    assert "Bevakningar" in case_page.text and "Akut boende" in case_page.text


async def test_the_daily_job_prints_json_lines_per_officer(
    client, office, world, app, database_url, tmp_path, monkeypatch
):
    await _plan_with_step(client, office, due=1)
    settings = settings_for(database_url, tmp_path / "data")
    monkeypatch.setattr("helpline.cli._settings", lambda: settings)
    runner = CliRunner()
    when = (clock_module.today() + timedelta(days=5)).isoformat()
    # In a thread: the command runs its own event loop, as it does from a shell.
    result = await asyncio.to_thread(runner.invoke, reminders_cli.reminders, ["--date", when])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    mine = [line for line in lines if line["officer_id"] == office.cases.officer.id]
    assert len(mine) == 1 and mine[0]["overdue"] is True and mine[0]["date"] == when
    assert mine[0]["case_reference"].startswith("AVH-") and mine[0]["pseudonym"] == "Ek 1234"
    assert not names_target(result.output)
    none = await asyncio.to_thread(runner.invoke, reminders_cli.reminders,
                                   ["--organisation", "Ingen sådan"])
    assert none.exit_code != 0
    exported = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "reminders.exported"))
    assert exported and not any(names_target(str(e.details)) for e in exported)


async def test_the_job_reads_each_organisation_under_its_own_binding(
    client, office, app, world
):
    from helpline.db import session_factory

    await _plan_with_step(client, office, due=1)
    # As the application's unprivileged role (PostgreSQL: row-level security applies).
    async with session_factory(app.state.engine)() as db, db.begin():
        lines = await reminders_cli.reminder_lines(
            db, today=clock_module.today() + timedelta(days=30), organisation=None,
            horizon_days=service.DEFAULT_HORIZON)
    assert [(line["organisation_id"], line["kind"]) for line in lines] == [
        (office.cases.org.id, "RELOCATION_STEP")]



async def test_the_api_holds_the_query_to_the_document_and_the_page_does_not(client, office):
    for params, fields in (
        ({"days": "soon"}, {"days": "invalid_type"}),
        ({"days": "400"}, {"days": "out_of_range"}),
        ({"mine": "AAA"}, {"mine": "invalid"}),
        ([("days", "3"), ("days", "4")], {"days": "repeated"}),
    ):
        response = await client.get("/api/v1/reminders", headers=office.auth, params=params)
        assert response.status_code == 422, params
        assert response.json() == {"error": "invalid_input", "fields": fields}
    case = await client.get(f"/api/v1/cases/{office.case_id}/reminders", headers=office.auth,
                            params={"days": "-1"})
    assert case.status_code == 422 and case.json()["fields"] == {"days": "out_of_range"}
    # Documented values, and parameters the document does not name, are fine.
    fine = await client.get("/api/v1/reminders", headers=office.auth,
                            params={"days": "30", "mine": "0", "utm": "x"})
    assert fine.status_code == 200 and fine.json()["horizon_days"] == 30
    # The page is for people: a hand-edited address falls back to the default horizon.
    await login(client, office.cases.officer)
    assert (
        await client.get("/reminders", params={"days": "soon", "mine": "AAA"})
    ).status_code == 200


async def test_the_job_reminds_only_users_who_may_still_read_the_case(client, office, world):
    """An action's responsible user is a reader of the case when named; taken off the case's
    team later, they get no more reminders naming it (the officer still does)."""
    from sqlalchemy import delete

    from helpline.models.cases import CaseTeamMember

    colleague = office.cases.colleague
    async with world.sessions() as db, db.begin():
        db.add(CaseTeamMember(case_id=office.case_id, user_id=colleague.id,
                              organisation_id=office.cases.org.id))
    plan = f"/api/v1/cases/{office.case_id}/action-plan"
    goal = await client.post(f"{plan}/goals", headers=office.auth,
                             json={"life_area": "SUBSTANCE_TREATMENT", "description": "x"})
    action = await client.post(f"{plan}/goals/{goal.json()['id']}/actions", headers=office.auth,
                               json={"description": "y", "responsible_user_id": colleague.id,
                                     "responsible_organisation_id": office.cases.org.id,
                                     "due_on": day(1)})
    assert action.status_code == 201, action.text

    async def reminded() -> set[str]:
        async with world.sessions() as db, db.begin():
            lines = await reminders_cli.reminder_lines(
                db, today=clock_module.today(), organisation=None, horizon_days=14)
        return {line["officer_id"] for line in lines if line["kind"] == "ACTION_DUE"}

    assert await reminded() == {office.cases.officer.id, colleague.id}
    async with world.sessions() as db, db.begin():
        await db.execute(delete(CaseTeamMember).where(CaseTeamMember.user_id == colleague.id))
    assert await reminded() == {office.cases.officer.id}


async def test_every_read_of_a_reminder_list_is_audited(client, office, world):
    # DOMAIN.md §8.10: the lists show case references and pseudonyms across cases.
    await _plan_with_step(client, office, due=1)
    await _reminders(client, office, days=30)
    case_list = await client.get(f"/api/v1/cases/{office.case_id}/reminders", headers=office.auth)
    assert case_list.status_code == 200
    await login(client, office.cases.officer)
    assert (await client.get("/reminders")).status_code == 200
    events = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "reminder.list_read").order_by(AuditEvent.seq))
    assert [(e.actor_user_id, e.object_id, e.details["reminders_shown"]) for e in events] == [
        (office.cases.officer.id, None, 1), (office.cases.officer.id, office.case_id, 1),
        (office.cases.officer.id, None, 1)]
    assert events[0].details["horizon_days"] == 30
