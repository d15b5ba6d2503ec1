"""Persons on a case: add and edit through the pages and the API, encrypted fields, audit and
timeline events that name fields and never values, the masked number and the audited reveal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import crypto
from helpline.cases.service import Deps
from helpline.models import AuditEvent
from helpline.models.cases import Case, CaseEvent, Person, PersonRelation
from helpline.persons import service
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import (
    add_person,
    audit_count,
    audit_events,
    deps_for,
    office,
    pnr,
    token,
)

NUMBER = pnr("19850612")


async def _form(client, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    return csrf_from(page.text)


async def test_a_person_added_through_the_page_is_stored_encrypted_and_audited(client, world):
    o = await office(world)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/new"
    response = await client.post(url, data={
        "csrf_token": await _form(client, url), "role": "DEFECTOR", "given_name": "Zlatana",
        "family_name": "Qvarnströmsson", "id_type": "PERSONNUMMER", "id_number": NUMBER,
        "interpreter_needed": "on", "interpreter_language": "arabiska", "notes": "Hemlig not",
    })
    assert response.status_code == 303
    assert response.headers["location"] == f"/cases/{o.case_id}"
    person = (await world.scalars(select(Person)))[0]
    assert person.birth_year == 1985 and person.pseudonym and person.id_index
    for blob in (person.given_name_enc, person.family_name_enc, person.id_number_enc,
                 person.notes_enc):
        assert blob and b"Zlatana" not in blob and NUMBER[:8].encode() not in blob
    [event] = await audit_events(world, "person.created")
    assert event.fields == sorted(
        ["role", "given_name", "family_name", "id_type", "id_number", "birth_year",
         "interpreter_needed", "interpreter_language", "notes"]
    )
    dumped = repr((event.details, event.fields, event.purpose))
    assert "Zlatana" not in dumped and "19850612" not in dumped and "arabiska" not in dumped
    kinds = await world.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == o.case_id))
    assert "PERSON_ADDED" in kinds


async def test_encrypted_fields_are_bound_to_their_row(world, app):
    o = await office(world)
    first = await add_person(world, o.officer.id, o.case_id, given_name="Första")
    second = await add_person(world, o.officer.id, o.case_id, given_name="Andra", role="RELATIVE")
    async with world.sessions() as db, db.begin():
        a, b = await db.get(Person, first), await db.get(Person, second)
        b.given_name_enc = a.given_name_enc  # a ciphertext moved to another row
    async with world.sessions() as db:
        deps = await deps_for(world, db, o.officer.id)
        case = await db.get(Case, o.case_id)
        with pytest.raises(crypto.DecryptionError):
            await service.persons_for_case(deps, case)


async def test_a_refused_form_keeps_every_value_and_never_echoes_the_number(client, world):
    o = await office(world)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/new"
    wrong = NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10)
    response = await client.post(url, data={
        "csrf_token": await _form(client, url), "role": "DEFECTOR", "given_name": "Beata",
        "family_name": "Lind", "id_type": "PERSONNUMMER", "id_number": wrong, "notes": "not",
    })
    assert response.status_code == 422
    html = response.text
    assert 'lang="sv"' in html and "kontrollsiffran" in html
    assert 'id="id_number-error"' in html
    assert 'aria-describedby="id_number-hint id_number-error"' in html
    assert html.count(wrong) == 1 and f'value="{wrong}"' in html  # in the field only
    assert 'value="Beata"' in html and 'value="Lind"' in html and ">not</textarea>" in html
    assert await world.scalars(select(Person)) == []


async def test_a_samordningsnummer_typed_as_personnummer_is_an_error_on_the_field(client, world):
    o = await office(world)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/new"
    response = await client.post(url, data={
        "csrf_token": await _form(client, url), "role": "DEFECTOR", "id_type": "PERSONNUMMER",
        "id_number": pnr("19850672"),
    })
    assert response.status_code == 422 and "samordningsnummer (födelsedag + 60)" in response.text


async def test_persons_for_case_decrypts_masks_and_writes_no_audit_event(world, app):
    o = await office(world)
    defector = await add_person(world, o.officer.id, o.case_id, given_name="Ida",
                                id_type="PERSONNUMMER", id_number=NUMBER)
    await add_person(world, o.officer.id, o.case_id, role="RELATIVE", given_name="Mor",
                     relation_to=defector, relation_kind="PARENT", lives_with=True)
    before = await audit_count(world)
    async with world.sessions() as db:
        deps: Deps = await deps_for(world, db, o.officer.id)
        views = await service.persons_for_case(deps, await db.get(Case, o.case_id))
    assert await audit_count(world) == before
    ida, mother = sorted(views, key=lambda v: v.role)  # DEFECTOR, RELATIVE
    assert ida.given_name == "Ida" and ida.id_number_masked == "19850612-****"
    assert ida.minor is False and mother.minor is None
    [relation] = ida.relations
    assert relation.kind == "PARENT" and relation.person_id == mother.id and relation.lives_with


async def test_the_person_page_writes_one_audit_event_and_masks_the_number(client, world):
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, given_name="Greta",
                           id_type="PERSONNUMMER", id_number=NUMBER)
    await login(client, o.officer)
    before = await audit_count(world)
    page = await client.get(f"/cases/{o.case_id}/persons/{pid}")
    assert page.status_code == 200
    assert "Greta" in page.text and "19850612-****" in page.text and NUMBER not in page.text
    assert page.headers["cache-control"] == "no-store"
    assert await audit_count(world) == before + 1
    assert len(await audit_events(world, "person.read")) == 1


async def test_reveal_needs_a_purpose_and_is_audited_with_it(client, world):
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER",
                           id_number=NUMBER)
    await login(client, o.officer)
    csrf = await _form(client, "/persons/search")
    url = f"/cases/{o.case_id}/persons/{pid}/reveal"
    refused = await client.post(url, data={"csrf_token": csrf, "purpose": "  "})
    assert refused.status_code == 422 and NUMBER not in refused.text
    assert await audit_events(world, "person.id_number.revealed") == []
    shown = await client.post(url, data={"csrf_token": csrf, "purpose": "Registerkontroll"})
    assert shown.status_code == 200 and NUMBER in shown.text
    [event] = await audit_events(world, "person.id_number.revealed")
    assert event.purpose == "Registerkontroll" and event.fields == ["id_number"]
    assert NUMBER[:8] not in repr(event.details)


async def test_a_reveal_purpose_that_carries_the_number_is_refused_and_never_logged(
    client, world
):
    """"Kontroll av 19850612-1234" as the purpose would put the number in the audit log in
    clear text. Refused in any form, the form keeps the purpose, nothing is revealed; the
    refusal (which confirms a guessed number) is audited without the purpose."""
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER",
                           id_number=NUMBER)
    await login(client, o.officer)
    csrf = await _form(client, "/persons/search")
    url = f"/cases/{o.case_id}/persons/{pid}/reveal"
    digits = NUMBER.replace("-", "")
    forms = (NUMBER, digits, NUMBER[2:], digits[2:], f"{digits[2:8]}+{digits[8:]}",
             f"{digits[:8]} {digits[8:]}", f"{digits[2:8]} - {digits[8:]}")
    for form in forms:
        purpose = f"Kontroll av {form}"
        refused = await client.post(url, data={"csrf_token": csrf, "purpose": purpose})
        assert refused.status_code == 422, form
        assert 'id="purpose-error"' in refused.text
        assert "Skriv inte identitetsnumret i syftet" in refused.text
        assert f'value="{purpose}"' in refused.text  # kept in the field
        assert 'class="number"' not in refused.text
        assert NUMBER not in refused.text.replace(purpose, "")
    assert await audit_events(world, "person.id_number.revealed") == []
    refusals = await audit_events(world, "person.id_number.reveal_refused")
    assert len(refusals) == len(forms)
    for event in refusals:
        assert event.result == "denied" and event.purpose is None
        assert event.fields == ["id_number"] and event.details == {"person_id": pid}
    everything = repr([(e.details, e.fields, e.purpose) for e in await world.scalars(
        select(AuditEvent))])
    assert digits[2:] not in everything and NUMBER[:8] not in everything

    shown = await client.post(url, data={"csrf_token": csrf, "purpose": "Registerkontroll"})
    assert shown.status_code == 200 and NUMBER in shown.text


async def test_reveal_needs_a_recent_sign_in(client, world, clock):
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER",
                           id_number=NUMBER)
    await login(client, o.officer)
    csrf = await _form(client, "/persons/search")
    clock.advance(minutes=6)
    response = await client.post(f"/cases/{o.case_id}/persons/{pid}/reveal",
                                 data={"csrf_token": csrf, "purpose": "x"})
    assert response.status_code == 303 and "/reauth" in response.headers["location"]
    assert await audit_events(world, "person.id_number.revealed") == []


async def test_editing_names_changed_fields_and_keeps_the_number_when_left_empty(client, world):
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, given_name="Olle", family_name="Ek",
                           id_type="PERSONNUMMER", id_number=NUMBER)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/{pid}"
    response = await client.post(url, data={
        "csrf_token": await _form(client, url), "role": "DEFECTOR", "given_name": "Olle",
        "family_name": "Asp", "id_type": "PERSONNUMMER", "id_number": "", "birth_year": "1985",
    })
    assert response.status_code == 303
    [event] = await audit_events(world, "person.updated")
    assert event.fields == ["family_name"] and "Asp" not in repr(event.details)
    async with world.sessions() as db:
        deps = await deps_for(world, db, o.officer.id)
        [view] = await service.persons_for_case(deps, await db.get(Case, o.case_id))
    assert view.family_name == "Asp" and view.id_number_masked == "19850612-****"


async def test_changing_the_type_needs_a_new_number_and_none_removes_it(client, world):
    o = await office(world)
    pid = await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER",
                           id_number=NUMBER)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/{pid}"
    csrf = await _form(client, url)
    base = {"csrf_token": csrf, "role": "DEFECTOR", "birth_year": "1985"}
    refused = await client.post(url, data={**base, "id_type": "SAMORDNINGSNUMMER"})
    assert refused.status_code == 422 and 'id="id_number-error"' in refused.text
    assert (await client.post(url, data={**base, "id_type": "NONE"})).status_code == 303
    person = await world.scalar(select(Person).where(Person.id == pid))
    assert person.id_number_enc is None and person.id_index is None
    [event] = await audit_events(world, "person.updated")
    assert event.fields == ["id_number", "id_type"]


async def test_relations_are_added_checked_and_removed(client, world):
    o = await office(world)
    child = await add_person(world, o.officer.id, o.case_id, birth_year="2015")
    guardian = await add_person(world, o.officer.id, o.case_id, role="RELATIVE")
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/persons/{guardian}"
    csrf = await _form(client, url)
    added = await client.post(url + "/relations", data={
        "csrf_token": csrf, "relation_to": child, "relation_kind": "GUARDIAN", "lives_with": "on"})
    assert added.status_code == 303
    again = await client.post(url + "/relations", data={
        "csrf_token": csrf, "relation_to": child, "relation_kind": "GUARDIAN"})
    assert again.status_code == 422 and "redan registrerad" in again.text
    self_relation = await client.post(url + "/relations", data={
        "csrf_token": csrf, "relation_to": guardian, "relation_kind": "SIBLING"})
    assert self_relation.status_code == 422
    [relation] = await world.scalars(select(PersonRelation))
    assert relation.person_id == guardian and relation.related_person_id == child
    removed = await client.post(f"{url}/relations/{relation.id}/remove",
                                data={"csrf_token": csrf})
    assert removed.status_code == 303 and await world.scalars(select(PersonRelation)) == []


async def test_the_api_adds_and_lists_persons_with_pseudonyms_only(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/persons"
    created = await client.post(url, headers=auth, json={
        "role": "DEFECTOR", "given_name": "Apinamn", "id_type": "PERSONNUMMER",
        "id_number": NUMBER, "interpreter_needed": False})
    assert created.status_code == 201, created.text
    listed = await client.get(url, headers=auth)
    assert listed.status_code == 200
    [person] = listed.json()["persons"]
    assert person["pseudonym"] == created.json()["pseudonym"] and person["birth_year"] == 1985
    assert "Apinamn" not in listed.text and "19850612" not in listed.text
    assert len(await audit_events(world, "person.listed")) == 1
    # 1990.0 is an integer to JSON Schema, so it is the year 1990 (not "unknown").
    created = await client.post(url, headers=auth, json={"role": "RELATIVE", "birth_year": 1990.0})
    assert created.status_code == 201, created.text
    listed = (await client.get(url, headers=auth)).json()["persons"]
    assert sorted(p["birth_year"] for p in listed) == [1985, 1990]


async def test_api_errors_are_json_with_codes_per_field(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/persons"
    wrong_digit = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")
    # Against the documented schema first (an unknown role, a year that is not a number)...
    bad = await client.post(url, headers=auth, json={
        "role": "BOSS", "id_type": "PERSONNUMMER", "id_number": wrong_digit,
        "birth_year": [1985]})
    assert bad.status_code == 422
    body = bad.json()
    assert body["error"] == "invalid_input"
    assert body["fields"] == {"role": "invalid", "birth_year": "invalid_type"}
    assert NUMBER[:8] not in bad.text
    # ... then the rules a schema cannot state, every field at once.
    bad = await client.post(url, headers=auth, json={
        "role": "DEFECTOR", "id_type": "PERSONNUMMER", "id_number": wrong_digit,
        "birth_year": 3000})
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"id_number": "id_check_digit", "birth_year": "invalid_year"}
    assert NUMBER[:8] not in bad.text
    unknown = await client.post(url, headers=auth, json={
        "role": "RELATIVE", "relation_to": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
        "relation_kind": "CHILD"})
    assert unknown.status_code == 422 and unknown.json()["fields"] == {
        "relation_to": "unknown_person"}
    assert (await client.post(url, headers=auth, content=b"[1]",
                              )).status_code == 415
    assert (await client.post(url, headers={**auth, "content-type": "application/json"},
                              content=b"{nope")).status_code == 400


async def test_the_api_holds_a_body_to_its_documented_schema(client, world):
    o = await office(world)
    auth = await token(world, o.officer.id)
    url = f"/api/v1/cases/{o.case_id}/persons"
    before = await world.scalars(select(Person.id))
    # A number where text belongs, an unknown enum value, a string for a boolean.
    bad = await client.post(url, headers=auth, json={
        "role": "RELATIVE", "given_name": 5, "id_type": "PASSPORT", "interpreter_needed": "yes"})
    assert bad.status_code == 422
    assert bad.json() == {"error": "invalid_input", "fields": {
        "given_name": "invalid_type", "id_type": "invalid", "interpreter_needed": "invalid_type"}}
    # The conditions the document states: a number for a Swedish type and none without a type,
    # a language when an interpreter is needed, both halves of a relation.
    missing = await client.post(url, headers=auth, json={
        "role": "RELATIVE", "id_type": "SAMORDNINGSNUMMER", "interpreter_needed": True,
        "relation_kind": "CHILD"})
    assert missing.status_code == 422 and missing.json()["fields"] == {
        "id_number": "required", "interpreter_language": "required", "relation_to": "required"}
    unexpected = await client.post(url, headers=auth, json={"role": "RELATIVE",
                                                            "id_number": NUMBER})
    assert unexpected.json()["fields"] == {"id_number": "id_not_expected"}
    assert NUMBER[:8] not in unexpected.text
    search = await client.post("/api/v1/persons/search", headers=auth, json={
        "number": int(NUMBER.replace("-", "")), "purpose": "Kontroll"})
    assert search.status_code == 422 and search.json()["fields"] == {"number": "invalid_type"}
    assert await world.scalars(select(Person.id)) == before
    assert await audit_events(world, "person.created") == []
    # What the document allows is taken: a year as text, an empty type and number.
    ok = await client.post(url, headers=auth, json={
        "role": "RELATIVE", "id_type": "", "id_number": "", "birth_year": "1985"})
    assert ok.status_code == 201, ok.text


async def test_a_closed_case_takes_no_new_persons(client, world):
    o = await office(world)
    async with world.sessions() as db, db.begin():
        case = await db.get(Case, o.case_id)
        from helpline.models.cases import CaseState

        case.state = CaseState.CLOSED
    auth = await token(world, o.officer.id)
    response = await client.post(f"/api/v1/cases/{o.case_id}/persons", headers=auth,
                                 json={"role": "DEFECTOR"})
    assert response.status_code == 409 and response.json()["rules"] == ["case_closed"]
    assert await audit_events(world, "person.created") == []
