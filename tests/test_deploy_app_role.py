"""deploy/postgres/10-helpline-app-role.sh, run for real against the local PostgreSQL the way
the postgres image runs it, then the migrations as the owner: the role it makes can serve the
app and is held by row-level security."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline import migrations
from tests.conftest import PG_ADMIN_DSN, _in_thread, _pg_admin, _pg_url, require

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "deploy/postgres/10-helpline-app-role.sh"


@pytest.fixture
def fresh_database() -> Iterator[tuple[str, str]]:
    """A new database and a login-role name of this test's own (roles are cluster-wide)."""
    require(shutil.which("psql") is not None, "psql")
    suffix = os.getpid()
    database, role = f"helpline_test_deploy_{suffix}", f"helpline_test_web_{suffix}"
    cleanup = (
        f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)',
        f'DROP ROLE IF EXISTS "{role}"',
    )
    require(_in_thread(_pg_admin, *cleanup, f'CREATE DATABASE "{database}"'), "PostgreSQL")
    yield database, role
    _in_thread(_pg_admin, *cleanup)


async def _as_role(database: str, role: str, *queries: str) -> list[object]:
    import asyncpg

    dsn = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgres@", f"{role}@", 1) + f"/{database}"
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        return [await connection.fetchval(query) for query in queries]
    finally:
        await connection.close()


def test_init_script_makes_a_login_role_that_rls_holds(fresh_database: tuple[str, str]) -> None:
    import asyncio

    database, role = fresh_database
    admin = PG_ADMIN_DSN.split("://", 1)[1]
    environ = {
        **os.environ,
        "POSTGRES_USER": admin.split("@", 1)[0],
        "POSTGRES_DB": database,
        "PGHOST": admin.split("@", 1)[1].split(":", 1)[0],
        "PGPORT": admin.split(":", 1)[1].split("/", 1)[0] if ":" in admin else "5432",
        "HELPLINE_DB_APP_USER": role,
        "HELPLINE_DB_APP_PASSWORD": "not-used-with-trust-auth",
    }
    subprocess.run(["sh", str(SCRIPT)], env=environ, check=True, capture_output=True)
    migrations.upgrade(_pg_url(database))  # as the owner, as the compose `migrate` service does

    superuser, bypasses, owns, may_create_role, rls_on_cases, version = asyncio.run(
        _as_role(
            database,
            role,
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            "SELECT rolbypassrls FROM pg_roles WHERE rolname = current_user",
            "SELECT count(*) FROM pg_tables WHERE tableowner = current_user",
            "SELECT rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = current_user",
            "SELECT row_security_active('cases')",
            "SELECT version_num FROM alembic_version LIMIT 1",  # /readyz reads this
        )
    )
    assert (superuser, bypasses, owns, may_create_role) == (False, False, 0, False)
    assert rls_on_cases is True
    assert version in migrations.head_revisions()


def test_init_script_refuses_to_run_without_a_password(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "HELPLINE_DB_APP_PASSWORD"}
    environ.update(POSTGRES_USER="nobody", POSTGRES_DB="nothing")
    result = subprocess.run(["sh", str(SCRIPT)], env=environ, capture_output=True, text=True)
    assert result.returncode != 0
    assert "HELPLINE_DB_APP_PASSWORD" in result.stderr
