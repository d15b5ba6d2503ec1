"""Row-level security on PostgreSQL: the database itself keeps organisations apart."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from helpline import rls
from helpline.db import session_factory
from helpline.models.users import Role


@pytest.fixture(params=["postgresql"])
def engine_kind(request) -> str:  # this module is about PostgreSQL only
    return request.param


ORG_TABLES = text("""
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS (
        SELECT 1 FROM information_schema.columns col
        WHERE col.table_schema = 'public' AND col.table_name = c.relname
          AND col.column_name = 'organisation_id')
""")


async def test_every_organisation_owned_table_has_forced_row_level_security(admin_engine):
    async with admin_engine.connect() as connection:
        rows = (await connection.execute(ORG_TABLES)).all()
    assert len(rows) >= 10
    unprotected = [name for name, enabled, forced in rows if not (enabled and forced)]
    assert unprotected == []


async def test_the_app_role_neither_owns_tables_nor_bypasses_rls(app):
    async with app.state.engine.connect() as connection:
        role = (await connection.execute(text(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ))).one()
        owned = (await connection.execute(text(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner = current_user"
        ))).scalar()
    assert tuple(role) == (False, False) and owned == 0


async def _case_in(cases_helper) -> str:
    return await cases_helper.open()


async def test_rows_of_another_organisation_are_invisible_and_unchangeable(app, world):
    from tests.helpline.cases.conftest import Cases

    helper = await Cases(world, app).setup()
    case_id = await helper.open()
    other = await world.organisation()
    sessions = session_factory(app.state.engine)
    count = text("SELECT count(*) FROM cases WHERE id = :id")
    async with sessions() as db, db.begin():
        assert (await db.execute(count, {"id": case_id})).scalar() == 0  # nothing bound
        await rls.bind_organisation(db, other.id)
        assert (await db.execute(count, {"id": case_id})).scalar() == 0
        changed = await db.execute(text("UPDATE cases SET milieu = NULL WHERE id = :id"),
                                   {"id": case_id})
        assert changed.rowcount == 0
        await rls.bind_organisation(db, helper.org.id)
        assert (await db.execute(count, {"id": case_id})).scalar() == 1


async def test_writing_a_row_for_another_organisation_is_refused(app, world):
    first, second = await world.organisation(), await world.organisation()
    user = await world.user(first, Role.POLICE_CASE_OFFICER)
    sessions = session_factory(app.state.engine)
    with pytest.raises(DBAPIError):
        async with sessions() as db, db.begin():
            await rls.bind_organisation(db, second.id)
            await db.execute(text(
                "INSERT INTO case_team_members (case_id, user_id, organisation_id, added_at) "
                "VALUES (:c, :u, :o, now())"), {"c": "x" * 36, "u": user.id, "o": first.id})


async def test_identity_lookup_shows_accounts_but_no_case_data(app, world):
    from tests.helpline.cases.conftest import Cases

    helper = await Cases(world, app).setup()
    case_id = await helper.open()
    async with session_factory(app.state.engine)() as db, db.begin():
        await rls.allow_identity_lookup(db)
        users = (await db.execute(text("SELECT count(*) FROM users"))).scalar()
        visible_cases = (await db.execute(text("SELECT count(*) FROM cases WHERE id = :id"),
                                          {"id": case_id})).scalar()
    assert users >= 4 and visible_cases == 0


async def test_the_app_role_cannot_rewrite_the_audit_log(app, world):
    await world.organisation()
    with pytest.raises(DBAPIError):
        async with session_factory(app.state.engine)() as db, db.begin():
            await db.execute(text("UPDATE audit_events SET purpose = 'x'"))


async def test_only_the_whole_log_setting_shows_other_organisations_audit_events(
    app, world, admin_engine
):
    first, second = await world.organisation(), await world.organisation()
    async with admin_engine.connect() as connection:
        total = (await connection.execute(text("SELECT count(*) FROM audit_events"))).scalar()
        of_first = (await connection.execute(text(
            "SELECT count(*) FROM audit_events WHERE organisation_id = :o "
            "OR actor_organisation_id = :o"), {"o": first.id})).scalar()
    assert of_first < total
    sessions = session_factory(app.state.engine)
    count = text("SELECT count(*) FROM audit_events")
    async with sessions() as db, db.begin():
        await rls.bind_organisation(db, first.id)
        assert (await db.execute(count)).scalar() == of_first
    async with sessions() as db, db.begin():
        await rls.allow_whole_audit_log(db)  # as `helpline audit verify` does
        assert (await db.execute(count)).scalar() == total
    assert second.id != first.id


async def test_identity_lookup_cannot_move_a_user_to_another_organisation(app, world, admin_engine):
    """Lookup (sign-in, before an organisation is bound) widens reads, not writes: sign-in may
    update the account it found, but not move it into another organisation."""
    first, second = await world.organisation(), await world.organisation()
    user = await world.user(first, Role.POLICE_CASE_OFFICER)
    sessions = session_factory(app.state.engine)
    for bound in (None, first.id, second.id):
        with pytest.raises(DBAPIError):
            async with sessions() as db, db.begin():
                await rls.allow_identity_lookup(db)
                if bound:
                    await rls.bind_organisation(db, bound)
                    await rls.allow_identity_lookup(db)
                await db.execute(text("UPDATE users SET organisation_id = :o WHERE id = :id"),
                                 {"o": second.id, "id": user.id})
    async with sessions() as db, db.begin():  # what sign-in writes still goes through
        await rls.allow_identity_lookup(db)
        changed = await db.execute(
            text("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = :id"),
            {"id": user.id})
        assert changed.rowcount == 1
    async with admin_engine.connect() as connection:
        row = (await connection.execute(
            text("SELECT organisation_id, failed_logins FROM users WHERE id = :id"),
            {"id": user.id})).one()
    assert tuple(row) == (first.id, 1)


async def test_identity_lookup_cannot_create_or_delete_users_in_any_organisation(
    app, world, admin_engine
):
    first, second = await world.organisation(), await world.organisation()
    user = await world.user(second, Role.POLICE_CASE_OFFICER)
    sessions = session_factory(app.state.engine)
    insert = text(
        "INSERT INTO users (id, organisation_id, email, display_name, role, language,"
        " failed_logins, created_at) VALUES (:id, :o, :e, 'Intruder', 'SYSTEM_ADMIN', 'sv', 0,"
        " now())")
    for bound in (None, first.id):  # lookup alone, or lookup on top of another organisation
        with pytest.raises(DBAPIError):
            async with sessions() as db, db.begin():
                if bound:
                    await rls.bind_organisation(db, bound)
                await rls.allow_identity_lookup(db)
                await db.execute(insert, {"id": "i" * 36, "o": second.id,
                                          "e": "intruder@test.example"})
        async with sessions() as db, db.begin():
            if bound:
                await rls.bind_organisation(db, bound)
            await rls.allow_identity_lookup(db)
            deleted = await db.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
            assert deleted.rowcount == 0
    async with sessions() as db, db.begin():  # bound to its own organisation: allowed
        await rls.bind_organisation(db, second.id)
        await db.execute(insert, {"id": "n" * 36, "o": second.id, "e": "new@test.example"})
    async with admin_engine.connect() as connection:
        ids = (await connection.execute(
            text("SELECT id FROM users WHERE organisation_id = :o ORDER BY id"),
            {"o": second.id})).scalars().all()
    assert sorted(ids) == sorted([user.id, "n" * 36])
