"""Shredding and key rotation of one case against each other and against edits, on PostgreSQL
(SQLite runs one writer at a time): each waits for the other and sees what it did."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, update

import crypto
from helpline.audit import AuditContext
from helpline.cases import shredding
from helpline.cases.key_rotation import rotate_case_key
from helpline.cases.service import binding
from helpline.keys import case_scope
from helpline.models.cases import Case, CaseState, Person
from helpline.models.keys import DataKeyRecord
from helpline.models.users import Role
from tests.helpline.persons.helpers import add_person, open_case

pytestmark = pytest.mark.parametrize("engine_kind", ["postgresql"])


async def _case_with_person(world, *, finished: bool = False):  # type: ignore[no-untyped-def]
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    case_id = await open_case(world, officer.id)
    person_id = await add_person(world, officer.id, case_id, given_name="Alfa")
    if finished:
        async with world.sessions() as db, db.begin():
            (await db.get(Case, case_id)).state = CaseState.CLOSED
    return case_id, person_id


async def _given_name(world, case_id: str, person_id: str) -> str:  # type: ignore[no-untyped-def]
    async with world.sessions() as db:
        case = await db.get(Case, case_id)
        person = await db.get(Person, person_id)
        return await world.app.state.keys.decrypt(
            db, scope=case_scope(case_id), blob=person.given_name_enc,
            binding=binding(case, "persons", "given_name_enc", person_id))


async def _key_ids(world, case_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    return await world.scalars(select(DataKeyRecord.key_id).where(
        DataKeyRecord.scope == case_scope(case_id)).order_by(DataKeyRecord.key_id))


async def _rotate_in(db, world, case_id: str):  # type: ignore[no-untyped-def]
    return await rotate_case_key(db, world.app.state.keys, await db.get(Case, case_id),
                                 context=AuditContext(actor=None))


async def _shred_in(db, world, case_id: str):  # type: ignore[no-untyped-def]
    return await shredding.shred_case(
        db, world.app.state.keys, await db.get(Case, case_id),
        reason=shredding.ShredReason.RETENTION, context=AuditContext(actor=None),
        now=crypto_now())


async def _still_waiting(task: asyncio.Task) -> bool:  # type: ignore[type-arg]
    await asyncio.sleep(1.0)
    return not task.done()


async def test_shredding_waits_for_a_rotation_and_destroys_its_new_key_too(world):
    case_id, person_id = await _case_with_person(world, finished=True)

    async def shred() -> None:
        async with world.sessions() as db, db.begin():
            await _shred_in(db, world, case_id)

    async with world.sessions() as rotating:
        await rotating.begin()
        await _rotate_in(rotating, world, case_id)
        task = asyncio.create_task(shred())
        assert await _still_waiting(task)
        await rotating.commit()
    await task
    assert await _key_ids(world, case_id) == []
    with pytest.raises(crypto.DecryptionError):
        await _given_name(world, case_id, person_id)


async def test_a_rotation_waiting_for_a_shredding_refuses_the_shredded_case(world):
    case_id, _ = await _case_with_person(world, finished=True)
    from helpline.errors import RuleViolation

    async def rotate() -> None:
        async with world.sessions() as db, db.begin():
            await _rotate_in(db, world, case_id)

    async with world.sessions() as shredding_db:
        await shredding_db.begin()
        await _shred_in(shredding_db, world, case_id)
        task = asyncio.create_task(rotate())
        assert await _still_waiting(task)
        await shredding_db.commit()
    with pytest.raises(RuleViolation):
        await task
    assert await _key_ids(world, case_id) == []


async def test_two_rotations_at_once_give_two_new_generations(world):
    case_id, person_id = await _case_with_person(world)

    async def rotate() -> int:
        async with world.sessions() as db, db.begin():
            return (await _rotate_in(db, world, case_id)).key_id

    async with world.sessions() as first:
        await first.begin()
        assert (await _rotate_in(first, world, case_id)).key_id == 2
        task = asyncio.create_task(rotate())
        assert await _still_waiting(task)
        await first.commit()
    assert await task == 3
    assert await _key_ids(world, case_id) == [1, 2, 3]
    assert await _given_name(world, case_id, person_id) == "Alfa"


async def test_a_rotation_does_not_write_back_a_value_from_before_an_edit(world):
    """An edit of the person's name that commits while the rotation runs must survive: the
    rotation waits for it and re-encrypts the new name, not the one it would have read first."""
    case_id, person_id = await _case_with_person(world)
    keys = world.app.state.keys

    async def rotate() -> None:
        async with world.sessions() as db, db.begin():
            await _rotate_in(db, world, case_id)

    async with world.sessions() as editing:
        await editing.begin()
        case = await editing.get(Case, case_id)
        edited = await keys.encrypt(editing, scope=case_scope(case_id), value="Beta",
                                    binding=binding(case, "persons", "given_name_enc", person_id))
        await editing.execute(
            update(Person).where(Person.id == person_id).values(given_name_enc=edited))
        task = asyncio.create_task(rotate())
        assert await _still_waiting(task)
        await editing.commit()
    await task
    assert await _given_name(world, case_id, person_id) == "Beta"


def crypto_now():  # type: ignore[no-untyped-def]
    from helpline import clock

    return clock.now()


async def test_an_edit_sent_during_a_rotation_waits_for_it_and_is_saved(client, world):
    """A request that changes a case takes the case row first, as rotation does. Before, an
    edit that had written its person row waited for the case (its timeline event's foreign
    key) while the rotation held the case and waited for that person row: PostgreSQL broke
    the deadlock by failing one of them, and the officer got a 500."""
    import re

    from helpline.cases.shredding import lock_case
    from helpline.rls import bind_organisation
    from tests.conftest import login

    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    case_id = await open_case(world, officer.id)
    person_id = await add_person(world, officer.id, case_id, given_name="Alfa",
                                 family_name="Ek")
    await login(client, officer)
    url = f"/cases/{case_id}/persons/{person_id}"
    page = await client.get(url)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    async def edit() -> int:
        response = await client.post(url, data={
            "csrf_token": token, "role": "DEFECTOR", "given_name": "Alfa", "family_name": "Asp",
            "id_type": "NONE", "birth_year": "1985"})
        return response.status_code

    async with world.sessions() as rotating:
        await rotating.begin()
        case = await rotating.get(Case, case_id)
        await bind_organisation(rotating, case.organisation_id)
        await lock_case(rotating, case)  # the rotation has begun
        task = asyncio.create_task(edit())
        assert await _still_waiting(task)
        await _rotate_in(rotating, world, case_id)
        await rotating.commit()
    assert await task == 303
    async with world.sessions() as db:
        person = await db.get(Person, person_id)
        case = await db.get(Case, case_id)
        family = await world.app.state.keys.decrypt(
            db, scope=case_scope(case_id), blob=person.family_name_enc,
            binding=binding(case, "persons", "family_name_enc", person_id))
    assert family == "Asp"


async def test_a_person_added_while_the_case_is_shredded_is_refused_not_indexed(client, world):
    """An addition that waited for the shredding finds the case gone (404): before, it was
    inserted afterwards, with a blind index of its identity number under a shredded case."""
    import re

    from tests.conftest import login
    from tests.helpline.persons.helpers import pnr

    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    case_id = await open_case(world, officer.id)
    async with world.sessions() as db, db.begin():  # referred: a closed case takes no one
        (await db.get(Case, case_id)).state = CaseState.REFERRED
    await login(client, officer)
    url = f"/cases/{case_id}/persons/new"
    form_page = await client.get(url)
    assert form_page.status_code == 200, form_page.text[:300]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)

    async def add() -> int:
        response = await client.post(url, data={
            "csrf_token": token.group(1), "role": "RELATIVE", "given_name": "Beta",
            "id_type": "PERSONNUMMER", "id_number": pnr("19850612")})
        return response.status_code

    async with world.sessions() as shredding_db:
        await shredding_db.begin()
        await _shred_in(shredding_db, world, case_id)
        task = asyncio.create_task(add())
        assert await _still_waiting(task)
        await shredding_db.commit()
    assert await task == 404
    indexed = await world.scalars(select(Person.id).where(
        Person.case_id == case_id, Person.id_index.is_not(None)))
    assert indexed == [] and await _key_ids(world, case_id) == []
