"""``verify`` against the stored log's harder cases: entries outside 1..head, stored values of a
shape no entry is written with, and a log that grows while it is verified (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from helpline.audit import AuditContext, record, service, verify
from helpline.db import session_factory
from tests.helpline.audit.test_audit_db import _disable_protection, _verify, _write_events

# A copy of entry 1 under another seq: the app role may insert (the log is append-only).
FORGE = (
    "INSERT INTO audit_events (seq, occurred_at, actor_user_id, actor_organisation_id,"
    " organisation_id, action, object_type, object_id, purpose, result, fields, details,"
    " request_id, prev_hash, entry_hash)"
    " SELECT {seq}, occurred_at, actor_user_id, actor_organisation_id, organisation_id,"
    " 'forged.event', object_type, object_id, purpose, result, fields, details, request_id,"
    " prev_hash, entry_hash FROM audit_events WHERE seq = 1"
)


@pytest.mark.parametrize(("seq", "first_bad"), [(-1, 1), (0, 1), (4, 4), (9, 4)])
async def test_an_entry_outside_the_chain_is_named(admin_engine, seq, first_bad):
    # Below 1 the scan used to start after it (ok, with a forged event in the table); past the
    # head it was named one too far on.
    await _write_events(admin_engine, 3)
    async with admin_engine.begin() as connection:
        await connection.execute(text(FORGE.format(seq=seq)))
    result = await _verify(admin_engine)
    assert not result.ok and result.first_bad_seq == first_bad, result


@pytest.mark.parametrize("tamper", [
    "UPDATE audit_events SET details = '[1, 2]' WHERE seq = 2",
    "UPDATE audit_events SET fields = '7' WHERE seq = 2",
    # Shapes that convert to what was hashed: still not what was written.
    """UPDATE audit_events SET details = '[["k", "v"]]' WHERE seq = 2""",
    """UPDATE audit_events SET fields = '"ab"' WHERE seq = 2""",
    "UPDATE audit_events SET details = 'null' WHERE seq = 2",
])
async def test_a_stored_value_of_the_wrong_shape_is_named_not_a_crash(
    admin_engine, engine_kind, tamper
):
    await _write_events(admin_engine, 3)
    async with admin_engine.begin() as connection:
        await _disable_protection(connection, engine_kind)
        await connection.execute(text(tamper))
    result = await _verify(admin_engine)
    assert not result.ok and result.first_bad_seq == 2
    assert result.reason == "content cannot be read (altered)"


async def test_a_stored_value_that_is_no_json_at_all_is_named_not_a_crash(
    admin_engine, engine_kind
):
    if engine_kind != "sqlite":
        pytest.skip("PostgreSQL's json type stores only JSON")
    await _write_events(admin_engine, 5)
    async with admin_engine.begin() as connection:
        await _disable_protection(connection, engine_kind)
        await connection.execute(text("UPDATE audit_events SET details = '{no' WHERE seq = 5"))
    result = await _verify(admin_engine)  # batches of 3: the second one fails to load
    assert (result.ok, result.checked, result.first_bad_seq) == (False, 4, 5)
    assert result.reason == "content cannot be read (altered)"


async def test_events_appended_while_verifying_are_no_false_alarm(
    admin_engine, engine_kind, monkeypatch
):
    if engine_kind != "postgresql":
        pytest.skip("SQLite's writers wait for the verifying transaction")
    await _write_events(admin_engine, 4)
    read = service._entries
    calls = 0

    async def appending_meanwhile(db, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:  # between two batches another request commits an event
            await _write_events(admin_engine, 1)
        return await read(db, **kwargs)

    monkeypatch.setattr(service, "_entries", appending_meanwhile)
    async with session_factory(admin_engine)() as db:
        result = await verify(db, batch_size=2)
    assert result.ok and result.checked == 4
    monkeypatch.undo()
    assert (await _verify(admin_engine)).checked == 5  # and the next run takes it in


async def test_record_after_a_verify_in_the_same_session_still_links(admin_engine):
    await _write_events(admin_engine, 2)
    async with session_factory(admin_engine)() as db, db.begin():
        assert (await verify(db)).ok
        await record(db, context=AuditContext(actor=None), action="after.verify")
    assert (await _verify(admin_engine)).checked == 3
