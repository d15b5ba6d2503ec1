"""Consent: end date mandatory, recipients that exist, minors through a guardian, versions that
supersede, revocation that the activation guard sees at once, expiry by date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from helpline import clock as clock_module
from helpline.cases import service as cases_service
from helpline.consent import service
from helpline.models.cases import Case, CaseEvent, Consent, ConsentState
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import (
    add_person,
    audit_events,
    deps_for,
    office,
    pnr,
    token,
)


def _body(person_id: str, recipients: list[str], **extra) -> dict:
    today = clock_module.today()
    return {
        "person_id": person_id, "state": "GIVEN", "form": "WRITTEN", "recipients": recipients,
        "categories": ["IDENTITY", "THREAT_ASSESSMENT"],
        "purposes": ["POLICE_REGISTER_CHECKS", "INFO_EXCHANGE_EXIT"],
        "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=180)).isoformat(),
        **extra,
    }


async def _setup(world, **person):
    o = await office(world)
    municipality = await world.organisation(kommunkod="0127")
    pid = await add_person(world, o.officer.id, o.case_id, birth_year="1985", **person)
    return o, municipality, pid, await token(world, o.officer.id)


async def _consent_valid(world, o) -> bool:
    async with world.sessions() as db:
        deps = await deps_for(world, db, o.officer.id)
        facts = await cases_service.activation_facts(deps, await db.get(Case, o.case_id))
        return facts.consent_valid


async def test_the_end_date_is_mandatory_and_not_before_the_start(client, world):
    o, municipality, pid, auth = await _setup(world)
    url = f"/api/v1/cases/{o.case_id}/consents"
    body = _body(pid, [municipality.id])
    no_end = await client.post(url, headers=auth, json={**body, "valid_to": ""})
    assert no_end.status_code == 422 and no_end.json()["fields"] == {"valid_to": "required"}
    today = clock_module.today()
    backwards = await client.post(url, headers=auth, json={
        **body, "valid_from": (today + timedelta(days=10)).isoformat(),
        "valid_to": (today + timedelta(days=9)).isoformat()})
    assert backwards.json()["fields"] == {"valid_to": "before_valid_from"}
    garbage = await client.post(url, headers=auth, json={**body, "valid_to": "snart"})
    assert garbage.json()["fields"] == {"valid_to": "invalid_date"}
    assert await world.scalars(select(Consent)) == []


async def test_recipients_categories_and_purposes_are_named_and_exist(client, world):
    o, municipality, pid, auth = await _setup(world)
    url = f"/api/v1/cases/{o.case_id}/consents"
    body = _body(pid, [municipality.id])
    none = await client.post(url, headers=auth, json={
        **body, "recipients": [], "categories": [], "purposes": ["SELLING"]})
    assert none.json()["fields"] == {"recipients": "required", "categories": "required",
                                     "purposes": "invalid"}
    ghost = "11111111-2222-3333-4444-555555555555"
    unknown = await client.post(url, headers=auth, json={**body, "recipients": [ghost]})
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"recipients": "unknown_organisation"}
    created = await client.post(url, headers=auth, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["recipients"] == [{"id": municipality.id, "name": municipality.name}]


async def test_a_body_against_the_documented_schema_writes_nothing(client, world):
    o, municipality, pid, auth = await _setup(world)
    url = f"/api/v1/cases/{o.case_id}/consents"
    body = _body(pid, [municipality.id])
    bad = await client.post(url, headers=auth, json={
        **body, "state": "WITHDRAWN", "categories": "IDENTITY", "valid_from": 20260101})
    assert bad.status_code == 422
    assert bad.json() == {"error": "invalid_input", "fields": {
        "state": "invalid", "categories": "invalid_type", "valid_from": "invalid_type"}}
    assert await world.scalars(select(Consent)) == []
    created = await client.post(url, headers=auth, json=body)
    assert created.status_code == 201, created.text
    revoke = f"/api/v1/consents/{created.json()['id']}/revoke"
    note = await client.post(revoke, headers=auth, json={"method": "PHONE", "note": {"x": 1}})
    assert note.status_code == 422 and note.json()["fields"] == {"note": "invalid_type"}
    method = await client.post(revoke, headers=auth, json={"method": "EMAIL"})
    assert method.status_code == 422 and method.json()["fields"] == {"method": "invalid"}
    assert await world.scalars(select(Consent.state)) == [ConsentState.GIVEN]
    assert await audit_events(world, "consent.revoked") == []


async def test_a_minor_needs_a_guardian_with_a_guardian_relation(client, world):
    o = await office(world)
    municipality = await world.organisation(kommunkod="0127")
    auth = await token(world, o.officer.id)
    child = await add_person(world, o.officer.id, o.case_id, role="RELATIVE",
                             id_type="PERSONNUMMER", id_number=pnr("20150505"))
    parent = await add_person(world, o.officer.id, o.case_id, role="RELATIVE",
                              relation_to=child, relation_kind="PARENT")
    guardian = await add_person(world, o.officer.id, o.case_id, role="RELATIVE",
                                relation_to=child, relation_kind="GUARDIAN")
    url = f"/api/v1/cases/{o.case_id}/consents"
    body = _body(child, [municipality.id])
    alone = await client.post(url, headers=auth, json=body)
    assert alone.json()["fields"] == {"guardian_person_id": "guardian_required"}
    not_guardian = await client.post(url, headers=auth, json={**body, "guardian_person_id": parent})
    assert not_guardian.json()["fields"] == {"guardian_person_id": "not_a_guardian"}
    itself = await client.post(url, headers=auth, json={**body, "guardian_person_id": child})
    assert itself.json()["fields"] == {"guardian_person_id": "unknown_person"}
    ok = await client.post(url, headers=auth, json={**body, "guardian_person_id": guardian})
    assert ok.status_code == 201, ok.text
    # A refusal authorises nothing: recorded without a guardian.
    refused = await client.post(url, headers=auth, json={**body, "state": "REFUSED"})
    assert refused.status_code == 201


async def test_a_guardian_on_another_case_does_not_count(client, world):
    o = await office(world)
    other = await office(world)
    municipality = await world.organisation(kommunkod="0127")
    child = await add_person(world, o.officer.id, o.case_id, birth_year="2016")
    stranger = await add_person(world, other.officer.id, other.case_id)
    response = await client.post(
        f"/api/v1/cases/{o.case_id}/consents", headers=await token(world, o.officer.id),
        json=_body(child, [municipality.id], guardian_person_id=stranger))
    assert response.json()["fields"] == {"guardian_person_id": "unknown_person"}


async def test_unknown_age_is_not_taken_for_adult(client, world):
    o = await office(world)
    municipality = await world.organisation(kommunkod="0127")
    pid = await add_person(world, o.officer.id, o.case_id)
    response = await client.post(f"/api/v1/cases/{o.case_id}/consents",
                                 headers=await token(world, o.officer.id),
                                 json=_body(pid, [municipality.id]))
    assert response.status_code == 422 and response.json()["fields"] == {"person_id": "age_unknown"}


async def test_a_new_version_supersedes_the_consent_in_force(client, world):
    o, municipality, pid, auth = await _setup(world)
    url = f"/api/v1/cases/{o.case_id}/consents"
    first = (await client.post(url, headers=auth, json=_body(pid, [municipality.id]))).json()
    second = (await client.post(url, headers=auth, json=_body(pid, [municipality.id, o.org.id])))
    assert second.status_code == 201 and second.json()["version"] == 2
    listed = {c["id"]: c for c in (await client.get(url, headers=auth)).json()["consents"]}
    assert listed[first["id"]]["state"] == "SUPERSEDED"
    assert listed[second.json()["id"]]["state"] == "GIVEN"
    third = (await client.post(url, headers=auth,
                               json={**_body(pid, [municipality.id]), "state": "REFUSED"})).json()
    states = await world.scalars(select(Consent.state).order_by(Consent.version))
    assert states == [ConsentState.SUPERSEDED, ConsentState.SUPERSEDED, ConsentState.REFUSED]
    assert third["version"] == 3 and not await _consent_valid(world, o)
    [event] = (await audit_events(world, "consent.recorded"))[1:2]
    assert event.details["superseded"] == [first["id"]]


async def test_revocation_takes_effect_at_once(client, world):
    o, municipality, pid, auth = await _setup(world)
    created = await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth,
                                json=_body(pid, [municipality.id]))
    assert await _consent_valid(world, o)
    revoke = f"/api/v1/consents/{created.json()['id']}/revoke"
    missing = await client.post(revoke, headers=auth, json={})
    assert missing.status_code == 422 and missing.json()["fields"] == {"method": "required"}
    response = await client.post(revoke, headers=auth, json={"method": "PHONE", "note": "Ringde"})
    assert response.status_code == 200 and response.json()["state"] == "REVOKED"
    assert not await _consent_valid(world, o)
    consent = await world.scalar(select(Consent))
    assert consent.revoked_at == clock_module.now() and consent.revoked_by_id == o.officer.id
    assert consent.revocation_method == "PHONE"
    again = await client.post(revoke, headers=auth, json={"method": "PHONE"})
    assert again.status_code == 409 and again.json()["rules"] == ["consent_not_revocable"]
    [event] = await audit_events(world, "consent.revoked")
    assert event.details["method"] == "PHONE" and "Ringde" not in repr(event.details)
    [timeline] = await world.scalars(select(CaseEvent).where(CaseEvent.kind == "CONSENT_REVOKED"))
    assert timeline.reason_code == "PHONE" and b"Ringde" not in (timeline.reason_enc or b"")


@pytest.mark.usefixtures("swedish_midday")  # Swedish dates, 24 hours at a time
async def test_a_consent_expires_by_date(client, world, clock):
    o, municipality, pid, auth = await _setup(world)
    today = clock_module.today()
    await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth, json={
        **_body(pid, [municipality.id]), "valid_to": (today + timedelta(days=5)).isoformat()})
    assert await _consent_valid(world, o)
    clock.advance(days=5)
    assert await _consent_valid(world, o)  # the last day is included
    clock.advance(days=1)
    assert not await _consent_valid(world, o)
    async with world.sessions() as db:
        deps = await deps_for(world, db, o.officer.id)
        [view] = await service.consent_summary(deps, await db.get(Case, o.case_id))
    assert view.state == "GIVEN" and view.effective_state == "EXPIRED" and not view.in_force
    listed = (await client.get(f"/api/v1/cases/{o.case_id}/consents",
                               headers=await token(world, o.officer.id))).json()
    assert listed["consents"][0]["effective_state"] == "EXPIRED"


async def test_the_consent_page_keeps_values_and_records(client, world):
    o, municipality, pid, _ = await _setup(world)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/consents/new"
    page = await client.get(url + f"?person={pid}")
    assert page.status_code == 200 and 'lang="sv"' in page.text and municipality.name in page.text
    assert f'<option value="{pid}" selected>' in page.text
    data = {**_body(pid, [municipality.id]), "csrf_token": csrf_from(page.text)}
    refused = await client.post(url, data={**data, "valid_to": ""})
    assert refused.status_code == 422 and 'id="valid_to-error"' in refused.text
    assert 'aria-describedby="valid_to-hint valid_to-error"' in refused.text
    assert f'value="{municipality.id}" checked' in refused.text
    assert 'value="THREAT_ASSESSMENT" checked' in refused.text
    saved = await client.post(url, data=data)
    assert saved.status_code == 303 and saved.headers["location"] == f"/cases/{o.case_id}"
    consent = await world.scalar(select(Consent))
    assert consent.categories == ["IDENTITY", "THREAT_ASSESSMENT"]


async def test_the_revoke_page(client, world):
    o, municipality, pid, auth = await _setup(world)
    created = (await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth,
                                 json=_body(pid, [municipality.id]))).json()
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/consents/{created['id']}/revoke"
    page = await client.get(url)
    assert page.status_code == 200 and "Återkalla samtycke" in page.text
    csrf = csrf_from(page.text)
    refused = await client.post(url, data={"csrf_token": csrf, "note": "muntligt"})
    assert refused.status_code == 422 and ">muntligt</textarea>" in refused.text
    done = await client.post(url, data={"csrf_token": csrf, "method": "ORAL"})
    assert done.status_code == 303
    again = await client.post(url, data={"csrf_token": csrf, "method": "ORAL"})
    assert again.status_code == 409 and "Bara ett samtycke som gäller" in again.text


async def test_the_printable_form_is_swedish_names_no_one_and_is_audited(client, world):
    o, municipality, pid, auth = await _setup(world, given_name="Utskriftsnamn",
                                              id_type="PERSONNUMMER", id_number=pnr("19850612"))
    await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth,
                      json=_body(pid, [municipality.id]))
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/persons/{pid}/consent/print")
    assert page.status_code == 200
    for text in (municipality.name, "Hotbildsbedömning", "Kontroller i polisens register",
                 "Samtycke till informationsutbyte"):
        assert text in page.text
    assert "Utskriftsnamn" not in page.text and "19850612" not in page.text
    assert len(await audit_events(world, "consent.printed")) == 1
    other = await add_person(world, o.officer.id, o.case_id)
    response = await client.get(f"/cases/{o.case_id}/persons/{other}/consent/print")
    assert response.status_code == 404


async def test_a_closed_case_still_takes_a_revocation(client, world):
    o, municipality, pid, auth = await _setup(world)
    created = (await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth,
                                 json=_body(pid, [municipality.id]))).json()
    async with world.sessions() as db, db.begin():
        from helpline.models.cases import CaseState

        (await db.get(Case, o.case_id)).state = CaseState.CLOSED
    new = await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth,
                            json=_body(pid, [municipality.id]))
    assert new.status_code == 409
    revoked = await client.post(f"/api/v1/consents/{created['id']}/revoke", headers=auth,
                                json={"method": "WRITTEN"})
    assert revoked.status_code == 200
