"""The audit log in the database: written with the change, append-only, verified end to end."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpline.audit import AuditContext, record, verify
from helpline.db import session_factory


async def _write_events(app, n: int) -> None:
    async with session_factory(app.state.engine)() as db, db.begin():
        for i in range(n):
            await record(db, context=AuditContext(actor=None), action=f"test.event.{i}",
                         object_type="thing", object_id=str(i))


async def _verify(app):
    async with session_factory(app.state.engine)() as db:
        return await verify(db, batch_size=3)


async def test_recorded_events_verify_in_batches(app):
    await _write_events(app, 10)
    result = await _verify(app)
    assert result.ok and result.checked == 10


async def test_an_event_rolls_back_with_its_transaction(app):
    async with session_factory(app.state.engine)() as db:
        async with db.begin():
            await record(db, context=AuditContext(actor=None), action="kept")
        with pytest.raises(RuntimeError):
            async with db.begin():
                await record(db, context=AuditContext(actor=None), action="lost")
                raise RuntimeError("the change failed")
    result = await _verify(app)
    assert result.ok and result.checked == 1


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'x' WHERE seq = 1",
    "DELETE FROM audit_events WHERE seq = 1",
])
async def test_the_database_refuses_changes_to_events(app, statement):
    await _write_events(app, 2)
    with pytest.raises(DBAPIError):
        async with app.state.engine.begin() as connection:
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
    app, engine_kind, tamper, first_bad
):
    await _write_events(app, 5)
    async with app.state.engine.begin() as connection:
        await _disable_protection(connection, engine_kind)
        await connection.execute(text(tamper))
    result = await _verify(app)
    assert not result.ok and result.first_bad_seq == first_bad
