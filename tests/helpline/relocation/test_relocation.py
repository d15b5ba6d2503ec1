"""Relocation plans: four-eyes approval by a supervisor after a recent sign-in, the target
municipality encrypted and shown only on the plan's own page, and bad input that writes nothing."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text

from crypto import DecryptionError
from helpline.models import AuditEvent, Case
from helpline.models.cases import CaseState
from helpline.models.relocation import PlanState, RelocationPlan, RelocationStep, StepState
from helpline.models.users import Role
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import token
from tests.helpline.relocation.conftest import TARGET, day, names_target

KIRUNA = "Kiruna"


async def _submitted(client, office) -> str:
    plan_id = await office.create_plan(client)
    await office.add_step(client, plan_id)
    assert (await office.move(client, plan_id, "submit")).status_code == 200
    return plan_id


async def _approve_in_page(client, office, plan_id) -> httpx.Response:
    url = f"/cases/{office.case_id}/relocation/{plan_id}"
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return await client.post(url + "/approve", data={"csrf_token": csrf_from(page.text)})


async def _state(world, plan_id) -> PlanState:
    return await world.scalar(select(RelocationPlan.state).where(RelocationPlan.id == plan_id))


async def test_only_a_supervisor_approves_and_never_the_plans_author(client, office, world, app):
    cases = office.cases
    plan_id = await _submitted(client, office)

    await login(client, cases.officer)  # the author, and not a supervisor
    refused = await _approve_in_page(client, office, plan_id)
    assert refused.status_code == 409 and "Bara en granskande chef" in refused.text
    assert await _state(world, plan_id) is PlanState.SUBMITTED

    # A supervisor who wrote a plan cannot approve it either (four eyes).
    other_case = await cases.open(by=cases.supervisor)
    own = await httpx_plan(client, app, world, cases, other_case)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://testserver") as supervisor:
        await login(supervisor, cases.supervisor)
        office.case_id, original = other_case, office.case_id
        four_eyes = await _approve_in_page(supervisor, office, own)
        assert four_eyes.status_code == 409
        assert await _state(world, own) is PlanState.SUBMITTED
        office.case_id = original
        approved = await _approve_in_page(supervisor, office, plan_id)
        assert approved.status_code == 303, approved.text
    assert await _state(world, plan_id) is PlanState.APPROVED
    plan = (await world.scalars(select(RelocationPlan).where(RelocationPlan.id == plan_id)))[0]
    assert plan.approved_by_id == cases.supervisor.id


async def test_a_supervisor_who_changed_the_plan_cannot_approve_it(client, office, world, app):
    """The officer writes and submits the plan, but the supervisor added a step: that is
    writing it, so approving it would be one person both writing and approving."""
    cases = office.cases
    plan_id = await office.create_plan(client)
    await office.add_step(client, plan_id)
    supervisor_auth = await token(world, cases.supervisor.id)
    step = await client.post(f"{office.plans_url()}/{plan_id}/steps", headers=supervisor_auth,
                             json={"kind": "MAIL_AND_ID", "due_on": day(5),
                                   "responsible_organisation_id": cases.org.id})
    assert step.status_code == 201, step.text
    assert (await office.move(client, plan_id, "submit")).status_code == 200
    await login(client, cases.supervisor)
    refused = await _approve_in_page(client, office, plan_id)
    assert refused.status_code == 409
    assert await _state(world, plan_id) is PlanState.SUBMITTED
    # A supervisor who only reviewed may approve.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="https://testserver") as other:
        await login(other, cases.supervisor2)
        approved = await _approve_in_page(other, office, plan_id)
        assert approved.status_code == 303, approved.text
    assert await _state(world, plan_id) is PlanState.APPROVED


async def httpx_plan(client, app, world, cases, case_id) -> str:
    """A plan written and submitted by the supervisor on their own case."""
    auth = await token(world, cases.supervisor.id)
    url = f"/api/v1/cases/{case_id}/relocation-plans"
    created = await client.post(url, headers=auth, json={
        "from_municipality": "0180", "target_municipality": TARGET, "starts_on": day(0)})
    plan_id = created.json()["id"]
    step = await client.post(f"{url}/{plan_id}/steps", headers=auth, json={
        "kind": "MAIL_AND_ID", "responsible_organisation_id": cases.org.id, "due_on": day(5)})
    assert step.status_code == 201, step.text
    moved = await client.post(f"{url}/{plan_id}/transitions", headers=auth,
                              json={"action": "submit"})
    assert moved.status_code == 200, moved.text
    return plan_id


async def test_a_supervisor_of_another_organisation_cannot_even_see_the_plan(
    client, office, world
):
    plan_id = await _submitted(client, office)
    stranger = await world.user(await world.organisation(), Role.SUPERVISOR)
    await login(client, stranger)
    url = f"/cases/{office.case_id}/relocation/{plan_id}"
    assert (await client.get(url)).status_code == 404
    assert await _state(world, plan_id) is PlanState.SUBMITTED


async def test_approval_needs_a_recent_sign_in(client, office, world, clock):
    plan_id = await _submitted(client, office)
    await login(client, office.cases.supervisor)
    url = f"/cases/{office.case_id}/relocation/{plan_id}"
    page = await client.get(url)
    clock.advance(minutes=6)
    response = await client.post(url + "/approve", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"].endswith("/reauth")
    assert await _state(world, plan_id) is PlanState.SUBMITTED


async def test_the_api_cannot_approve(client, office, world):
    plan_id = await _submitted(client, office)
    supervisor = await token(world, office.cases.supervisor.id)
    response = await office.move(client, plan_id, "approve", auth=supervisor)
    assert response.status_code == 422 and response.json()["fields"] == {
        "action": "unknown_action"}
    assert await _state(world, plan_id) is PlanState.SUBMITTED


async def _counts(world) -> tuple[int, int, int]:
    return (
        await world.scalar(select(func.count()).select_from(RelocationPlan)),
        await world.scalar(select(func.count()).select_from(RelocationStep)),
        await world.scalar(select(func.count()).select_from(AuditEvent)),
    )


async def test_bad_input_gets_a_clear_message_and_writes_nothing(client, office, world):
    url = office.plans_url()
    before = await _counts(world)
    bad_code = await client.post(url, headers=office.auth, json={
        "from_municipality": "0180", "target_municipality": "9999", "starts_on": day(0)})
    assert bad_code.status_code == 422
    assert bad_code.json()["fields"] == {"target_municipality": "unknown_municipality"}
    assert "9999" not in bad_code.text  # a code, never the value typed
    assert await _counts(world) == before

    plan_id = await office.create_plan(client, starts_on=day(10))
    before = await _counts(world)
    early = await client.post(f"{url}/{plan_id}/steps", headers=office.auth, json={
        "kind": "SCHOOLING", "responsible_organisation_id": office.municipality.id,
        "due_on": day(9)})
    assert early.status_code == 422 and early.json()["fields"] == {"due_on": "before_plan_start"}
    assert await _counts(world) == before

    # The same through the page: the message is shown, nothing but the page's read is written.
    await login(client, office.cases.officer)
    page = await client.get(f"/cases/{office.case_id}/relocation/{plan_id}")
    response = await client.post(
        f"/cases/{office.case_id}/relocation/{plan_id}/steps",
        data={"kind": "SCHOOLING", "responsible_organisation_id": office.municipality.id,
              "due_on": day(9), "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert "kan inte vara före planens start" in response.text
    assert await world.scalar(select(func.count()).select_from(RelocationStep)) == 0
    reads = await world.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("relocation.%")).order_by(AuditEvent.seq))
    assert "relocation.step_added" not in reads


async def test_a_body_against_the_api_document_is_refused_with_codes(client, office, world):
    url = office.plans_url()
    plan_id = await office.create_plan(client)
    step_id = await office.add_step(client, plan_id)
    before = await _counts(world)
    refused = [
        (url, {"from_municipality": 180, "target_municipality": "", "starts_on": "1 maj"},
         {"from_municipality": "invalid_type", "target_municipality": "required",
          "starts_on": "invalid_date"}),
        (f"{url}/{plan_id}/steps", {"kind": "TELEPORT", "responsible_organisation_id": "x",
                                    "due_on": day(3), "state": "LATER"},
         {"kind": "invalid", "responsible_organisation_id": "unknown_organisation",
          "state": "invalid"}),
        (f"{url}/{plan_id}/steps/{step_id}", {"due_on": "tomorrow", "note": "x" * 2001},
         {"due_on": "invalid_date", "note": "too_long"}),
        (f"{url}/{plan_id}/transitions", {"action": 1}, {"action": "invalid_type"}),
    ]
    for target, body, fields in refused:
        response = await client.post(target, headers=office.auth, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json() == {"error": "invalid_input", "fields": fields}, body
    assert await _counts(world) == before
    step = (await world.scalars(select(RelocationStep)))[0]
    assert step.due_on.isoformat() == day(3) and step.note_enc is None


async def test_the_target_is_encrypted_and_shown_only_on_the_plans_page(client, office, world):
    plan_id = await office.create_plan(client)
    await office.add_step(client, plan_id, kind="HANDOVER_SOCIAL_SERVICES")
    stored = (await world.scalars(select(RelocationPlan)))[0]
    assert TARGET.encode() not in stored.target_municipality_enc

    listed = await client.get(office.plans_url(), headers=office.auth)
    assert not names_target(listed.text) and office.municipality.id not in listed.text
    await login(client, office.cases.officer)
    case_page = await client.get(f"/cases/{office.case_id}")
    assert case_page.status_code == 200 and "Omlokalisering" in case_page.text
    assert KIRUNA not in case_page.text and office.municipality.name not in case_page.text
    reminders = await client.get("/reminders")
    assert KIRUNA not in reminders.text and not names_target(reminders.text)

    count = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "relocation.plan_read")
    before = await world.scalar(count)
    plan_page = await client.get(f"/cases/{office.case_id}/relocation/{plan_id}")
    assert KIRUNA in plan_page.text and f"({TARGET})" in plan_page.text
    assert await world.scalar(count) == before + 1  # exactly one audited read
    details = await world.scalars(select(AuditEvent.details))
    assert not any(names_target(str(d)) for d in details)


async def test_the_target_ciphertext_is_bound_to_its_row(client, office, world, app):
    first = await office.create_plan(client)
    assert (await office.move(client, first, "cancel", "fel plan")).status_code == 200
    second = await office.create_plan(client, target_municipality="0180")
    # Copy the first plan's ciphertext onto the second row: it must not decrypt there.
    async with world.sessions() as db, db.begin():
        await db.execute(text(
            "UPDATE relocation_plans SET target_municipality_enc = "
            "(SELECT target_municipality_enc FROM relocation_plans WHERE id = :a) "
            "WHERE id = :b"), {"a": first, "b": second})
    with pytest.raises(DecryptionError):  # the test client re-raises what would be a 500
        await client.get(f"{office.plans_url()}/{second}", headers=office.auth)


async def test_plan_states_follow_the_steps(client, office, world):
    plan_id = await office.create_plan(client)
    assert (await office.move(client, plan_id, "submit")).json()["rules"] == ["no_steps"]
    step_id = await office.add_step(client, plan_id)
    await office.add_step(client, plan_id, kind="SCHOOLING", due=20)
    assert (await office.move(client, plan_id, "submit")).status_code == 200
    # Frozen while a supervisor reads it; returning needs a supervisor and a comment.
    steps_url = f"{office.plans_url()}/{plan_id}/steps"
    frozen = await client.post(f"{steps_url}/{step_id}", headers=office.auth,
                               json={"state": "IN_PROGRESS"})
    assert frozen.status_code == 409 and frozen.json()["rules"] == ["plan_not_editable"]
    supervisor = await token(world, office.cases.supervisor.id)
    no_comment = await office.move(client, plan_id, "return", auth=supervisor)
    assert no_comment.json()["rules"] == ["comment_required"]
    returned = await office.move(client, plan_id, "return", "Lägg till skola", auth=supervisor)
    assert returned.json()["state"] == "DRAFT"
    assert (await office.move(client, plan_id, "submit")).status_code == 200
    async with world.sessions() as db, db.begin():  # approved (the page path is tested above)
        plan = await db.get(RelocationPlan, plan_id)
        plan.state, plan.approved_by_id = PlanState.APPROVED, office.cases.supervisor.id
    started = await client.post(f"{steps_url}/{step_id}", headers=office.auth,
                                json={"state": "IN_PROGRESS"})
    assert started.json()["plan_state"] == "IN_PROGRESS"
    early = await office.move(client, plan_id, "complete")
    assert early.json()["rules"] == ["steps_not_finished"]
    for sid, state in ((step_id, "DONE"), (None, "NOT_NEEDED")):
        target = sid or (await world.scalars(select(RelocationStep.id).where(
            RelocationStep.kind == "SCHOOLING")))[0]
        await client.post(f"{steps_url}/{target}", headers=office.auth, json={"state": state})
    assert (await office.move(client, plan_id, "complete")).json()["state"] == "COMPLETED"
    done = (await world.scalars(select(RelocationStep).where(RelocationStep.id == step_id)))[0]
    assert done.state is StepState.DONE and done.completed_on is not None


async def test_one_unfinished_plan_per_case_and_none_on_a_closed_case(client, office, world):
    await office.create_plan(client)
    again = await client.post(office.plans_url(), headers=office.auth, json={
        "from_municipality": "0180", "target_municipality": TARGET, "starts_on": day(0)})
    assert again.status_code == 409 and again.json()["rules"] == ["open_plan_exists"]
    closed = await office.cases.open()
    async with world.sessions() as db, db.begin():
        (await db.get(Case, closed)).state = CaseState.CLOSED
    refused = await client.post(f"/api/v1/cases/{closed}/relocation-plans", headers=office.auth,
                                json={"from_municipality": "0180",
                                      "target_municipality": TARGET, "starts_on": day(0)})
    assert refused.status_code == 409 and refused.json()["rules"] == ["case_not_open"]


async def test_plan_pages_render_for_the_officer(client, office):
    await login(client, office.cases.officer)
    form = await client.get(f"/cases/{office.case_id}/relocation/new")
    assert form.status_code == 200 and "Kiruna (2584)" in form.text
    created = await client.post(f"/cases/{office.case_id}/relocation", data={
        "from_municipality": "0180", "target_municipality": TARGET, "starts_on": day(0),
        "csrf_token": csrf_from(form.text)})
    assert created.status_code == 303
    page = await client.get(created.headers["location"])
    assert page.status_code == 200 and "Utkast" in page.text
    added = await client.post(created.headers["location"] + "/steps", data={
        "kind": "EMERGENCY_HOUSING", "responsible_organisation_id": office.municipality.id,
        "due_on": day(1), "note": "Jourlägenhet", "csrf_token": csrf_from(page.text)})
    assert added.status_code == 303
    page = await client.get(created.headers["location"])
    assert "Akut boende" in page.text and "Jourlägenhet" in page.text
