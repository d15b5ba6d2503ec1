"""Crypto-shredding a finished case (SECURITY.md §2): its keys, its calls' keys and their
blind-index entries go in one transaction; afterwards nothing of it is read or served."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import crypto
from helpline import clock as clock_module
from helpline.audit import AuditContext
from helpline.calls import schemas as call_schemas
from helpline.calls import service as calls_service
from helpline.cases import service as cases_service
from helpline.cases import shredding
from helpline.cases.schemas import IntakeInput, Motivation, Suitability
from helpline.errors import RuleViolation
from helpline.keys import case_scope
from helpline.models import AuditEvent, HelplineCall, User
from helpline.models.cases import Case, CaseState, IntakeInterview, Person
from helpline.models.keys import DataKeyRecord
from helpline.models.users import Role
from tests.conftest import login
from tests.helpline.persons.helpers import add_person, deps_for, open_case, pnr

NUMBER = "+46701740677"
SUMMARY = "Vill lämna nätverket, ringer från en väns telefon."


async def _logged_call(world, officer_id: str) -> str:  # type: ignore[no-untyped-def]
    form = call_schemas.parse_call_form({
        "caller_type": "SELF", "channel": "SWITCHBOARD", "outcome": "CASE_OPENED",
        "summary": SUMMARY, "caller_number": NUMBER,
        "received_at": call_schemas.local_input(clock_module.now()),
    }, manual=True, now=clock_module.now())
    assert form.ok, form.errors
    async with world.sessions() as db, db.begin():
        user = await db.get(User, officer_id)
        deps = calls_service.Deps(db, world.app.state.keys, AuditContext(actor=user),
                                  clock_module.now())
        call = await calls_service.log_call(deps, form)
        await calls_service.complete_call(deps, call, form)
        return call.id


async def _referred_case_with_call(world, officer_id: str, call_id: str) -> str:  # type: ignore[no-untyped-def]
    """A witness is referred at intake: a finished case, with the call it came from."""
    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, officer_id)
        case = await cases_service.open_case_from_intake(deps, IntakeInput(
            held_at=clock_module.now(), motivation=Motivation.HIGH,
            suitability=Suitability.SUITABLE, is_adult=True, is_witness=True, call_id=call_id,
            participants=["Kanarie Canarysson, kontaktperson"],
        ))
        assert case.state is CaseState.REFERRED
        return case.id


async def _shred(world, case_id: str) -> shredding.Shredded:  # type: ignore[no-untyped-def]
    async with world.sessions() as db, db.begin():
        case = await db.get(Case, case_id)
        return await shredding.shred_case(
            db, world.app.state.keys, case, reason=shredding.ShredReason.RETENTION,
            context=AuditContext(actor=None), now=clock_module.now(),
        )


async def _key_count(world, scope: str) -> int:  # type: ignore[no-untyped-def]
    return await world.scalar(
        select(func.count()).select_from(DataKeyRecord).where(DataKeyRecord.scope == scope))


async def test_shredding_a_finished_case_destroys_its_keys_indexes_and_calls_readings(
    client, world
):
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    call_id = await _logged_call(world, officer.id)
    case_id = await _referred_case_with_call(world, officer.id, call_id)
    person_id = await add_person(world, officer.id, case_id, given_name="Kanarie",
                                 id_type="PERSONNUMMER", id_number=pnr("19850612"))
    await login(client, officer)
    assert (await client.get(f"/cases/{case_id}")).status_code == 200
    assert await world.scalar(select(Person.id_index).where(Person.id == person_id))
    assert await _key_count(world, case_scope(case_id)) == 1
    assert await _key_count(world, f"call:{call_id}") == 1

    done = await _shred(world, case_id)

    assert (done.data_keys, done.calls, done.already) == (2, 1, False)
    assert await _key_count(world, case_scope(case_id)) == 0
    assert await _key_count(world, f"call:{call_id}") == 0
    assert await world.scalar(select(Person.id_index).where(Person.id == person_id)) is None
    assert await world.scalar(
        select(IntakeInterview.participants).where(IntakeInterview.case_id == case_id)) == []
    call = await world.scalar(select(HelplineCall).where(HelplineCall.id == call_id))
    assert (call.summary, call.caller_number, call.caller_number_index) == (None, None, None)
    assert call.case_id == case_id and str(call.outcome) == "CASE_OPENED"  # statistics stay
    # The person's name is still ciphertext in the table, and no key opens it any more.
    person = await world.scalar(select(Person).where(Person.id == person_id))
    async with world.sessions() as db:
        with pytest.raises(crypto.DecryptionError):
            await world.app.state.keys.decrypt(
                db, scope=case_scope(case_id), blob=person.given_name_enc,
                binding=crypto.FieldBinding(org.id, "persons", "given_name_enc", person_id))
    events = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "keys.data_key.shredded", AuditEvent.object_id == case_id))
    assert len(events) == 1 and events[0].details["reason"] == "RETENTION"
    # Nothing tries to decrypt it: the case is gone from every page, the call shows no text.
    for path in (f"/cases/{case_id}", f"/cases/{case_id}/persons/{person_id}"):
        assert (await client.get(path)).status_code == 404
    case_list = await client.get("/cases")
    assert case_list.status_code == 200 and case_id not in case_list.text
    call_page = await client.get(f"/calls/{call_id}")
    assert call_page.status_code == 200 and SUMMARY not in call_page.text
    assert (await _shred(world, case_id)).already  # idempotent


async def test_a_case_still_being_worked_cannot_be_shredded(world):
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    case_id = await open_case(world, officer.id)  # in assessment
    await add_person(world, officer.id, case_id, given_name="Kanarie")
    with pytest.raises(RuleViolation):
        await _shred(world, case_id)
    assert await _key_count(world, case_scope(case_id)) == 1
    assert await world.scalar(select(Case.shredded_at).where(Case.id == case_id)) is None


async def test_a_key_unwrapped_earlier_in_the_same_transaction_stops_working_too(world):
    """Unwrapped keys are cached per session: shredding must empty that cache, or the rest of
    the transaction could still read (and write) the case."""
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    call_id = await _logged_call(world, officer.id)
    case_id = await _referred_case_with_call(world, officer.id, call_id)
    person_id = await add_person(world, officer.id, case_id, given_name="Kanarie")
    keys = world.app.state.keys
    async with world.sessions() as db, db.begin():
        person = await db.get(Person, person_id)
        binding = crypto.FieldBinding(org.id, "persons", "given_name_enc", person_id)
        read = await keys.decrypt(db, scope=case_scope(case_id), binding=binding,
                                  blob=person.given_name_enc)
        assert read == "Kanarie"
        case = await db.get(Case, case_id)
        await shredding.shred_case(db, keys, case, reason=shredding.ShredReason.RETENTION,
                                   context=AuditContext(actor=None), now=clock_module.now())
        with pytest.raises(crypto.DecryptionError):
            await keys.decrypt(db, scope=case_scope(case_id), binding=binding,
                               blob=person.given_name_enc)


async def test_the_call_of_a_shredded_case_takes_no_new_summary_and_gets_no_new_key(
    client, world
):
    """The call page still offers the form, pre-filled with the shredded case's id: saving it
    must not write a summary under a new key for a call whose case was destroyed."""
    from tests.conftest import csrf_from

    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    call_id = await _logged_call(world, officer.id)
    case_id = await _referred_case_with_call(world, officer.id, call_id)
    await _shred(world, case_id)
    await login(client, officer)
    page = await client.get(f"/calls/{call_id}")
    response = await client.post(f"/calls/{call_id}", data={
        "caller_type": "SELF", "channel": "SWITCHBOARD", "outcome": "CASE_OPENED",
        "summary": "Ny text efter gallring.", "case_id": case_id,
        "csrf_token": csrf_from(page.text)})
    assert response.status_code == 409
    call = await world.scalar(select(HelplineCall).where(HelplineCall.id == call_id))
    assert call.summary is None
    assert await _key_count(world, f"call:{call_id}") == 0


async def test_a_shredded_case_cannot_be_rotated(world):
    from helpline.cases.key_rotation import rotate_case_key

    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    call_id = await _logged_call(world, officer.id)
    case_id = await _referred_case_with_call(world, officer.id, call_id)
    await _shred(world, case_id)
    async with world.sessions() as db, db.begin():
        with pytest.raises(RuleViolation):
            await rotate_case_key(db, world.app.state.keys, await db.get(Case, case_id),
                                  context=AuditContext(actor=None))
    assert await _key_count(world, case_scope(case_id)) == 0
