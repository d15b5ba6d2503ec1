"""The location vault: named users only, a stated purpose for every read, one VAULT_READ audit
event without the address, nothing written or shown on bad input, and break-glass end to end."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from helpline.api.openapi import OPERATIONS
from helpline.models import AuditEvent
from helpline.models.protection import LocationVaultEntry, ProtectionAlert
from tests.conftest import csrf_from, login
from tests.helpline.persons.helpers import audit_count, token

from .helpers import (
    CANARY_ADDRESS,
    CANARY_WHEREABOUTS,
    add_entry,
    add_team_member,
    events,
    office,
)

ADDRESS_PARTS = ("Hemligagatan", "Gömstad", "Obskyrby", "4711")


def _no_location(text: str) -> None:
    for part in ADDRESS_PARTS:
        if part.isdigit():  # as a value of its own, not four digits inside a random id or token
            assert not re.search(rf"(?<![0-9A-Za-z_-]){part}(?![0-9A-Za-z_-])", text), part
        else:
            assert part not in text


async def _audit_dump(world) -> str:
    rows = await world.scalars(select(AuditEvent))
    return json.dumps(
        [[e.action, e.purpose, e.fields, e.details, e.object_id] for e in rows], ensure_ascii=False
    )


async def test_the_list_shows_labels_only_and_the_contents_are_encrypted(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id, person_id=o.person_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    assert page.status_code == 200
    assert "Adress 1" in page.text
    _no_location(page.text)
    _no_location((await client.get(f"/cases/{o.case_id}")).text)
    blob = await world.scalar(select(LocationVaultEntry.address_enc))
    assert b"Hemligagatan" not in blob
    assert entry_id in page.text


async def test_a_named_user_reads_with_a_purpose_and_one_audit_event_without_the_address(
    client, world
):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    before = await audit_count(world)
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": "Planera hembesök med socialtjänsten",
    })
    assert response.status_code == 200
    assert CANARY_ADDRESS.split(",")[0] in response.text and CANARY_WHEREABOUTS in response.text
    assert response.headers["cache-control"] == "no-store"
    assert await audit_count(world) == before + 1
    [event] = await events(world, "vault.read")
    assert event.purpose == "Planera hembesök med socialtjänsten"
    assert event.object_id == o.case_id and event.details["entry_id"] == entry_id
    assert set(event.fields) == {"address", "whereabouts", "notes"}
    assert event.actor_user_id == o.officer.id
    _no_location(await _audit_dump(world))


async def test_a_read_without_purpose_shows_nothing_and_writes_nothing(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    before = await audit_count(world)
    for purpose in ("", "   ", "ok"):
        response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
            "csrf_token": csrf_from(page.text), "purpose": purpose,
        })
        assert response.status_code == 422
        assert 'id="purpose-error"' in response.text
        _no_location(response.text)
    assert await audit_count(world) == before


async def test_a_purpose_that_repeats_the_address_is_refused(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    before = await audit_count(world)
    purpose = "åka till hemligagatan 17 nu"
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": purpose})
    assert response.status_code == 422 and 'id="purpose-error"' in response.text
    _no_location(response.text.replace(purpose, ""))
    # The answer confirms a guess at the address, so it is a consultation: one event, denied,
    # naming the fields compared, without the purpose (it holds the location).
    assert await audit_count(world) == before + 1
    [refused] = await events(world, "vault.read_refused")
    assert refused.result == "denied" and refused.purpose is None
    assert refused.fields == ["address", "whereabouts", "notes"]  # all were decrypted
    assert refused.actor_user_id == o.officer.id
    assert await events(world, "vault.read") == []
    _no_location(await _audit_dump(world))


async def _colleague_at_break_glass(client, world):  # type: ignore[no-untyped-def]
    """A team colleague not named on the entry, signed in, with the break-glass form open."""
    o = await office(world)
    await add_team_member(world, o.officer, o.case_id, o.colleague.id)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    url = f"/cases/{o.case_id}/vault/{entry_id}/break-glass"
    await login(client, o.colleague)
    return o, url, await client.get(url)


async def test_a_break_glass_reason_that_guesses_the_address_is_audited_and_alerted(
    client, world
):
    """Not named on the entry, a colleague who types a guessed address as the reason learns
    whether it is right from the refusal; that leaves an event and an alert like a read."""
    o, url, form = await _colleague_at_break_glass(client, world)
    before = await audit_count(world)
    response = await client.post(url, data={
        "csrf_token": csrf_from(form.text), "reason": "Akut: Hemligagatan 17"})
    assert response.status_code == 422 and 'id="reason-error"' in response.text
    _no_location(response.text.replace("Akut: Hemligagatan 17", ""))
    assert await audit_count(world) == before + 1
    [refused] = await events(world, "vault.break_glass_refused")
    assert refused.result == "denied" and refused.purpose is None
    assert refused.actor_user_id == o.colleague.id
    [alert] = await world.scalars(select(ProtectionAlert))
    assert alert.audit_seq == refused.seq and alert.actor_id == o.colleague.id
    assert await events(world, "vault.break_glass") == []
    _no_location(await _audit_dump(world))
    await client.post("/logout", data={"csrf_token": csrf_from(form.text)})
    await login(client, o.supervisor)
    log = await client.get("/protection/vault-log")
    assert "Nödåtkomst nekad (skälet angav platsen)" in log.text and "open-alert" in log.text
    _no_location(log.text)


async def test_the_api_reads_no_vault_entry(client, world):
    """A bearer token cannot re-authenticate; the page's read demands a recent sign-in."""
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    headers = await token(world, o.officer.id)
    before = await audit_count(world)
    for tail in ("/read", "/break-glass", ""):
        response = await client.post(
            f"/api/v1/cases/{o.case_id}/vault/{entry_id}{tail}", headers=headers,
            json={"purpose": "Skjuts till tingsrätten", "reason": "Akut hot"})
        assert response.status_code in (404, 405), tail
        _no_location(response.text)
    assert await audit_count(world) == before
    document = (await client.get("/api/v1/openapi.json")).text
    assert "/vault" not in document and not [k for k in OPERATIONS if "vault" in k]


async def test_only_named_users_may_read(client, world, clock):
    o = await office(world)
    await add_team_member(world, o.officer, o.case_id, o.colleague.id)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    # A team member who is not named: refused, the refusal is logged, nothing shown.
    await login(client, o.colleague)
    page = await client.get(f"/cases/{o.case_id}/vault")
    assert "break-glass" in page.text
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": "Vill bara veta",
    })
    assert response.status_code == 403
    _no_location(response.text)
    [denied] = await events(world, "vault.read_denied")
    assert denied.actor_user_id == o.colleague.id and denied.result == "denied"
    assert await events(world, "vault.read") == []

    # Named by the responsible officer, the colleague may read.
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/access", data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id, o.colleague.id],
    })
    assert response.status_code == 303
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    clock.advance(seconds=30)  # a new TOTP step: the colleague's last code is spent
    await login(client, o.colleague)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": "Skjuts till tingsrätten"})
    assert response.status_code == 200 and CANARY_ADDRESS.split(",")[0] in response.text


async def test_a_read_refused_to_someone_not_named_logs_no_purpose(client, world):
    """The refusal comes before the purpose is compared with the location: a colleague who
    types the address must not put it in the audit log through the denied event."""
    o = await office(world)
    await add_team_member(world, o.officer, o.case_id, o.colleague.id)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.colleague)
    page = await client.get(f"/cases/{o.case_id}/vault")
    before = await audit_count(world)
    purpose = "Kolla om hon bor på Hemligagatan 17 i Gömstad"
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": purpose})
    assert response.status_code == 403
    _no_location(response.text.replace(purpose, ""))
    assert await audit_count(world) == before + 1
    [denied] = await events(world, "vault.read_denied")
    assert denied.result == "denied" and denied.purpose is None
    assert denied.actor_user_id == o.colleague.id and denied.details["entry_id"] == entry_id
    _no_location(await _audit_dump(world))


async def test_a_user_outside_the_case_gets_404_and_cannot_be_named(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.colleague)  # same organisation, not on the team
    page = await client.get("/start")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": "Nyfiken på adressen"})
    assert response.status_code == 404
    _no_location(response.text)
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/access", data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id, o.colleague.id],
    })
    assert response.status_code == 422


async def test_a_new_entry_through_the_form_names_its_author(client, world):
    o = await office(world)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault/new")
    assert page.status_code == 200
    response = await client.post(f"/cases/{o.case_id}/vault/new", data={
        "csrf_token": csrf_from(page.text), "kind": "ADDRESS", "address": "",
        "whereabouts": "",
    })
    assert response.status_code == 422 and 'id="address-error"' in response.text
    assert await world.scalars(select(LocationVaultEntry)) == []
    response = await client.post(f"/cases/{o.case_id}/vault/new", data={
        "csrf_token": csrf_from(page.text), "kind": "WHEREABOUTS", "person_id": o.person_id,
        "whereabouts": CANARY_WHEREABOUTS,
    })
    assert response.status_code == 303, response.text
    page = await client.get(f"/cases/{o.case_id}/vault")
    assert "Vistelseort 1" in page.text and CANARY_WHEREABOUTS not in page.text
    [created] = await events(world, "vault.entry_created")
    assert created.details["named_user_ids"] == [o.officer.id]
    _no_location(await _audit_dump(world))


async def test_break_glass_end_to_end(client, world, clock):
    o, url, form = await _colleague_at_break_glass(client, world)
    assert form.status_code == 200
    before = await audit_count(world)

    # No reason: a clear message, nothing written, nothing shown.
    response = await client.post(url, data={"csrf_token": csrf_from(form.text), "reason": ""})
    assert response.status_code == 422 and 'id="reason-error"' in response.text
    _no_location(response.text)
    assert await audit_count(world) == before
    assert await world.scalars(select(ProtectionAlert)) == []

    # No recent sign-in: sent to re-authenticate, nothing written.
    clock.advance(minutes=6)
    response = await client.post(url, data={
        "csrf_token": csrf_from(form.text), "reason": "Akut hot, polis på väg",
    })
    assert response.status_code == 303 and response.headers["location"].endswith("/reauth")
    assert await world.scalars(select(ProtectionAlert)) == []
    reauth = await client.get("/reauth")
    from tests.conftest import code_for

    clock.advance(seconds=30)
    response = await client.post("/reauth", data={
        "csrf_token": csrf_from(reauth.text), "password": o.colleague.password,
        "code": code_for(o.colleague.totp_secret),
    })
    assert response.status_code == 303

    response = await client.post(url, data={
        "csrf_token": csrf_from(form.text), "reason": "Akut hot, polis på väg",
    })
    assert response.status_code == 200
    assert CANARY_ADDRESS.split(",")[0] in response.text
    [event] = await events(world, "vault.break_glass")
    assert event.purpose == "Akut hot, polis på väg" and event.actor_user_id == o.colleague.id
    [alert] = await world.scalars(select(ProtectionAlert))
    assert alert.audit_seq == event.seq and alert.actor_id == o.colleague.id
    assert alert.acknowledged_at is None
    _no_location(await _audit_dump(world))

    # Break-glass reads once: the colleague is still not named.
    page = await client.get(f"/cases/{o.case_id}/vault")
    assert "break-glass" in page.text

    # The supervisor sees the alert and the readings, never the address, and acknowledges.
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    await login(client, o.supervisor)
    log = await client.get("/protection/vault-log")
    assert log.status_code == 200
    assert "Akut hot, polis på väg" in log.text and "open-alert" in log.text
    _no_location(log.text)
    response = await client.post(f"/protection/alerts/{alert.id}/acknowledge",
                                 data={"csrf_token": csrf_from(log.text)})
    assert response.status_code == 303
    [alert] = await world.scalars(select(ProtectionAlert))
    assert alert.acknowledged_by_id == o.supervisor.id
    assert "open-alert" not in (await client.get("/protection/vault-log")).text


async def test_named_users_cannot_break_the_glass_and_the_api_offers_none(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    url = f"/cases/{o.case_id}/vault/{entry_id}/break-glass"
    form = await client.get(url)
    response = await client.post(url, data={
        "csrf_token": csrf_from(form.text), "reason": "Testar nödåtkomst",
    })
    assert response.status_code == 409
    assert await world.scalars(select(ProtectionAlert)) == []
    headers = await token(world, o.officer.id)
    response = await client.post(f"/api/v1{url}", headers=headers, json={"reason": "x" * 10})
    assert response.status_code in (404, 405)


async def test_only_supervisors_see_the_vault_log(client, world):
    o = await office(world)
    await login(client, o.officer)
    assert (await client.get("/protection/vault-log")).status_code == 403


@pytest.mark.parametrize("purpose", [
    "Åka till Gömstad idag",  # the town alone, inside the line "123 45 Gömstad"
    "Till Obskyrby",  # a place inside the whereabouts line
    "Portkod 4711 behövs",  # the notes were not checked at all
    "Postnummer 123 stämmer?",  # part of a postcode
    "Hembesök postnummer 12345",  # the postcode without its space
    "Hembesök i Gömstads centrum",  # the town, inflected
])
async def test_a_purpose_naming_any_piece_of_the_location_is_refused(client, world, purpose):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": purpose})
    assert response.status_code == 422 and 'id="purpose-error"' in response.text
    assert await events(world, "vault.read") == []
    _no_location(await _audit_dump(world))


async def test_a_purpose_in_plain_words_is_still_accepted(client, world):
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/read", data={
        "csrf_token": csrf_from(page.text), "purpose": "Planera hembesök med socialtjänsten"})
    assert response.status_code == 200


async def test_no_one_names_themselves_and_the_log_shows_who_named_whom(client, world):
    """Naming oneself was a read without break-glass's reason and alert."""
    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    url = f"/cases/{o.case_id}/vault/{entry_id}/access"
    await login(client, o.supervisor)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(url, data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id, o.supervisor.id]})
    assert response.status_code == 409 and "Du kan inte namnge dig själv" in response.text
    assert await events(world, "vault.access_changed") == []
    await add_team_member(world, o.officer, o.case_id, o.colleague.id)
    response = await client.post(url, data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id, o.colleague.id]})
    assert response.status_code == 303
    log = await client.get("/protection/vault-log")
    assert "Namngivna användare ändrade" in log.text


async def test_no_new_reader_is_named_once_the_case_is_closed(client, world):
    from sqlalchemy import update

    from helpline.models.cases import Case, CaseState

    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id, named=(o.supervisor.id,))
    await add_team_member(world, o.officer, o.case_id, o.colleague.id)
    async with world.sessions() as db, db.begin():
        await db.execute(update(Case).where(Case.id == o.case_id).values(state=CaseState.CLOSED))
    await login(client, o.officer)
    page = await client.get(f"/cases/{o.case_id}/vault")
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/access", data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id, o.colleague.id]})
    assert response.status_code == 409
    assert await events(world, "vault.access_changed") == []
    # Taking a reader off stays possible: the safe direction.
    response = await client.post(f"/cases/{o.case_id}/vault/{entry_id}/access", data={
        "csrf_token": csrf_from(page.text), "named": [o.officer.id]})
    assert response.status_code == 303
    [removed] = await events(world, "vault.access_changed")
    assert (removed.details["added"], removed.details["removed"]) == ([], [o.supervisor.id])


async def test_a_supervisor_cannot_acknowledge_the_alert_about_their_own_break_glass(
    client, world
):
    from helpline.audit import AuditContext, record

    o = await office(world)
    entry_id = await add_entry(world, o.officer.id, o.case_id)
    await login(client, o.supervisor)
    url = f"/cases/{o.case_id}/vault/{entry_id}/break-glass"
    form = await client.get(url)
    response = await client.post(url, data={
        "csrf_token": csrf_from(form.text), "reason": "Unikt skäl XYZQ, hot i natt"})
    assert response.status_code == 200
    [alert] = await world.scalars(select(ProtectionAlert))
    # Two hundred vault events later the alert still shows its reason (it was looked up only
    # among the newest 200 events, so a flood of refused reads could hide it).
    async with world.sessions() as db, db.begin():
        for _ in range(200):
            await record(db, context=AuditContext(actor=None), action="vault.read_denied",
                         organisation_id=o.org.id, object_type="case", object_id=o.case_id)
    log = await client.get("/protection/vault-log")
    assert "Unikt skäl XYZQ" in log.text
    own = await client.post(f"/protection/alerts/{alert.id}/acknowledge",
                            data={"csrf_token": csrf_from(log.text)})
    assert own.status_code == 409 and "En annan granskande chef" in own.text
    [alert] = await world.scalars(select(ProtectionAlert))
    assert alert.acknowledged_at is None


LOCATION = {
    "address": "Stationsvägen 3, 830 13 Åre",
    "whereabouts": "Skyddat boende hos Wiklunds i Obskyrby",
    "notes": "Kontakt via socialtjänsten. Personen har hund. Portkod 4711.",
}


@pytest.mark.parametrize(("statement", "repeats"), [
    # Ordinary words that merely start a sentence of the whereabouts or notes are no names:
    # refusing them stopped a break-glass read in an emergency (and raised an alert).
    ("Kontakt med socialtjänsten inför hembesök", False),
    ("Skyddat boende behöver kontrolleras inför flytt", False),
    ("Akut fara: personen har ringt 112", False),
    ("Personen har hund, ta med hundkoppel", False),
    ("Ärende 2026 kontrolleras", False),
    ("Flytt från Åre planeras", True),  # a three-letter town
    ("Hos Wiklunds nu", True),  # a name inside the whereabouts
    ("Besök familjen Wiklund", True),  # ... also uninflected, as a prefix
    ("Postnummer 83013 stämmer?", True),
    ("Portkod 47 11", True),
    ("stationsvägen 3 i kväll", True),
])
def test_which_statements_repeat_the_location(statement, repeats):
    from helpline.protection.vault import _repeats_location

    assert _repeats_location(statement, LOCATION) is repeats
