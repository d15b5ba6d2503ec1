"""Measures on a person: the page and the API record level, state, dates and a diary number;
refused input writes nothing; nothing can hold a fictitious identity."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.models.protection import ProtectedDataMeasure
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import audit_count, token

from .helpers import CANARY_FAMILY, CANARY_GIVEN, events, office, set_measure


def _url(o) -> str:
    return f"/cases/{o.case_id}/persons/{o.person_id}/protection"


async def test_a_measure_is_recorded_on_the_person_page_and_shown_on_the_case_page(client, world):
    o = await office(world)
    await login(client, o.officer)
    page = await client.get(_url(o))
    assert page.status_code == 200
    today = clock_module.today()
    response = await client.post(_url(o), data={
        "csrf_token": csrf_from(page.text), "level": "PROTECTED_REGISTRATION",
        "state": "APPLIED", "applied_on": today.isoformat(),
        "decision_reference": "Dnr 2026/77",
    })
    assert response.status_code == 303, response.text
    page = await client.get(_url(o))
    assert "Dnr 2026/77" in page.text  # decrypted for the single person's page
    stored = await world.scalar(select(ProtectedDataMeasure.decision_reference_enc))
    assert b"2026/77" not in stored

    case_page = await client.get(f"/cases/{o.case_id}")
    assert 'data-level="PROTECTED_REGISTRATION"' in case_page.text
    section = case_page.text.split('id="protection-heading"')[1].split("</section>")[0]
    assert CANARY_GIVEN not in section and "Dnr 2026/77" not in section
    [event] = await events(world, "protection.measure_created")
    assert event.details["case_level"] == "PROTECTED_REGISTRATION"
    assert event.details["case_level_before"] == "NONE"


async def test_refused_input_writes_nothing_and_names_the_field(client, world):
    o = await office(world)
    await login(client, o.officer)
    page = await client.get(_url(o))
    before = await audit_count(world)
    tomorrow = clock_module.today() + timedelta(days=1)
    response = await client.post(_url(o), data={
        "csrf_token": csrf_from(page.text), "level": "FICTITIOUS_IDENTITY", "state": "GRANTED",
        "applied_on": tomorrow.isoformat(), "decision_reference": "",
    })
    assert response.status_code == 422
    assert 'id="applied_on-error"' in response.text and 'id="decided_on-error"' in response.text
    assert await world.scalars(select(ProtectedDataMeasure)) == []
    # Only the re-rendered page's audited read is kept.
    assert await audit_count(world) == before + 1


async def test_a_decision_reference_cannot_carry_a_name(client, world):
    o = await office(world)
    await login(client, o.officer)
    page = await client.get(_url(o))
    response = await client.post(_url(o), data={
        "csrf_token": csrf_from(page.text), "level": "FICTITIOUS_IDENTITY", "state": "PLANNED",
        "decision_reference": "Ny identitet Johanna Andersson 1990",
    })
    assert response.status_code == 422 and 'id="decision_reference-error"' in response.text
    assert await world.scalars(select(ProtectedDataMeasure)) == []


async def test_the_form_for_a_fictitious_identity_has_no_field_for_the_new_identity(client, world):
    o = await office(world)
    await login(client, o.officer)
    page = await client.get(_url(o))
    form = page.text.split('id="measure-heading"')[1]
    fields = set(__import__("re").findall(r'name="([a-z_]+)"', form))
    assert fields == {"csrf_token", "level", "state", "applied_on", "decided_on", "review_on",
                      "decision_reference"}


async def test_the_api_refuses_any_field_beyond_the_measure(client, world):
    o = await office(world)
    headers = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/persons/{o.person_id}/protection"
    response = await client.post(url, headers=headers, json={
        "level": "FICTITIOUS_IDENTITY", "state": "GRANTED", "applied_on": "2020-01-01",
        "decided_on": "2020-02-01", "new_given_name": "Johanna",
    })
    assert response.status_code == 422
    assert response.json()["fields"] == {"new_given_name": "not_allowed"}
    assert await world.scalars(select(ProtectedDataMeasure)) == []

    response = await client.post(url, headers=headers, json={
        "level": "FICTITIOUS_IDENTITY", "state": "GRANTED", "applied_on": "2020-01-01",
        "decided_on": "2020-02-01", "decision_reference": "A-2020/12",
    })
    assert response.status_code == 200, response.text
    assert response.json()["case_level"] == "FICTITIOUS_IDENTITY"

    listing = await client.get(f"/api/v1/cases/{o.case_id}/protection", headers=headers)
    body = listing.json()
    assert body["case_level"] == "FICTITIOUS_IDENTITY"
    assert body["persons"][0]["measures"][0]["state"] == "GRANTED"
    assert CANARY_FAMILY not in listing.text and "A-2020/12" not in listing.text


async def test_the_api_holds_a_measure_to_its_documented_schema(client, world):
    o = await office(world)
    headers = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/persons/{o.person_id}/protection"
    before = await audit_count(world)
    bad = await client.post(url, headers=headers, json={
        "level": "PROTECTED_REGISTRATION", "state": "SUSPENDED", "applied_on": 20200101,
        "decision_reference": {"dnr": "2026/1"}})
    assert bad.status_code == 422
    assert bad.json() == {"error": "invalid_input", "fields": {
        "state": "invalid", "applied_on": "invalid_type", "decision_reference": "invalid_type"}}
    # A granted measure needs both dates: absent or empty, the parser's code.
    absent = await client.post(url, headers=headers, json={
        "level": "PROTECTED_REGISTRATION", "state": "GRANTED"})
    assert absent.json()["fields"] == {"applied_on": "applied_on_required",
                                       "decided_on": "decided_on_required"}
    empty = await client.post(url, headers=headers, json={
        "level": "PROTECTED_REGISTRATION", "state": "GRANTED", "applied_on": "",
        "decided_on": None})
    assert empty.json()["fields"] == {"applied_on": "applied_on_required",
                                      "decided_on": "decided_on_required"}
    assert await world.scalars(select(ProtectedDataMeasure)) == []
    assert await audit_count(world) == before


async def test_other_organisations_cannot_see_or_set_measures(client, world):
    o = await office(world)
    await set_measure(world, o.officer.id, o.case_id, o.person_id)
    stranger_org = await world.organisation()
    from helpline.models.users import Role

    stranger = await world.user(stranger_org, Role.SUPERVISOR)
    headers = await token(world, stranger.id)
    assert (await client.get(f"/api/v1/cases/{o.case_id}/protection",
                             headers=headers)).status_code == 404
    response = await client.post(
        f"/api/v1/cases/{o.case_id}/persons/{o.person_id}/protection", headers=headers,
        json={"level": "PROTECTED_REGISTRATION", "state": "ENDED"},
    )
    assert response.status_code == 404
    await login(client, stranger)
    assert (await client.get(_url(o))).status_code == 404
