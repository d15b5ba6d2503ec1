"""The audit chain's head only moves forward, and SQLite's REPLACE gets past no guard trigger.

Deleting ``audit_chain_head`` or setting it back would make every later audited request fail
(its next seq is taken), and so serve no data at all (SECURITY.md §6). On SQLite, ``INSERT OR
REPLACE`` deletes the row it replaces: without ``recursive_triggers`` that fires no DELETE
trigger, so it rewrote the append-only log and approved threat assessments.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpline.audit import AuditContext, AuditEntry, record, record_all, verify
from helpline.db import session_factory
from tests.helpline.cases.conftest import cases  # noqa: F401 - the fixture, reused
from tests.helpline.threats.conftest import threats  # noqa: F401 - the fixture, reused

HEAD = text("SELECT last_seq FROM audit_chain_head WHERE id = 1")


async def _write_events(engine, n: int) -> None:  # type: ignore[no-untyped-def]
    async with session_factory(engine)() as db, db.begin():
        for i in range(n):
            await record(db, context=AuditContext(actor=None), action=f"test.event.{i}")


async def _check_chain(admin_engine, events: int) -> None:  # type: ignore[no-untyped-def]
    async with session_factory(admin_engine)() as db:
        result = await verify(db)
    assert result.ok and result.checked == events, result
    async with admin_engine.connect() as connection:
        assert (await connection.execute(HEAD)).scalar() == events


async def _refused(engine, statement: str, **params) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError):
        async with session_factory(engine)() as db, db.begin():
            await db.execute(text(statement), params)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_chain_head SET last_seq = 1",
    "UPDATE audit_chain_head SET last_seq = last_seq",
    "UPDATE audit_chain_head SET last_seq = last_seq - 1",
    "UPDATE audit_chain_head SET last_seq = 'x'",
    "UPDATE audit_chain_head SET id = 2, last_seq = last_seq + 1",
    "DELETE FROM audit_chain_head",
])
async def test_the_app_can_neither_delete_nor_rewind_the_chain_head(app, admin_engine, statement):
    await _write_events(admin_engine, 3)
    await _refused(app.state.engine, statement)
    # The head is where it was, and the next audited request still links on.
    await _write_events(app.state.engine, 1)
    await _check_chain(admin_engine, 4)


async def test_the_app_cannot_replace_or_add_a_chain_head(app, admin_engine, engine_kind):
    await _write_events(admin_engine, 2)
    zero = {"h": bytes(32)}
    if engine_kind == "sqlite":  # REPLACE deletes the head first, so its DELETE trigger fires
        statements = [
            "INSERT OR REPLACE INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, :h)",
            "REPLACE INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, :h)",
        ]
    else:  # the application role has neither INSERT nor TRUNCATE on it
        statements = [
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, :h) "
            "ON CONFLICT (id) DO UPDATE SET last_seq = 0",
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (2, 0, :h)",
            "TRUNCATE audit_chain_head",
        ]
    for statement in statements:
        await _refused(app.state.engine, statement, **zero)
    await _write_events(app.state.engine, 1)
    await _check_chain(admin_engine, 3)


async def test_the_apps_own_appends_still_move_the_head(app, admin_engine):
    await _write_events(app.state.engine, 1)
    context = AuditContext(actor=None)
    async with session_factory(app.state.engine)() as db, db.begin():
        recorded = await record_all(
            db, [AuditEntry(context=context, action="test.group", object_id=str(i))
                 for i in range(3)]
        )
    assert [event.seq for event in recorded] == [2, 3, 4]
    await _check_chain(admin_engine, 4)


def _sqlite_only(engine_kind: str) -> None:
    if engine_kind != "sqlite":
        pytest.skip("INSERT OR REPLACE is SQLite's")


async def test_sqlite_connections_fire_delete_triggers_on_replace(app, engine_kind):
    _sqlite_only(engine_kind)
    async with app.state.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA recursive_triggers"))).scalar() == 1


async def test_insert_or_replace_cannot_overwrite_an_audit_event(app, admin_engine, engine_kind):
    _sqlite_only(engine_kind)
    await _write_events(admin_engine, 3)
    forged = (
        "INSERT OR REPLACE INTO audit_events (seq, occurred_at, actor_user_id,"
        " actor_organisation_id, organisation_id, action, object_type, object_id, purpose,"
        " result, fields, details, request_id, prev_hash, entry_hash)"
        " SELECT seq, occurred_at, actor_user_id, actor_organisation_id, organisation_id,"
        " 'forged.event', object_type, object_id, purpose, result, fields, details, request_id,"
        " prev_hash, entry_hash FROM audit_events WHERE seq = 2"
    )
    for engine in (app.state.engine, admin_engine):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text(forged))
    await _check_chain(admin_engine, 3)


async def test_insert_or_replace_cannot_overwrite_an_approved_threat_assessment(
    threats, app, engine_kind  # noqa: F811
):
    _sqlite_only(engine_kind)
    case_id = await threats.cases.open()
    number = await threats.approved(case_id)
    row_id = (await threats.get(case_id, number)).id
    async with app.state.engine.connect() as connection:
        columns = [row[1] for row in await connection.execute(
            text("PRAGMA table_info(threat_assessments)"))]
    values = ", ".join("'LOW'" if c == "overall_level" else c for c in columns)
    forged = (
        f"INSERT OR REPLACE INTO threat_assessments ({', '.join(columns)}) "
        f"SELECT {values} FROM threat_assessments WHERE id = :id"
    )
    with pytest.raises(DBAPIError, match="immutable"):
        async with app.state.engine.begin() as connection:
            await connection.execute(text(forged), {"id": row_id})
    assert (await threats.get(case_id, number)).overall_level.value == "HIGH"
