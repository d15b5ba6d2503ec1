"""Search by identity number: blind index, then exact comparison, only among readable cases;
audited with purpose and hit count, never the number; results show references and pseudonyms."""

from __future__ import annotations

from sqlalchemy import select, update

from helpline.models.cases import Case, CaseTeamMember, Person
from helpline.models.users import Role
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import add_person, audit_events, office, open_case, pnr, token

WANTED = pnr("19850612")
OTHER = pnr("19900101", "456")


async def _search(client, number: str, purpose: str = "Kontroll inför möte", kind="SWEDISH"):
    page = await client.get("/persons/search")
    return await client.post("/persons/search", data={
        "csrf_token": csrf_from(page.text), "number": number, "purpose": purpose, "kind": kind})


async def test_exact_comparison_picks_the_right_person_among_colliding_candidates(client, world):
    o = await office(world)
    right = await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER",
                             id_number=WANTED)
    decoys = [
        await add_person(world, o.officer.id, await open_case(world, o.officer.id),
                         id_type="PERSONNUMMER", id_number=pnr("19700101", f"{n:03d}"))
        for n in range(1, 6)
    ]
    # Force the truncated index to collide: every decoy gets the wanted number's index.
    wanted_index = await world.scalar(select(Person.id_index).where(Person.id == right))
    async with world.sessions() as db, db.begin():
        await db.execute(update(Person).where(Person.id.in_(decoys)).values(id_index=wanted_index))
    auth = await token(world, o.officer.id)
    response = await client.post("/api/v1/persons/search", headers=auth,
                                 json={"number": WANTED, "purpose": "Registerkontroll"})
    assert response.status_code == 200
    assert [hit["person_id"] for hit in response.json()["hits"]] == [right]
    reference = await world.scalar(select(Case.reference).where(Case.id == o.case_id))
    assert response.json()["hits"][0]["case_reference"] == reference


async def test_the_search_is_audited_with_purpose_and_hits_never_the_number(client, world):
    o = await office(world)
    await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER", id_number=WANTED)
    await login(client, o.officer)
    response = await _search(client, WANTED, purpose="Inför samverkansmöte")
    assert response.status_code == 200
    [event] = await audit_events(world, "person.searched")
    assert event.purpose == "Inför samverkansmöte" and event.details["hits"] == 1
    assert event.details["case_ids"] == [o.case_id]
    everything = repr((event.details, event.fields, event.purpose, event.object_id))
    for fragment in (WANTED, WANTED.replace("-", ""), WANTED[2:], WANTED[:8], WANTED[-4:]):
        assert fragment not in everything
    # The number is not echoed back once searched.
    assert WANTED not in response.text


async def test_names_never_appear_on_the_results_page(client, world):
    o = await office(world)
    await add_person(world, o.officer.id, o.case_id, given_name="Hemligfrida",
                     family_name="Doldasson", id_type="PERSONNUMMER", id_number=WANTED)
    await login(client, o.officer)
    response = await _search(client, WANTED)
    pseudonym = await world.scalar(select(Person.pseudonym))
    assert pseudonym in response.text
    assert "Hemligfrida" not in response.text and "Doldasson" not in response.text


async def test_only_readable_cases_are_searched(client, world):
    o = await office(world)
    await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER", id_number=WANTED)
    foreign = await office(world)  # another organisation, same person
    await add_person(world, foreign.officer.id, foreign.case_id, id_type="PERSONNUMMER",
                     id_number=WANTED)
    colleague = await world.user(o.org, Role.POLICE_CASE_OFFICER)  # not on the team
    supervisor = await world.user(o.org, Role.SUPERVISOR)

    async def hits(user) -> list[str]:
        response = await client.post("/api/v1/persons/search", headers=await token(world, user.id),
                                      json={"number": WANTED, "purpose": "p"})
        assert response.status_code == 200
        return [hit["case_id"] for hit in response.json()["hits"]]

    assert await hits(o.officer) == [o.case_id]
    assert await hits(foreign.officer) == [foreign.case_id]
    assert await hits(colleague) == []
    assert await hits(supervisor) == [o.case_id]
    async with world.sessions() as db, db.begin():
        db.add(CaseTeamMember(case_id=o.case_id, user_id=colleague.id,
                              organisation_id=o.org.id))
    assert await hits(colleague) == [o.case_id]


async def test_samordningsnummer_and_foreign_numbers_are_found_too(client, world):
    o = await office(world)
    sam = await add_person(world, o.officer.id, o.case_id, id_type="SAMORDNINGSNUMMER",
                           id_number=pnr("19850672"))
    far = await add_person(world, o.officer.id, o.case_id, id_type="FOREIGN",
                           id_number="ab 123-456")
    await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER", id_number=OTHER)
    auth = await token(world, o.officer.id)

    async def found(body) -> list[str]:
        response = await client.post("/api/v1/persons/search", headers=auth,
                                     json={"purpose": "p", **body})
        return [hit["person_id"] for hit in response.json()["hits"]]

    assert await found({"number": pnr("19850672")[2:]}) == [sam]
    assert await found({"number": "AB123456", "kind": "FOREIGN"}) == [far]
    assert await found({"number": "AB123457", "kind": "FOREIGN"}) == []


async def test_invalid_input_searches_nothing_and_says_why(client, world):
    o = await office(world)
    await login(client, o.officer)
    wrong = WANTED[:-1] + str((int(WANTED[-1]) + 1) % 10)
    response = await _search(client, wrong)
    assert response.status_code == 422 and "kontrollsiffran" in response.text
    assert response.text.count(wrong) == 1  # kept in the field, not in the message
    missing_purpose = await _search(client, WANTED, purpose="")
    assert missing_purpose.status_code == 422 and 'id="purpose-error"' in missing_purpose.text
    assert await audit_events(world, "person.searched") == []
    auth = await token(world, o.officer.id)
    api = await client.post("/api/v1/persons/search", headers=auth,
                            json={"number": "123", "purpose": "p"})
    assert api.status_code == 422 and api.json()["fields"] == {"number": "id_format"}


async def test_a_purpose_longer_than_the_audit_log_holds_is_refused_not_a_500(client, world):
    """The event stores the purpose (200 characters); a longer one was accepted by the form and
    failed in the audit insert on PostgreSQL (a 500, the typed text in the error)."""
    o = await office(world)
    await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER", id_number=WANTED)
    auth = await token(world, o.officer.id)
    longest = "Inför samverkansmöte " + "x" * 179
    too_long = longest + "y"
    refused = await client.post("/api/v1/persons/search", headers=auth,
                                json={"number": WANTED, "purpose": too_long})
    assert refused.status_code == 422 and refused.json()["fields"] == {"purpose": "too_long"}
    await login(client, o.officer)
    page = await _search(client, WANTED, purpose=too_long)
    assert page.status_code == 422
    assert await audit_events(world, "person.searched") == []
    fine = await client.post("/api/v1/persons/search", headers=auth,
                             json={"number": WANTED, "purpose": longest})
    assert fine.status_code == 200, fine.text
    [event] = await audit_events(world, "person.searched")
    assert event.purpose == longest


def _forms_of(number: str) -> list[str]:
    """A personnummer as officers type it: 12 or 10 digits, with "-", "+" or none, spaced."""
    digits = number.replace("-", "")
    date, tail = digits[:8], digits[8:]
    return [
        number, digits, f"{date[2:]}-{tail}", f"{date[2:]}+{tail}", digits[2:],
        f"{date} {tail}", f"{date[2:]} - {tail}", f"{date[:4]} {date[4:6]} {date[6:]}-{tail}",
        "".join(chr(ord("０") + int(c)) for c in digits),  # full-width digits
    ]


async def test_a_purpose_that_carries_the_searched_number_is_refused_and_nothing_is_kept(
    client, world
):
    """Officers write "Kontroll av 19850612-1234": the purpose goes to the audit log in clear
    text, so a purpose holding the searched number, in any form, is a field error (page and
    API), nothing is searched or written, and the form keeps what was typed."""
    o = await office(world)
    await add_person(world, o.officer.id, o.case_id, id_type="PERSONNUMMER", id_number=WANTED)
    far = await add_person(world, o.officer.id, o.case_id, id_type="FOREIGN",
                           id_number="ab 123-456")
    auth = await token(world, o.officer.id)
    for form in _forms_of(WANTED):
        purpose = f"Kontroll av {form} inför möte"
        api = await client.post("/api/v1/persons/search", headers=auth,
                                json={"number": WANTED, "purpose": purpose})
        assert api.status_code == 422, form
        assert api.json() == {"error": "invalid_input",
                              "fields": {"purpose": "contains_id_number"}}
        assert WANTED[:8] not in api.text
    foreign = await client.post("/api/v1/persons/search", headers=auth, json={
        "number": "AB123456", "kind": "FOREIGN", "purpose": "Pass ab-123 456 kontrolleras"})
    assert foreign.status_code == 422
    assert foreign.json()["fields"] == {"purpose": "contains_id_number"}

    await login(client, o.officer)
    purpose = f"Kontroll av {WANTED[2:]}"
    page = await _search(client, WANTED, purpose=purpose)
    assert page.status_code == 422 and 'id="purpose-error"' in page.text
    assert "Skriv inte identitetsnumret i syftet" in page.text
    assert f'value="{WANTED}"' in page.text and f'value="{purpose}"' in page.text
    assert await audit_events(world, "person.searched") == []
    await client.post("/language", data={"language": "en", "next": "/persons/search",
                                         "csrf_token": csrf_from(page.text)})
    english = await _search(client, WANTED, purpose=purpose)
    assert english.status_code == 422
    assert "Do not write the identity number in the purpose" in english.text
    assert await audit_events(world, "person.searched") == []

    # Not vacuous: a purpose without the searched number is taken.
    fine = await client.post("/api/v1/persons/search", headers=auth,
                             json={"number": WANTED, "purpose": f"Jämför med {OTHER}"})
    assert fine.status_code == 200 and len(fine.json()["hits"]) == 1
    found = await client.post("/api/v1/persons/search", headers=auth, json={
        "number": "AB123456", "kind": "FOREIGN", "purpose": "Passkontroll"})
    assert [hit["person_id"] for hit in found.json()["hits"]] == [far]
    assert len(await audit_events(world, "person.searched")) == 2
