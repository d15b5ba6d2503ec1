"""The audit log in the database: written with the change, append-only, verified end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpline.audit import AuditContext, record, verify
from helpline.db import session_factory


async def _write_events(admin_engine, n: int) -> None:
    async with session_factory(admin_engine)() as db, db.begin():
        for i in range(n):
            await record(db, context=AuditContext(actor=None), action=f"test.event.{i}",
                         object_type="thing", object_id=str(i))


async def _verify(admin_engine):
    async with session_factory(admin_engine)() as db:
        return await verify(db, batch_size=3)


async def test_recorded_events_verify_in_batches(admin_engine):
    await _write_events(admin_engine, 10)
    result = await _verify(admin_engine)
    assert result.ok and result.checked == 10


async def test_an_event_rolls_back_with_its_transaction(admin_engine):
    async with session_factory(admin_engine)() as db:
        async with db.begin():
            await record(db, context=AuditContext(actor=None), action="kept")
        with pytest.raises(RuntimeError):
            async with db.begin():
                await record(db, context=AuditContext(actor=None), action="lost")
                raise RuntimeError("the change failed")
    result = await _verify(admin_engine)
    assert result.ok and result.checked == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'x' WHERE seq = 1",
    "DELETE FROM audit_events WHERE seq = 1",
])
async def test_the_database_refuses_changes_to_events(admin_engine, statement):
    await _write_events(admin_engine, 2)
    with pytest.raises(DBAPIError):
        async with admin_engine.begin() as connection:
            await connection.execute(text(statement))


async def _disable_protection(connection, engine_kind: str) -> None:
    if engine_kind == "sqlite":
        await connection.execute(text("DROP TRIGGER audit_events_no_update"))
        await connection.execute(text("DROP TRIGGER audit_events_no_delete"))
    else:
        await connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))


@pytest.mark.parametrize(("tamper", "first_bad"), [
    ("UPDATE audit_events SET purpose = 'changed' WHERE seq = 3", 3),
    ("DELETE FROM audit_events WHERE seq = 2", 2),
    ("DELETE FROM audit_events WHERE seq = 5", 5),
    ("UPDATE audit_events SET seq = seq + 100 WHERE seq = 4", 4),
])
async def test_verify_names_the_first_bad_entry_after_tampering_in_the_database(
    admin_engine, engine_kind, tamper, first_bad
):
    await _write_events(admin_engine, 5)
    async with admin_engine.begin() as connection:
        await _disable_protection(connection, engine_kind)
        await connection.execute(text(tamper))
    result = await _verify(admin_engine)
    assert not result.ok and result.first_bad_seq == first_bad


async def test_verify_reports_progress_batch_by_batch(admin_engine):
    await _write_events(admin_engine, 7)
    seen: list[int] = []
    async with session_factory(admin_engine)() as db:
        result = await verify(db, batch_size=3, progress=seen.append)
    assert result.ok and seen == [3, 6, 7]


async def test_a_missing_chain_head_stops_every_write_instead_of_starting_a_new_chain(
    admin_engine, engine_kind
):
    from helpline.audit.service import AuditHeadMissing

    await _write_events(admin_engine, 2)
    async with admin_engine.begin() as connection:
        if engine_kind == "sqlite":  # damage from outside the app: its guard goes first
            await connection.execute(text("DROP TRIGGER audit_chain_head_no_delete"))
        await connection.execute(text("DELETE FROM audit_chain_head"))
    with pytest.raises(AuditHeadMissing):
        async with session_factory(admin_engine)() as db, db.begin():
            await record(db, context=AuditContext(actor=None), action="after.the.damage")
    async with admin_engine.connect() as connection:
        events = (await connection.execute(text("SELECT count(*) FROM audit_events"))).scalar()
    assert events == 2
    result = await _verify(admin_engine)
    assert not result.ok  # and verify says the head does not match the log


async def test_the_whole_log_setting_lets_verify_see_every_event(admin_engine):
    from helpline import rls

    await _write_events(admin_engine, 3)
    async with session_factory(admin_engine)() as db, db.begin():
        await rls.allow_whole_audit_log(db)  # a no-op on SQLite, which has no row security
        result = await verify(db)
    assert result.ok and result.checked == 3


async def test_entries_recorded_together_are_consecutive_links_and_none_is_no_write(admin_engine):
    from sqlalchemy import select

    from helpline.audit import AuditEntry, record_all
    from helpline.models import AuditEvent
    from helpline.models.audit import AuditChainHead

    await _write_events(admin_engine, 2)
    context = AuditContext(actor=None, request_id="r-1")
    async with session_factory(admin_engine)() as db, db.begin():
        assert await record_all(db, []) == []
        head = (await db.execute(select(AuditChainHead.last_seq))).scalar_one()
        assert head == 2  # nothing appended, the head untouched
        recorded = await record_all(
            db,
            [AuditEntry(context=context, action="test.group", object_id=str(i)) for i in range(4)],
        )
        assert [event.seq for event in recorded] == [3, 4, 5, 6]
    async with session_factory(admin_engine)() as db:
        rows = (await db.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars().all()
    assert [(r.seq, r.action, r.object_id) for r in rows[2:]] == [
        (3 + i, "test.group", str(i)) for i in range(4)
    ]
    assert all(r.prev_hash == p.entry_hash for p, r in zip(rows, rows[1:], strict=False))
    assert {r.request_id for r in rows[2:]} == {"r-1"}
    assert [r.entry_hash for r in rows[2:]] == [event.entry_hash for event in recorded]
    result = await _verify(admin_engine)
    assert result.ok and result.checked == 6
