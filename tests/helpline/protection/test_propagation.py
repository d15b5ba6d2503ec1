"""Propagation: a sensitive case shows pseudonyms only wherever many cases are shown.

The walk is generic: every GET route in the one route table whose path has no path parameter
(lists, dashboards, search and start pages, page and JSON), plus the identity-number searches,
is requested by each case-working role, with a case whose defector has an APPLIED
PROTECTED_REGISTRATION measure (fail safe: an application already counts). New list routes are
covered as soon as they are added to ``helpline.routes.ROUTES``.
"""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select
from starlette.routing import Mount

from helpline import clock as clock_module
from helpline.models.cases import Case, CaseState, IdType, Person, PersonRole
from helpline.models.protection import MeasureLevel, MeasureState
from helpline.models.users import Role
from helpline.persons import service as persons_service
from helpline.routes import ROUTES
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import add_person, deps_for, open_case, pnr, token
from tests.helpline.persons.helpers import office as persons_office

from .helpers import CANARY_FAMILY, CANARY_GIVEN, add_entry, office, set_measure

RELATIVE_GIVEN, RELATIVE_FAMILY = "Vippentorpa", "Qwmarkstrand"
CANARIES = (CANARY_GIVEN, CANARY_FAMILY, RELATIVE_GIVEN, RELATIVE_FAMILY, "Hemligagatan",
            "Gömstad", "Obskyrby")
NUMBER = pnr("19850412")
PLAIN_NUMBER = pnr("19720305", "456")
SEARCHES = ("/persons/search", "/api/v1/persons/search")


def list_routes() -> list[tuple[str, bool]]:
    """(path, is_api) of every GET route without a path parameter."""
    found = []
    for route in ROUTES:
        if isinstance(route, Mount) or "{" in route.path:
            continue
        if "GET" in (getattr(route, "methods", None) or ()):
            found.append((route.path, bool(getattr(route, "is_api", False))))
    return sorted(set(found))


def test_the_walk_covers_the_known_lists():
    paths = {path for path, _ in list_routes()}
    assert {"/cases", "/api/v1/cases", "/persons/search", "/start"} <= paths
    assert "/persons/search" in paths  # its GET form; the POSTs are walked explicitly


async def _seed(world, role: Role):
    if role in (Role.POLICE_CASE_OFFICER, Role.SUPERVISOR):
        org = await world.organisation()
        user = await world.user(org, role)
        case_id = await open_case(world, user.id)
    else:
        org = await world.organisation(kommunkod="0127")
        user = await world.user(org, role)
        async with world.sessions() as db, db.begin():
            case = Case(organisation_id=org.id, reference=f"M{user.id[:8]}".upper(),
                        state=CaseState.ACTIVE, responsible_officer_id=user.id,
                        created_at=clock_module.now(), last_entry_at=clock_module.now())
            db.add(case)
            await db.flush()
            case_id = case.id
    defector = await add_person(world, user.id, case_id, given_name=CANARY_GIVEN,
                                family_name=CANARY_FAMILY, id_type="PERSONNUMMER",
                                id_number=NUMBER)
    await add_person(world, user.id, case_id, role="RELATIVE", given_name=RELATIVE_GIVEN,
                     family_name=RELATIVE_FAMILY, relation_to=defector, relation_kind="PARTNER",
                     lives_with=True)
    await set_measure(world, user.id, case_id, defector)  # APPLIED PROTECTED_REGISTRATION
    await add_entry(world, user.id, case_id, person_id=defector)
    return user, case_id


def _assert_clean(where: str, text: str) -> None:
    leaked = [canary for canary in CANARIES if canary.casefold() in text.casefold()]
    assert leaked == [], f"{where} shows {leaked} of a protected case"


@pytest.mark.parametrize("role", sorted(
    [Role.POLICE_CASE_OFFICER, Role.SUPERVISOR, Role.MUNICIPAL_CASE_WORKER,
     Role.MUNICIPAL_COORDINATOR], key=lambda r: r.value,
))
async def test_no_list_search_or_dashboard_shows_a_protected_name(client, world, role):
    user, case_id = await _seed(world, role)
    await login(client, user)
    headers = await token(world, user.id)
    served = []
    for path, is_api in list_routes():
        response = await client.get(path, headers=headers if is_api else None)
        _assert_clean(f"GET {path}", response.text)
        served.append((path, response.status_code))

    page = await client.get("/persons/search")
    response = await client.post("/persons/search", data={
        "csrf_token": csrf_from(page.text), "kind": "SWEDISH", "number": NUMBER,
        "purpose": "Kontroll inför möte",
    })
    _assert_clean("POST /persons/search", response.text)
    api = await client.post("/api/v1/persons/search", headers=headers,
                            json={"kind": "SWEDISH", "number": NUMBER, "purpose": "Kontroll"})
    _assert_clean("POST /api/v1/persons/search", api.text)

    # Not vacuous: the case is in the lists and the search finds it, by pseudonym.
    assert response.status_code == 200 and api.status_code == 200
    assert [hit["case_id"] for hit in api.json()["hits"]] == [case_id]
    listing = await client.get("/api/v1/cases", headers=headers)
    assert case_id in listing.text
    assert dict(served)["/cases"] == 200


async def test_the_case_page_shows_the_level_and_never_the_vault_contents(client, world):
    user, case_id = await _seed(world, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    page = await client.get(f"/cases/{case_id}")
    assert 'data-level="PROTECTED_REGISTRATION"' in page.text
    for canary in ("Hemligagatan", "Gömstad", "Obskyrby"):
        assert canary not in page.text


@pytest.mark.parametrize("level", [MeasureLevel.CONFIDENTIALITY_MARKING,
                                   MeasureLevel.PROTECTED_REGISTRATION])
@pytest.mark.parametrize("state", [MeasureState.APPLIED, MeasureState.GRANTED])
async def test_the_case_page_names_no_person_with_any_protection_level(
    client, world, level, state
):
    """A confidentiality marking does not say which fact is sensitive (DOMAIN.md §4): the name
    stays on the person's own, audited page, as for protected registration."""
    o = await office(world)
    await set_measure(world, o.officer.id, o.case_id, o.person_id, level, state)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}")
    assert page.status_code == 200
    assert CANARY_GIVEN not in page.text and CANARY_FAMILY not in page.text
    person = await client.get(f"/cases/{o.case_id}/persons/{o.person_id}")
    assert CANARY_GIVEN in person.text  # where the read is audited


async def _protected_and_plain(world):
    """A case with the defector under an APPLIED protection (personnummer, so a date of
    birth) and an unprotected relative with a personnummer too."""
    user, case_id = await _seed(world, Role.POLICE_CASE_OFFICER)
    plain = await add_person(world, user.id, case_id, role="RELATIVE",
                             id_type="PERSONNUMMER", id_number=PLAIN_NUMBER)
    return user, case_id, plain


async def test_the_case_page_shows_no_date_of_birth_of_a_protected_person(client, world):
    """The masked number (YYYYMMDD-****) is a date of birth: for a protected person it stays
    on the person's own, audited page, like the name."""
    user, case_id, _ = await _protected_and_plain(world)
    await login(client, user)
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert NUMBER[:8] not in page.text and NUMBER[2:8] not in page.text
    section = page.text.split('aria-labelledby="persons-heading"', 1)[1].split("</section>")[0]
    shown = re.sub(r"<[^>]*>", " ", section)  # the text, not the links' ids
    assert NUMBER[:4] not in shown  # nor the birth year
    assert f"{PLAIN_NUMBER[:8]}-****" in shown  # an unprotected person's stays
    defector = await world.scalar(select(Person.id).where(Person.id_type == IdType.PERSONNUMMER,
                                                          Person.role == PersonRole.DEFECTOR))
    person = await client.get(f"/cases/{case_id}/persons/{defector}")
    assert f"{NUMBER[:8]}-****" in person.text  # where the read is audited
    async with world.sessions() as db:  # nor does the section's data carry it
        deps = await deps_for(world, db, user.id)
        views = await persons_service.persons_for_case(deps, await db.get(Case, case_id))
    [protected] = [view for view in views if view.id == defector]
    assert protected.name_protected and protected.id_number_masked is None
    assert protected.birth_year is None


async def test_the_api_list_gives_no_birth_year_or_id_type_of_a_protected_person(client, world):
    user, case_id, plain = await _protected_and_plain(world)
    headers = await token(world, user.id)
    response = await client.get(f"/api/v1/cases/{case_id}/persons", headers=headers)
    assert response.status_code == 200
    persons = {p["id"]: p for p in response.json()["persons"]}
    [defector] = [p for p in persons.values() if p["role"] == "DEFECTOR"]
    assert defector["birth_year"] is None and defector["id_type"] is None
    assert persons[plain]["birth_year"] == int(PLAIN_NUMBER[:4])
    assert persons[plain]["id_type"] == "PERSONNUMMER"
    # The document says so, and the answer matches it.
    document = (await client.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/cases/{case_id}/persons"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    Draft202012Validator(schema).validate(response.json())
    summary = schema["properties"]["persons"]["items"]["properties"]
    assert "protection" in summary["birth_year"]["description"]
    assert "protection" in summary["id_type"]["description"]


HOUSEHOLD_NUMBER = pnr("19900517", "234")
HOUSEHOLD_NOTES = "Arbetar på Kvistgårdens bageri"
DIRECTIONS = ("relative_lives_with_defector", "defector_lives_with_relative")


async def _household(world, direction: str, *, lives_with: bool = True,
                     state: MeasureState = MeasureState.APPLIED):
    """A case whose defector has a PROTECTED_REGISTRATION measure in ``state`` and a relative
    (born 1990, personnummer, notes) related to the defector, the relation recorded from the
    relative's side or from the defector's (``direction``)."""
    o = await persons_office(world)
    relative_fields = dict(role="RELATIVE", given_name=RELATIVE_GIVEN,
                           family_name=RELATIVE_FAMILY, id_type="PERSONNUMMER",
                           id_number=HOUSEHOLD_NUMBER, birth_year="1990", notes=HOUSEHOLD_NOTES)
    defector_fields = dict(given_name=CANARY_GIVEN, family_name=CANARY_FAMILY)
    if direction == "relative_lives_with_defector":
        defector = await add_person(world, o.officer.id, o.case_id, **defector_fields)
        relative = await add_person(world, o.officer.id, o.case_id, **relative_fields,
                                    relation_to=defector, relation_kind="PARTNER",
                                    lives_with=lives_with)
    else:
        relative = await add_person(world, o.officer.id, o.case_id, **relative_fields)
        defector = await add_person(world, o.officer.id, o.case_id, **defector_fields,
                                    relation_to=relative, relation_kind="PARTNER",
                                    lives_with=lives_with)
    await set_measure(world, o.officer.id, o.case_id, defector,
                      MeasureLevel.PROTECTED_REGISTRATION, state)
    return o.officer, o.case_id, relative


def _persons_section(text: str) -> str:
    section = text.split('aria-labelledby="persons-heading"', 1)[1].split("</section>")[0]
    return re.sub(r"<[^>]*>", " ", section)  # the text, not the links' ids


@pytest.mark.parametrize("state", [MeasureState.APPLIED, MeasureState.GRANTED])
@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_the_case_page_hides_a_household_member_of_a_protected_person(
    client, world, direction, state
):
    """Protection can cover family members living with the person (DOMAIN.md §4): a relative
    who lives with a protected defector is shown as the defector is, whichever way round the
    relation was recorded; the relative's own (audited) page still shows the details."""
    user, case_id, relative = await _household(world, direction, state=state)
    await login(client, user)
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    for canary in (RELATIVE_GIVEN, RELATIVE_FAMILY, HOUSEHOLD_NUMBER[:8], HOUSEHOLD_NUMBER[2:8],
                   HOUSEHOLD_NOTES):
        assert canary not in page.text
    assert "1990" not in _persons_section(page.text)
    async with world.sessions() as db:
        deps = await deps_for(world, db, user.id)
        views = await persons_service.persons_for_case(deps, await db.get(Case, case_id))
    [member] = [view for view in views if view.id == relative]
    assert member.name_protected and member.given_name == "" and member.family_name == ""
    assert member.id_number_masked is None and member.birth_year is None and member.notes == ""
    person = await client.get(f"/cases/{case_id}/persons/{relative}")
    assert RELATIVE_GIVEN in person.text  # where the read is audited
    assert f"{HOUSEHOLD_NUMBER[:8]}-****" in person.text


@pytest.mark.parametrize("state", [MeasureState.APPLIED, MeasureState.GRANTED])
@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_the_api_list_gives_no_birth_year_or_id_type_of_a_household_member(
    client, world, direction, state
):
    user, case_id, relative = await _household(world, direction, state=state)
    headers = await token(world, user.id)
    response = await client.get(f"/api/v1/cases/{case_id}/persons", headers=headers)
    assert response.status_code == 200
    persons = {p["id"]: p for p in response.json()["persons"]}
    assert persons[relative]["birth_year"] is None and persons[relative]["id_type"] is None
    for canary in (RELATIVE_GIVEN, RELATIVE_FAMILY, "1990", HOUSEHOLD_NUMBER[2:8]):
        assert canary not in response.text
    document = (await client.get("/api/v1/openapi.json")).json()
    operation = document["paths"]["/api/v1/cases/{case_id}/persons"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    summary = schema["properties"]["persons"]["items"]["properties"]
    assert "household" in summary["birth_year"]["description"]
    assert "household" in summary["id_type"]["description"]


@pytest.mark.parametrize("direction", DIRECTIONS)
async def test_a_relative_not_living_with_a_protected_person_is_still_shown(
    client, world, direction
):
    """Only the household is covered: a relative who lives elsewhere keeps their name, masked
    number and birth year in the case's person lists."""
    user, case_id, relative = await _household(world, direction, lives_with=False,
                                               state=MeasureState.GRANTED)
    await login(client, user)
    page = await client.get(f"/cases/{case_id}")
    assert page.status_code == 200
    shown = _persons_section(page.text)
    assert RELATIVE_GIVEN in shown and RELATIVE_FAMILY in shown
    assert f"{HOUSEHOLD_NUMBER[:8]}-****" in shown
    assert CANARY_GIVEN not in page.text  # the defector is still protected
    headers = await token(world, user.id)
    response = await client.get(f"/api/v1/cases/{case_id}/persons", headers=headers)
    persons = {p["id"]: p for p in response.json()["persons"]}
    assert persons[relative]["birth_year"] == 1990
    assert persons[relative]["id_type"] == "PERSONNUMMER"
