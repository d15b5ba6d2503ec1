"""The threat pages as officers and supervisors use them (forms, refusals, audited reads)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpline.models import AuditEvent, CaseEvent
from helpline.models.cases import AssessmentState
from helpline.models.users import Role
from helpline.threats.catalogue import catalogue
from tests.conftest import csrf_from, login
from tests.helpline.threats.conftest import CANARY, document


def form_for(*, rate: str = "J", level: str = "HIGH", unrated: tuple[str, ...] = (),
             **extra: str) -> dict:
    data = {f"factors-{code}-rating": "" if code in unrated else rate for code in catalogue().codes}
    data.update({f"factors-{code}-timing": "CURRENT" for code in catalogue().codes})
    data.update({"factors-A2-comment": CANARY, "overall_level": level,
                 "actors-0-kind": "GROUP", "actors-0-label": "Grupp Syd", "sources": "Samtal"})
    data.update(extra)
    return data


async def _post(client, page_url: str, url: str, data: dict):
    page = await client.get(page_url)
    return await client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


async def _audits(world, action: str) -> int:
    return await world.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == action))


async def test_the_case_page_shows_the_section_and_starts_an_assessment(client, cases, threats):
    case_id = await cases.open()
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200 and "Det finns ingen godkänd hotbildsbedömning" in page.text
    response = await _post(client, f"/cases/{case_id}", f"/cases/{case_id}/threats",
                           {"trigger": "INITIAL"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{case_id}/threats/1/edit"
    form = await client.get(response.headers["location"])
    assert form.status_code == 200 and "Våldskapacitet" in form.text  # catalogue, in Swedish


async def test_a_refused_start_answers_409_on_the_case_page(client, cases, threats):
    case_id = await cases.open()
    await threats.start(case_id)
    await login(client, cases.officer)
    response = await _post(client, f"/cases/{case_id}", f"/cases/{case_id}/threats",
                           {"trigger": "INITIAL"})
    assert response.status_code == 409
    assert "Det finns redan en pågående version" in response.text


async def test_submitting_unrated_factors_keeps_the_form_and_writes_nothing(client, cases, threats,
                                                                             world):
    case_id = await cases.open()
    await threats.start(case_id)
    await login(client, cases.officer)
    before = await world.scalar(select(func.count()).select_from(CaseEvent))
    edit = f"/cases/{case_id}/threats/1/edit"
    response = await _post(client, edit, edit, {**form_for(unrated=("B4",)), "action": "submit"})
    assert response.status_code == 409
    assert "Alla riskfaktorer ska vara bedömda" in response.text
    assert 'id="factors-B4-rating-error"' in response.text and CANARY in response.text
    assert await world.scalar(select(func.count()).select_from(CaseEvent)) == before
    assert (await threats.get(case_id, 1)).state is AssessmentState.DRAFT
    assert (await threats.get(case_id, 1)).content_enc is not None  # the earlier empty draft


async def test_invalid_values_are_marked_at_their_fields(client, cases, threats):
    case_id = await cases.open()
    await threats.start(case_id)
    await login(client, cases.officer)
    edit = f"/cases/{case_id}/threats/1/edit"
    response = await _post(client, edit, edit, {**form_for(), "overall_level": "EXTREME",
                                                "action": "save"})
    assert response.status_code == 422 and 'id="overall_level-error"' in response.text


async def test_officer_submits_supervisor_returns_then_approves(client, cases, threats, world):
    case_id = await cases.open()
    await threats.start(case_id)
    await login(client, cases.officer)
    edit = f"/cases/{case_id}/threats/1/edit"
    response = await _post(client, edit, edit, {**form_for(), "action": "submit"})
    assert response.status_code == 303
    assert (await threats.get(case_id, 1)).state is AssessmentState.SUBMITTED

    await client.post("/logout", data={"csrf_token": csrf_from((await client.get("/start")).text)})
    await login(client, cases.supervisor)
    show = f"/cases/{case_id}/threats/1"
    response = await _post(client, show, show + "/return", {"comment": " "})
    assert response.status_code == 409 and "En återsändning kräver en kommentar" in response.text
    response = await _post(client, show, show + "/return", {"comment": "Ange källor för A2"})
    assert response.status_code == 303
    assert (await threats.get(case_id, 1)).state is AssessmentState.RETURNED
    response = await _post(client, show, show + "/approve", {})
    assert response.status_code == 409  # returned: nothing to approve

    await threats.save(case_id, 1)
    await threats.submit(case_id, 1)
    response = await _post(client, show, show + "/approve", {})
    assert response.status_code == 303
    page = await client.get(show)
    assert "Godkänd" in page.text
    assert (await threats.get(case_id, 1)).state is AssessmentState.APPROVED


async def test_a_supervisor_author_sees_no_approve_button_and_is_refused(client, cases, threats):
    case_id = await cases.open()
    number = await threats.start(case_id, by=cases.supervisor)
    await threats.save(case_id, number, by=cases.supervisor)
    await threats.submit(case_id, number, by=cases.supervisor)
    await login(client, cases.supervisor)
    show = f"/cases/{case_id}/threats/{number}"
    page = await client.get(show)
    assert "Godkänn bedömningen" not in page.text and "en annan chef" in page.text
    response = await _post(client, show, show + "/approve", {})
    assert response.status_code == 409 and "fyra ögon" in response.text
    assert (await threats.get(case_id, number)).state is AssessmentState.SUBMITTED


async def test_approval_needs_a_recent_sign_in(client, cases, threats, clock):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await login(client, cases.supervisor)
    show = f"/cases/{case_id}/threats/{number}"
    page = await client.get(show)
    clock.advance(minutes=6)
    await client.get(show)  # keeps the session alive, but the sign-in is old now
    response = await client.post(show + "/approve", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"].endswith("/reauth")
    assert (await threats.get(case_id, number)).state is AssessmentState.SUBMITTED


async def test_an_approved_version_has_no_edit_form(client, cases, threats, world):
    case_id = await cases.open()
    number = await threats.approved(case_id)
    await login(client, cases.officer)
    edit = f"/cases/{case_id}/threats/{number}/edit"
    before = await _audits(world, "threat_assessment.read")
    assert (await client.get(edit)).status_code == 303
    # The redirect shows nothing, so nothing was read.
    assert await _audits(world, "threat_assessment.read") == before
    page = await client.get(f"/cases/{case_id}/threats/{number}")
    before = await _audits(world, "threat_assessment.read")
    response = await client.post(edit, data={**form_for(level="LOW"), "action": "save",
                                             "csrf_token": csrf_from(page.text)})
    assert response.status_code == 409 and CANARY in response.text
    # One page shown with the version's content: one read event (it was two).
    assert await _audits(world, "threat_assessment.read") - before == 1
    assert (await threats.get(case_id, number)).overall_level.value == "HIGH"


async def test_reading_a_version_decrypts_with_exactly_one_audit_event(client, cases, threats,
                                                                       world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await login(client, cases.officer)
    before = await _audits(world, "threat_assessment.read")
    page = await client.get(f"/cases/{case_id}/threats/{number}")
    assert page.status_code == 200 and CANARY in page.text and "Grupp Norr" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await _audits(world, "threat_assessment.read") - before == 1


async def test_other_organisations_and_strangers_get_404(client, cases, threats, world):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    outsider = await world.user(await world.organisation(), Role.SUPERVISOR)
    await login(client, outsider)
    for url in (f"/cases/{case_id}/threats/{number}", f"/cases/{case_id}/threats/{number}/edit",
                f"/cases/{case_id}/threats/compare?a=1&b=1", f"/cases/{case_id}/threats/99"):
        assert (await client.get(url)).status_code == 404, url


async def test_an_officer_outside_the_team_cannot_see_the_assessment(client, cases, threats):
    case_id = await cases.open()
    number = await threats.submitted(case_id)
    await login(client, cases.colleague)  # same organisation, not on the case
    assert (await client.get(f"/cases/{case_id}/threats/{number}")).status_code == 404


async def test_compare_marks_what_changed_with_one_audit_event(client, cases, threats, world):
    case_id = await cases.open()
    await threats.approved(case_id, level="HIGH")
    second = await threats.start(case_id, trigger="INCIDENT_OR_EXPOSURE")
    factors = document()["factors"]
    factors["A3"] = {"rating": "N", "timing": "HISTORICAL", "comment": "Vapen beslagtagna"}
    await threats.save(case_id, second, factors=factors)
    await login(client, cases.supervisor)
    before = await _audits(world, "threat_assessment.compared")
    page = await client.get(f"/cases/{case_id}/threats/compare?a=1&b={second}")
    assert page.status_code == 200
    row = page.text.split('id="factor-A3"')[1].split("</tr>")[0]
    assert "Ändrad" in row and "Vapen beslagtagna" in row and "Historisk" in row
    unchanged = page.text.split('id="factor-A1"')[1].split("</tr>")[0]
    assert "Ändrad" not in unchanged
    assert await _audits(world, "threat_assessment.compared") - before == 1
    assert (await client.get(f"/cases/{case_id}/threats/compare?a=1&b=x")).status_code == 404


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_the_case_page_shows_overdue_prominently(client, cases, threats, clock):
    case_id = await cases.open()
    await threats.approved(case_id, level="HIGH")
    clock.advance(days=31)
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    assert 'role="alert" id="threat-status"' in page.text and "FÖRSENAD" in page.text


async def test_a_version_number_in_other_digits_is_not_found_not_a_500(client, cases):
    case_id = await cases.open()
    await login(client, cases.officer)
    for query in ("a=%C2%B2&b=1", "a=1&b=%D9%A3"):  # "²" and Arabic-Indic three
        response = await client.get(f"/cases/{case_id}/threats/compare?{query}")
        assert response.status_code == 404, query
