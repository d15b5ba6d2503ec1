"""The intake form, the case list and the case page, as an officer uses them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpline.models import AuditEvent, Case, IntakeInterview
from helpline.models.cases import CaseState
from tests.conftest import csrf_from, login

INTAKE = {
    "held_at": "2026-01-10T10:00", "motivation": "HIGH", "suitability": "SUITABLE",
    "participants": "Personskydd\nSocialtjänsten", "information_given": ["CONDITIONS"],
    "definition_met": "yes", "threat_documented": "yes", "is_adult": "yes", "is_witness": "no",
    "notes": "Kanariefågel-anteckning 7731",
}


async def _submit_intake(client, data):
    page = await client.get("/intake/new")
    return await client.post("/intake", data={**data, "csrf_token": csrf_from(page.text)})


async def test_an_intake_opens_a_case_and_its_page_shows_it(client, cases, world):
    await login(client, cases.officer)
    response = await _submit_intake(client, INTAKE)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "AVH-" in page.text
    assert "Bedömning" in page.text  # ASSESSMENT in Swedish
    case = (await world.scalars(select(Case)))[0]
    assert case.state == CaseState.ASSESSMENT and case.responsible_officer_id == cases.officer.id
    interview = (await world.scalars(select(IntakeInterview)))[0]
    assert interview.participants == ["Personskydd", "Socialtjänsten"]
    assert b"Kanarie" not in (interview.notes_enc or b"")


async def test_invalid_intake_keeps_what_was_typed_and_writes_nothing(client, cases, world):
    await login(client, cases.officer)
    response = await _submit_intake(client, {**INTAKE, "motivation": "", "held_at": "igår"})
    assert response.status_code == 422
    assert "Kanariefågel-anteckning 7731" in response.text  # nothing lost
    assert 'id="motivation-error"' in response.text and 'id="held_at-error"' in response.text
    assert await world.scalar(select(func.count()).select_from(Case)) == 0


async def test_a_future_intake_time_is_refused(client, cases, world):
    await login(client, cases.officer)
    response = await _submit_intake(client, {**INTAKE, "held_at": "2999-01-01T10:00"})
    assert response.status_code == 422
    assert await world.scalar(select(func.count()).select_from(Case)) == 0


async def test_the_case_page_read_writes_exactly_one_audit_event(client, cases, world):
    case_id = await cases.open()
    await login(client, cases.officer)
    before = await world.scalar(select(func.count()).select_from(AuditEvent)
                                .where(AuditEvent.action == "case.read"))
    assert (await client.get(f"/cases/{case_id}")).status_code == 200
    after = await world.scalar(select(func.count()).select_from(AuditEvent)
                               .where(AuditEvent.action == "case.read"))
    assert after - before == 1


async def test_a_refused_transition_names_the_rules_and_changes_nothing(client, cases):
    case_id = await cases.open(threat_documented=None)
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    response = await client.post(f"/cases/{case_id}/transition",
                                 data={"to": "ACTIVE", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 409
    assert "Hot är dokumenterat" in response.text
    assert await cases.state(case_id) == CaseState.ASSESSMENT


async def test_a_transition_takes_a_reason_code_never_free_text(client, cases, world):
    """The code is kept in clear (timeline, audit event); the page's form field is a select,
    but a hand-made request could put a name there."""
    from helpline.models import CaseEvent

    case_id = await cases.open()
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    typed = "Anna Andersson 0701234567"
    response = await client.post(f"/cases/{case_id}/transition", data={
        "to": "ACTIVE", "reason_code": typed, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 422
    assert await cases.state(case_id) == CaseState.ASSESSMENT
    events = await world.scalars(select(AuditEvent))
    assert typed not in repr([(e.details, e.purpose) for e in events])
    assert typed not in repr([e.reason_code for e in await world.scalars(select(CaseEvent))])


async def test_notes_are_encrypted_and_append_only(client, cases, world):
    from helpline.models import Note

    case_id = await cases.open()
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    response = await client.post(f"/cases/{case_id}/notes",
                                 data={"body": "Träffade i dag",
                                       "csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    page = await client.get(f"/cases/{case_id}")
    assert "Träffade i dag" in page.text
    note = (await world.scalars(select(Note)))[0]
    assert b"Tr\xc3\xa4ffade" not in note.body_enc
    assert "/notes/" not in " ".join(r.path for r in __import__("helpline.routes").routes.ROUTES
                                     if hasattr(r, "path")).replace("/cases/{case_id}/notes", "")


async def test_the_list_shows_pseudonyms_and_filters_by_state(client, cases):
    first = await cases.open()
    await cases.add_defector(first)
    await cases.open(is_adult=False)
    await login(client, cases.supervisor)
    page = await client.get("/cases")
    assert page.status_code == 200 and page.text.count("AVH-") == 2 and "Ek 1234" in page.text
    referred = await client.get("/cases?state=REFERRED")
    assert referred.text.count("AVH-") == 1


async def test_every_read_of_the_case_list_is_audited(client, cases, world):
    # DOMAIN.md §8.10: the list shows references and pseudonyms across cases.
    await cases.open()
    await cases.open(is_adult=False)
    await login(client, cases.supervisor)
    assert (await client.get("/cases?state=REFERRED")).status_code == 200
    listed = await client.get("/api/v1/cases", headers=await world.bearer(cases.officer.id))
    assert listed.status_code == 200
    events = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "case.list_read").order_by(AuditEvent.seq))
    assert [(e.actor_user_id, e.details["cases_shown"], e.details["state"]) for e in events] == [
        (cases.supervisor.id, 1, "REFERRED"), (cases.officer.id, 2, None)]
    # A filter's value comes from the URL as typed: the event says a filter was used, no more.
    assert (await client.get("/cases?officer=19850101-1234")).status_code == 200
    last = (await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "case.list_read").order_by(AuditEvent.seq)))[-1]
    assert last.details["by_officer"] is True and "19850101" not in str(last.details)


async def test_the_case_page_shows_persons_consent_and_conditions_in_one_audited_read(
    client, cases, world
):
    from helpline.models import Person

    case_id = await cases.open()
    person_id = await cases.make_ready_for_activation(case_id)
    await login(client, cases.officer)
    before = await world.scalar(select(func.count()).select_from(AuditEvent))
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    for heading in ("Personer", "Samtycke", "Villkor", "Ek 1234"):
        assert heading in page.text
    assert f"/cases/{case_id}/persons/{person_id}" in page.text
    assert await world.scalar(select(func.count()).select_from(AuditEvent)) - before == 1
    assert (await world.scalars(select(Person.id))) == [person_id]


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_the_list_shows_each_cases_next_due_reminder(client, cases, clock):
    case_id = await cases.open()
    person = await cases.add_defector(case_id)
    await cases.give_consent(case_id, person, days=10)
    await login(client, cases.officer)
    page = await client.get("/cases")
    from datetime import timedelta

    from helpline import clock as clock_module

    due = (clock_module.today() + timedelta(days=10)).isoformat()
    assert due in page.text and "försenad" not in page.text
    clock.advance(days=11)
    await login(client, cases.officer)
    page = await client.get("/cases")
    assert "försenad" in page.text
