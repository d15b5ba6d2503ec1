"""The `helpline` command, run as a user runs it (a subprocess), on a temporary SQLite database
and on PostgreSQL as the application role, which row-level security holds (as in production:
docker-compose.yml runs the CLI as the app role; only `migrate` runs as the schema owner)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import crypto
from helpline.demo import USERS
from tests.conftest import ENGINES, PG_ADMIN_DSN, _pg_admin, _pg_url, app_url_for


def run(data_dir: Path, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    environ.update({"HELPLINE_DATA_DIR": str(data_dir), "HELPLINE_ENV": "development", **env})
    result = subprocess.run(
        [sys.executable, "-m", "helpline.cli", *args], env=environ, capture_output=True,
        text=True, timeout=120,
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def _in_thread(work):  # type: ignore[no-untyped-def]
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass
class CliDatabase:
    """A demo database the CLI works on, and the schema owner's door to it for the tests."""

    engine: str
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)  # what the CLI runs with: the app role
    owner_env: dict[str, str] = field(default_factory=dict)  # `migrate`: the schema owner
    pg_name: str = ""

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        return run(self.data_dir, *args, check=check, **{**self.env, **env})

    def sql(self, statement: str, *params: object) -> list[tuple]:
        """Run one statement as the owner (bypassing row-level security), committed; `?`
        marks parameters on both engines."""
        if self.engine == "sqlite":
            db = sqlite3.connect(self.data_dir / "helpline.db")
            try:
                rows = db.execute(statement, params).fetchall()
                db.commit()
            finally:
                db.close()
            return rows
        numbered = iter(range(1, len(params) + 1))
        statement = re.sub(r"\?", lambda _: f"${next(numbered)}", statement)

        async def work() -> list[tuple]:
            import asyncpg

            dsn = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + self.pg_name
            connection = await asyncpg.connect(dsn, timeout=5)
            try:
                return [tuple(row) for row in await connection.fetch(statement, *params)]
            finally:
                await connection.close()

        return _in_thread(work())


@pytest.fixture(scope="module", params=ENGINES)
def cli(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[CliDatabase]:
    data_dir = tmp_path_factory.mktemp("cli")
    if request.param == "sqlite":
        database = CliDatabase("sqlite", data_dir)
        database.run("migrate")
    else:
        template = request.getfixturevalue("pg_template")  # migrated; skips without PostgreSQL
        name = f"helpline_test_cli_{uuid.uuid4().hex[:12]}"
        _in_thread(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        owner_url = _pg_url(name)
        database = CliDatabase(
            "postgresql", data_dir, env={"HELPLINE_DATABASE_URL": app_url_for(owner_url)},
            owner_env={"HELPLINE_DATABASE_URL": owner_url}, pg_name=name,
        )
    try:
        first = database.run("demo")
        assert f"({len(USERS)} users created now)" in first.stdout
        yield database
    finally:
        if database.pg_name:
            _in_thread(_pg_admin(f'DROP DATABASE IF EXISTS "{database.pg_name}" WITH (FORCE)'))


def test_migrate_and_demo_are_idempotent(cli):
    assert "database at revision" in cli.run("migrate", **cli.owner_env).stdout
    assert "(0 users created now)" in cli.run("demo").stdout


def test_demo_code_prints_the_current_totp_code(cli):
    out = cli.run("demo-code", "officer@polis.example").stdout.strip()
    assert re.fullmatch(r"\d{6}", out)
    refused = cli.run("demo-code", "someone@else.example", check=False)
    assert refused.returncode != 0 and "only demo users" in refused.stderr


def test_token_create_and_revoke(cli):
    out = cli.run("token", "create", "--user", "officer@polis.example",
                  "--expires-days", "7").stdout
    token_id = re.search(r"token id: (\S+)", out).group(1)
    assert re.search(r"token \(shown once\): hlp_\S{40,}", out)
    assert "token revoked" in cli.run("token", "revoke", token_id).stdout
    assert cli.sql("SELECT count(*) FROM api_tokens WHERE id = ? AND revoked_at IS NOT NULL",
                   token_id) == [(1,)]
    again = cli.run("token", "revoke", token_id, check=False)
    assert again.returncode != 0 and "no active token" in again.stderr
    too_long = cli.run("token", "create", "--user", "officer@polis.example",
                       "--expires-days", "9999", check=False)
    assert too_long.returncode != 0 and "between 1 and 365" in too_long.stderr


def test_create_user_validates_role_against_organisation(cli):
    ok = cli.run("create-user", "--email", "ny@polis.example", "--name", "Ny Person",
                 "--role", "POLICE_CASE_OFFICER", "--organisation", "Personskydd Stockholm",
                 "--password", "a-long-enough-password")
    assert "created" in ok.stdout
    wrong = cli.run("create-user", "--email", "x@polis.example", "--name", "X",
                    "--role", "MUNICIPAL_CASE_WORKER", "--organisation", "Personskydd Stockholm",
                    "--password", "a-long-enough-password", check=False)
    assert wrong.returncode != 0 and "social services" in wrong.stderr
    # An address taken in another organisation is refused by name (not a constraint error).
    taken = cli.run("create-user", "--email", "ny@polis.example", "--name", "Ny Igen",
                    "--role", "MUNICIPAL_CASE_WORKER", "--organisation",
                    "Socialförvaltningen, Botkyrka", "--password", "a-long-enough-password",
                    check=False)
    assert taken.returncode != 0 and "e-mail address exists" in taken.stderr
    assert "Traceback" not in taken.stderr


def test_keys_rotate_rewraps_every_data_key_and_sign_in_secrets_still_decrypt(cli):
    out = cli.run("keys", "rotate").stdout
    assert re.search(r"(\d+) data keys re-wrapped under KEK version 2", out)
    versions = {row[0] for row in cli.sql("SELECT kek_version FROM data_keys")}
    assert versions == {2}
    assert re.fullmatch(r"\d{6}", cli.run("demo-code", "officer@polis.example").stdout.strip())


def test_keys_retire_refuses_a_version_that_a_data_key_still_needs(cli):
    """A key wrapped under the old KEK version after the rotation scanned (a request that began
    before it) must not become unreadable by retiring that version: the command refuses."""
    if cli.engine != "sqlite":  # the slowest test; data_keys has no row-level security
        pytest.skip("on PostgreSQL: tests/helpline/test_keys_retire_race.py")
    cli.run("keys", "rotate")
    ((active,),) = cli.sql("SELECT max(kek_version) FROM data_keys")
    old = active - 1
    straggler = cli.sql("SELECT scope, key_id FROM data_keys ORDER BY scope, key_id LIMIT 1")[0]
    cli.sql("UPDATE data_keys SET kek_version = ? WHERE scope = ? AND key_id = ?",
            old, *straggler)
    refused = cli.run("keys", "retire", str(old), check=False)
    assert refused.returncode != 0
    assert f"1 data keys are still wrapped under KEK version {old}" in refused.stderr
    active_refused = cli.run("keys", "retire", str(active), check=False)
    assert active_refused.returncode != 0 and "is active" in active_refused.stderr
    cli.sql("UPDATE data_keys SET kek_version = ? WHERE scope = ? AND key_id = ?",
            active, *straggler)
    assert f"KEK version {old} retired" in cli.run("keys", "retire", str(old)).stdout
    assert re.fullmatch(  # every key is under the active version: sign-in still works
        r"\d{6}", cli.run("demo-code", "officer@polis.example").stdout.strip()
    )
    assert f"KEK version {old} enabled" in cli.run("keys", "enable", str(old)).stdout
    unknown = cli.run("keys", "enable", "99", check=False)
    assert unknown.returncode != 0 and "99" in unknown.stderr


def test_keys_resume_rotation_rewraps_and_is_audited(cli):
    """An interrupted rotation (a new KEK version, no data key re-wrapped yet) is finished by
    `keys resume-rotation`, a batch per transaction as `keys rotate` does, and then recorded:
    the count and version, never a key."""
    active = crypto.LocalKeyring(cli.data_dir / "keyring.json").rotate()
    ((behind,),) = cli.sql("SELECT count(*) FROM data_keys WHERE kek_version <> ?", active)
    assert behind > 0
    ((last_before,),) = cli.sql("SELECT max(seq) FROM audit_events")
    out = cli.run("keys", "resume-rotation").stdout
    assert f"{behind} data keys re-wrapped" in out
    assert cli.sql("SELECT count(*) FROM data_keys WHERE kek_version <> ?", active) == [(0,)]
    events = cli.sql("SELECT action, details FROM audit_events WHERE seq > ?", last_before)
    assert [action for action, _ in events] == ["keys.kek.rotation_resumed"]
    details = events[0][1]
    details = json.loads(details) if isinstance(details, str) else details
    assert details == {"kek_version": active, "rewrapped": behind}
    assert "0 data keys re-wrapped" in cli.run("keys", "resume-rotation").stdout


def _demo_case(cli: CliDatabase, state: str) -> tuple[str, str, str]:
    """Id, reference and organisation name of a demo case in ``state``."""
    return cli.sql(
        "SELECT cases.id, reference, organisations.name FROM cases"
        " JOIN organisations ON organisations.id = cases.organisation_id"
        " WHERE state = ? ORDER BY reference LIMIT 1", state
    )[0]


def test_keys_rotate_case_gives_the_case_a_new_data_key(cli):
    case_id, reference, organisation = _demo_case(cli, "ASSESSMENT")
    out = cli.run("keys", "rotate-case", reference, "--organisation", organisation).stdout
    assert re.search(rf"case {reference}: data key 2, [1-9]\d* fields re-encrypted", out)
    generations = cli.sql(
        "SELECT key_id, active FROM data_keys WHERE scope = ? ORDER BY key_id",
        f"case:{case_id}",
    )
    assert generations == [(1, False), (2, True)]
    unknown = cli.run("keys", "rotate-case", "AVH-0000-0000", "--organisation",
                      organisation, check=False)
    assert unknown.returncode != 0 and "no case with that reference" in unknown.stderr


def test_keys_shred_case_refuses_a_case_in_progress_then_shreds_a_closed_one(cli):
    case_id, reference, organisation = _demo_case(cli, "ACTIVE")
    shred = ("keys", "shred-case", reference, "--organisation", organisation,
             "--reason", "RETENTION")
    unconfirmed = cli.run(*shred, check=False)
    assert unconfirmed.returncode != 0 and "Aborted" in unconfirmed.stderr
    refused = cli.run(*shred, "--yes", check=False)
    assert refused.returncode != 0 and "still being worked" in refused.stderr
    unknown = cli.run("keys", "shred-case", "HL-0000-0000", "--organisation",
                      organisation, "--reason", "RETENTION", "--yes", check=False)
    assert unknown.returncode != 0 and "no case with that reference" in unknown.stderr
    cli.sql("UPDATE cases SET state = 'CLOSED' WHERE id = ?", case_id)
    out = cli.run(*shred, "--yes").stdout
    assert re.search(rf"case {reference} shredded: [1-9]\d* data keys destroyed", out)
    assert cli.sql("SELECT count(*) FROM data_keys WHERE scope = ?", f"case:{case_id}") == [(0,)]
    assert "already shredded" in cli.run(*shred, "--yes").stdout


def test_audit_verify_passes_then_names_the_first_tampered_entry(cli):
    """On PostgreSQL the app role sees the whole chain only in verify's own transaction."""
    ((events,),) = cli.sql("SELECT count(*) FROM audit_events")
    assert f"audit chain intact: {events} entries" in cli.run("audit", "verify").stdout
    if cli.engine == "sqlite":
        cli.sql("DROP TRIGGER audit_events_no_update")
    else:
        cli.sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change")
    cli.sql("UPDATE audit_events SET purpose = 'rewritten' WHERE seq = 3")
    broken = cli.run("audit", "verify", check=False)
    assert broken.returncode == 1
    assert "audit chain BROKEN at entry 3" in broken.stdout


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    result = run(tmp_path, "migrate", check=False, HELPLINE_ENV="production")
    assert result.returncode != 0
    for name in ("HELPLINE_DATABASE_URL", "HELPLINE_KEYRING_PATH", "HELPLINE_TWILIO_AUTH_TOKEN"):
        assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_is_refused_in_production(tmp_path):
    keyring = tmp_path / "keys" / "keyring.json"
    env = dict(HELPLINE_ENV="production", HELPLINE_KEYRING_PATH=str(keyring),
               HELPLINE_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/x_test.db",
               HELPLINE_TWILIO_AUTH_TOKEN="t", HELPLINE_PUBLIC_BASE_URL="https://h.example")
    missing = run(tmp_path, "demo", check=False, **env)
    assert missing.returncode != 0 and "keyring" in missing.stderr
    assert "keyring created" in run(tmp_path, "keys", "init", **env).stdout
    refused = run(tmp_path, "demo", check=False, **env)
    assert refused.returncode != 0 and "refused in production" in refused.stderr


def test_serve_runs_the_app_factory_with_the_workers_asked_for(monkeypatch, tmp_path):
    import uvicorn
    from click.testing import CliRunner

    from helpline.cli import main

    started: list[dict[str, object]] = []

    def run_server(app: str, **options: object) -> None:
        started.append(options | {"app": app})

    monkeypatch.setattr(uvicorn, "run", run_server)
    for name in [n for n in os.environ if n.startswith("HELPLINE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPLINE_ENV", "development")
    runner = CliRunner()
    assert runner.invoke(main, ["serve"]).exit_code == 0
    assert runner.invoke(main, ["serve", "--workers", "3"]).exit_code == 0
    assert runner.invoke(main, ["serve"], env={"HELPLINE_WORKERS": "2"}).exit_code == 0
    assert [options["workers"] for options in started] == [1, 3, 2]
    assert {options["app"] for options in started} == {"helpline.app:create_app"}
    assert all(options["factory"] and not options["server_header"] for options in started)
    refused = runner.invoke(main, ["serve", "--workers", "0"])
    assert refused.exit_code == 2 and len(started) == 3
