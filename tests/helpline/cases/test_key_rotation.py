"""Data-key rotation of a case: a new key generation, every field re-encrypted under it in one
transaction, approved threat assessments kept (immutable), and the pages still read it all."""

from __future__ import annotations

from sqlalchemy import select

import crypto
from helpline.audit import AuditContext
from helpline.cases.key_rotation import case_encrypted_columns, rotate_case_key
from helpline.cases.service import binding
from helpline.demo import DEMO_PASSWORD, create_demo_data, current_code
from helpline.keys import case_scope
from helpline.models import AuditEvent
from helpline.models.cases import Case, Person
from helpline.models.keys import DataKeyRecord
from tests.conftest import csrf_from


async def _demo(world) -> list[Case]:  # type: ignore[no-untyped-def]
    async with world.sessions() as db, db.begin():
        await create_demo_data(db, keys=world.app.state.keys)
    return await world.scalars(select(Case).order_by(Case.reference))


async def _cells(world, case: Case) -> list[tuple[str, str, str, bytes]]:  # type: ignore[no-untyped-def]
    """Every encrypted value of the case: (table, column, row id, ciphertext)."""
    cells = []
    async with world.sessions() as db:
        for table, columns in case_encrypted_columns():
            rows = await db.execute(select(table).where(table.c.case_id == case.id))
            for row in rows.mappings():
                cells += [(table.name, c, row["id"], row[c]) for c in columns if row[c]]
    return cells


async def _rotate(world, case: Case):  # type: ignore[no-untyped-def]
    async with world.sessions() as db, db.begin():
        return await rotate_case_key(
            db, world.app.state.keys, await db.get(Case, case.id),
            context=AuditContext(actor=None),
        )


async def _approve_the_submitted_assessment(world, case: Case) -> None:  # type: ignore[no-untyped-def]
    from helpline.auth.repository import user_by_email
    from helpline.cases.service import Deps
    from helpline.models.cases import AssessmentState, ThreatAssessment
    from helpline.threats import service as threats

    async with world.sessions() as db, db.begin():
        supervisor = await user_by_email(db, "supervisor@polis.example")
        submitted = await db.scalar(select(ThreatAssessment).where(
            ThreatAssessment.case_id == case.id,
            ThreatAssessment.state == AssessmentState.SUBMITTED))
        deps = Deps(db, world.app.state.keys, AuditContext(actor=supervisor))
        await threats.approve(deps, await db.get(Case, case.id), submitted)


async def _sign_in_as_the_demo_officer(client, world) -> None:  # type: ignore[no-untyped-def]
    page = await client.get("/login")
    await client.post("/login", data={"email": "officer@polis.example",
                                      "password": DEMO_PASSWORD,
                                      "csrf_token": csrf_from(page.text)})
    page = await client.get("/login/second-factor")
    async with world.sessions() as db:
        code = await current_code(db, keys=world.app.state.keys, email="officer@polis.example")
    signed_in = await client.post("/login/second-factor",
                                  data={"code": code, "csrf_token": csrf_from(page.text)})
    assert signed_in.status_code == 303


async def test_rotating_a_case_re_encrypts_every_field_and_keeps_approved_assessments(
    client, world
):
    cases = await _demo(world)
    assessed = next(c for c in cases if c.state.value == "ASSESSMENT")
    await _approve_the_submitted_assessment(world, assessed)
    active = next(c for c in cases if c.state.value == "ACTIVE")  # it has vault entries
    keys = world.app.state.keys
    tables: set[str] = set()
    for case in (assessed, active):
        before = await _cells(world, case)
        tables |= {table for table, _, _, _ in before}
        async with world.sessions() as db:
            plain = {
                (t, c, r): await keys.decrypt(db, scope=case_scope(case.id), blob=blob,
                                              binding=binding(case, t, c, r))
                for t, c, r, blob in before
            }

        done = await _rotate(world, case)

        after = await _cells(world, case)
        kept = [cell for cell in after if cell[0] == "threat_assessments"]
        assert done.key_id == 2 and done.kept == len(kept)
        assert done.fields == len(before) - len(kept) > 0
        async with world.sessions() as db:
            for t, c, r, blob in after:
                expected = 1 if t == "threat_assessments" else 2
                assert crypto.ciphertext_key_id(blob) == expected, (t, c)
                value = await keys.decrypt(db, scope=case_scope(case.id), blob=blob,
                                           binding=binding(case, t, c, r))
                assert value == plain[(t, c, r)]
        records = await world.scalars(select(DataKeyRecord).where(
            DataKeyRecord.scope == case_scope(case.id)).order_by(DataKeyRecord.key_id))
        assert [(k.key_id, k.active) for k in records] == [(1, False), (2, True)]
        events = await world.scalars(select(AuditEvent).where(
            AuditEvent.action == "keys.data_key.rotated", AuditEvent.object_id == case.id))
        assert len(events) == 1 and events[0].details["key_id"] == 2
    assert {"persons", "intake_interviews", "notes", "location_vault_entries",
            "threat_assessments"} <= tables
    # The pages read the rotated case as before.
    await _sign_in_as_the_demo_officer(client, world)
    person = (await world.scalars(select(Person).where(Person.case_id == assessed.id)))[0]
    shown = await client.get(f"/cases/{assessed.id}/persons/{person.id}")
    assert shown.status_code == 200 and "Testperson" in shown.text
    assert (await client.get(f"/cases/{assessed.id}")).status_code == 200
    assert (await _rotate(world, assessed)).key_id == 3  # and again


async def test_the_old_generation_still_decrypts_after_a_rotation(world):
    """Old generations are kept, inactive: a value encrypted under one (by a request that took
    the active key just before the rotation committed) still reads. This checks the keeping
    only; the concurrent edit itself is in test_shredding_and_rotation_concurrency."""
    cases = await _demo(world)
    case = next(c for c in cases if c.state.value == "ASSESSMENT")  # it has a key already
    keys = world.app.state.keys
    async with world.sessions() as db:
        old = await keys.active_key(db, case_scope(case.id))
    await _rotate(world, case)
    place = binding(case, "notes", "body_enc", "0" * 36)
    late = old.encrypt_value("skrivet under rotationen", place)
    async with world.sessions() as db:
        assert await keys.decrypt(db, scope=case_scope(case.id), binding=place,
                                  blob=late) == "skrivet under rotationen"
        assert (await keys.active_key(db, case_scope(case.id))).key_id == 2
