"""Conditions: signed on a date not in the future; breaches of a signed condition, described
in encrypted text; the activation guard sees the signature; the page's read is audited once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.cases import service as cases_service
from helpline.consent import conditions
from helpline.models.cases import Case, CaseEvent, ConditionBreach, ConditionsAgreement
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import audit_count, audit_events, deps_for, office, token


def _day(offset: int = 0) -> str:
    return (clock_module.today() + timedelta(days=offset)).isoformat()


async def test_conditions_and_breaches_through_the_api(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/conditions"
    no_agreement = await client.post(url + "/breaches", headers=auth, json={
        "occurred_on": _day(), "condition": "NO_DRUGS", "consequence": "WARNING",
        "description": "x"})
    assert no_agreement.status_code == 409
    assert no_agreement.json()["rules"] == ["no_conditions_agreement"]
    future = await client.post(url, headers=auth, json={"signed_on": _day(1),
                                                         "conditions": ["NO_CRIME"]})
    assert future.json()["fields"] == {"signed_on": "in_future"}
    empty = await client.post(url, headers=auth, json={"signed_on": _day(), "conditions": []})
    assert empty.json()["fields"] == {"conditions": "required"}
    signed = await client.post(url, headers=auth, json={
        "signed_on": _day(-2), "conditions": ["NO_DRUGS", "NO_CRIME", "DRUG_TESTS"]})
    assert signed.status_code == 201
    breach = {"occurred_on": _day(-1), "condition": "NO_DRUGS", "consequence": "WARNING",
              "description": "Positivt drogtest hos Kanariefågel"}
    assert (await client.post(url + "/breaches", headers=auth, json={
        **breach, "condition": "MEETINGS"})).json()["fields"] == {"condition": "not_in_agreement"}
    assert (await client.post(url + "/breaches", headers=auth, json={
        **breach, "occurred_on": _day(-3)})).json()["fields"] == {"occurred_on": "before_agreement"}
    assert (await client.post(url + "/breaches", headers=auth, json={
        **breach, "occurred_on": _day(1)})).json()["fields"] == {"occurred_on": "in_future"}
    assert (await client.post(url + "/breaches", headers=auth, json={
        **breach, "description": ""})).json()["fields"] == {"description": "required"}
    assert (await client.post(url + "/breaches", headers=auth, json=breach)).status_code == 201
    stored = await world.scalar(select(ConditionBreach))
    assert b"Kanarie" not in stored.description_enc
    got = (await client.get(url, headers=auth)).json()["agreements"]
    assert got[0]["conditions"] == ["NO_CRIME", "NO_DRUGS", "DRUG_TESTS"]  # the list's order
    assert got[0]["breaches"][0]["description"] == breach["description"]
    [event] = await audit_events(world, "conditions.breach_recorded")
    assert event.fields == ["description"] and "Kanarie" not in repr(event.details)
    kinds = await world.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == o.case_id))
    assert "CONDITIONS_SIGNED" in kinds and "CONDITION_BREACH" in kinds


async def test_conditions_against_the_documented_schema_write_nothing(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/conditions"
    bad = await client.post(url, headers=auth, json={"signed_on": _day(),
                                                     "conditions": ["NO_CRIME", 7]})
    assert bad.status_code == 422 and bad.json()["fields"] == {"conditions": "invalid_type"}
    unknown = await client.post(url, headers=auth, json={"signed_on": _day(),
                                                         "conditions": ["NO_SWEARING"]})
    assert unknown.status_code == 422 and unknown.json()["fields"] == {"conditions": "invalid"}
    assert await world.scalars(select(ConditionsAgreement)) == []
    assert (await client.post(url, headers=auth, json={
        "signed_on": _day(-1), "conditions": ["NO_CRIME"]})).status_code == 201
    breach = await client.post(url + "/breaches", headers=auth, json={
        "occurred_on": _day(), "condition": "NO_CRIME", "consequence": "JAIL",
        "description": ["Snattade"]})
    assert breach.status_code == 422 and breach.json()["fields"] == {
        "consequence": "invalid", "description": "invalid_type"}
    assert await world.scalars(select(ConditionBreach)) == []


async def test_the_activation_guard_sees_signed_conditions(client, world):
    o = await office(world)
    await client.post(f"/api/v1/cases/{o.case_id}/conditions",
                      headers=await token(world, o.officer.id),
                      json={"signed_on": _day(), "conditions": ["NO_CRIME"]})
    async with world.sessions() as db:
        deps = await deps_for(world, db, o.officer.id)
        case = await db.get(Case, o.case_id)
        assert (await cases_service.activation_facts(deps, case)).conditions_signed
        views = await conditions.conditions_for_case(deps, case)
    assert views[0].current and views[0].conditions == ["NO_CRIME"]


async def test_the_conditions_page(client, world):
    o = await office(world)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/conditions"
    before = await audit_count(world)
    page = await client.get(url)
    assert page.status_code == 200 and "Inga villkor har undertecknats" in page.text
    assert await audit_count(world) == before + 1
    csrf = csrf_from(page.text)
    refused = await client.post(url, data={"csrf_token": csrf, "signed_on": _day(3),
                                           "conditions": ["NO_CRIME", "MEETINGS"]})
    assert refused.status_code == 422 and 'id="signed_on-error"' in refused.text
    assert 'value="MEETINGS" checked' in refused.text and f'value="{_day(3)}"' in refused.text
    saved = await client.post(url, data={"csrf_token": csrf, "signed_on": _day(),
                                         "conditions": ["NO_CRIME", "MEETINGS"]})
    assert saved.status_code == 303
    bad_breach = await client.post(url + "/breaches", data={
        "csrf_token": csrf, "occurred_on": _day(), "condition": "NO_CRIME",
        "consequence": "WARNING", "description": ""})
    assert bad_breach.status_code == 422 and 'id="description-error"' in bad_breach.text
    breach = await client.post(url + "/breaches", data={
        "csrf_token": csrf, "occurred_on": _day(), "condition": "MEETINGS",
        "consequence": "CONDITIONS_REVIEWED", "description": "Uteblev från mötet"})
    assert breach.status_code == 303
    page = await client.get(url)
    assert "Uteblev från mötet" in page.text and "Delta i möten" in page.text
