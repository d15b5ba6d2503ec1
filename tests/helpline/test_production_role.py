"""Production refuses to serve as a database role that row-level security does not bind (a
superuser, BYPASSRLS, or the tables' owner): the second layer of tenant isolation would be
off without a sign (SECURITY.md §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

import crypto
from helpline import rls
from helpline.app import create_app
from tests.conftest import app_url_for, settings_for


def _production_app(database_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    keyring = tmp_path / "keyring.json"
    crypto.LocalKeyring(keyring)  # as `helpline keys init` makes it
    return create_app(settings_for(
        database_url, tmp_path / "data", HELPLINE_ENV="production",
        HELPLINE_KEYRING_PATH=str(keyring), HELPLINE_TWILIO_AUTH_TOKEN="token",
    ))


async def _start(app) -> None:  # type: ignore[no-untyped-def]
    try:
        async with app.router.lifespan_context(app):
            pass
    finally:
        await app.state.engine.dispose()


async def test_production_starts_as_the_application_role(database_url, tmp_path):
    await _start(_production_app(app_url_for(database_url), tmp_path))


async def test_production_refuses_the_owners_or_a_superusers_url(
    database_url, engine_kind, tmp_path
):
    if engine_kind != "postgresql":
        pytest.skip("SQLite has no roles: its query-level checks are the only layer")
    # The test database's URL is the superuser's, which also owns the tables.
    with pytest.raises(rls.UnboundRole, match="row-level security would not apply"):
        await _start(_production_app(database_url, tmp_path))


async def test_production_refuses_a_plain_owner_and_a_member_of_the_owner(
    database_url, admin_engine, engine_kind, tmp_path
):
    # Not superusers, but the owner may turn the policies off, and a member of the owner may
    # SET ROLE to it: neither is held by row-level security.
    if engine_kind != "postgresql":
        pytest.skip("SQLite has no roles")
    import uuid

    from sqlalchemy import text

    from tests.conftest import _pg_admin, _pg_url

    owner, member = (f"helpline_test_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("own", "mem"))
    await _pg_admin(f'CREATE ROLE "{owner}" LOGIN', f'CREATE ROLE "{member}" LOGIN',
                    f'GRANT "{owner}" TO "{member}"')
    try:
        async with admin_engine.begin() as connection:
            await connection.execute(text(f'ALTER TABLE organisations OWNER TO "{owner}"'))
        database = database_url.rsplit("/", 1)[-1]
        for role in (owner, member):
            (tmp_path / role).mkdir()
            with pytest.raises(rls.UnboundRole, match="or a member of one"):
                await _start(_production_app(_pg_url(database, user=role), tmp_path / role))
    finally:
        async with admin_engine.begin() as connection:
            await connection.execute(text("ALTER TABLE organisations OWNER TO CURRENT_USER"))
        await admin_engine.dispose()
        await _pg_admin(f'DROP ROLE "{member}"', f'DROP ROLE "{owner}"')
