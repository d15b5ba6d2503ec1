"""The `helpline` command, run as a user runs it (a subprocess on a temporary SQLite database)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from helpline.demo import USERS


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


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("cli")
    run(data_dir, "migrate")
    first = run(data_dir, "demo")
    assert f"({len(USERS)} users created now)" in first.stdout
    return data_dir


def test_migrate_and_demo_are_idempotent(demo_dir):
    assert "database at revision" in run(demo_dir, "migrate").stdout
    assert "(0 users created now)" in run(demo_dir, "demo").stdout


def test_demo_code_prints_the_current_totp_code(demo_dir):
    out = run(demo_dir, "demo-code", "officer@polis.example").stdout.strip()
    assert re.fullmatch(r"\d{6}", out)
    refused = run(demo_dir, "demo-code", "someone@else.example", check=False)
    assert refused.returncode != 0 and "only demo users" in refused.stderr


def test_token_create_and_revoke(demo_dir):
    out = run(demo_dir, "token", "create", "--user", "officer@polis.example",
              "--expires-days", "7").stdout
    token_id = re.search(r"token id: (\S+)", out).group(1)
    assert re.search(r"token \(shown once\): hlp_\S{40,}", out)
    assert "token revoked" in run(demo_dir, "token", "revoke", token_id).stdout
    again = run(demo_dir, "token", "revoke", token_id, check=False)
    assert again.returncode != 0
    too_long = run(demo_dir, "token", "create", "--user", "officer@polis.example",
                   "--expires-days", "9999", check=False)
    assert too_long.returncode != 0 and "between 1 and 365" in too_long.stderr


def test_create_user_validates_role_against_organisation(demo_dir):
    ok = run(demo_dir, "create-user", "--email", "ny@polis.example", "--name", "Ny Person",
             "--role", "POLICE_CASE_OFFICER", "--organisation", "Personskydd Stockholm",
             "--password", "a-long-enough-password")
    assert "created" in ok.stdout
    wrong = run(demo_dir, "create-user", "--email", "x@polis.example", "--name", "X",
                "--role", "MUNICIPAL_CASE_WORKER", "--organisation", "Personskydd Stockholm",
                "--password", "a-long-enough-password", check=False)
    assert wrong.returncode != 0 and "social services" in wrong.stderr


def test_keys_rotate_rewraps_every_data_key_and_sign_in_secrets_still_decrypt(demo_dir):
    out = run(demo_dir, "keys", "rotate").stdout
    assert re.search(r"(\d+) data keys re-wrapped under KEK version 2", out)
    db = sqlite3.connect(demo_dir / "helpline.db")
    versions = {row[0] for row in db.execute("SELECT kek_version FROM data_keys")}
    db.close()
    assert versions == {2}
    assert re.fullmatch(
        r"\d{6}", run(demo_dir, "demo-code", "officer@polis.example").stdout.strip()
    )


def test_keys_retire_refuses_a_version_that_a_data_key_still_needs(demo_dir):
    """A key wrapped under the old KEK version after the rotation scanned (a request that began
    before it) must not become unreadable by retiring that version: the command refuses."""
    run(demo_dir, "keys", "rotate")
    db = sqlite3.connect(demo_dir / "helpline.db")
    (active,) = db.execute("SELECT max(kek_version) FROM data_keys").fetchone()
    old = active - 1
    straggler = db.execute("SELECT scope, key_id FROM data_keys LIMIT 1").fetchone()
    db.execute("UPDATE data_keys SET kek_version = ? WHERE scope = ? AND key_id = ?",
               (old, *straggler))
    db.commit()
    refused = run(demo_dir, "keys", "retire", str(old), check=False)
    assert refused.returncode != 0
    assert f"1 data keys are still wrapped under KEK version {old}" in refused.stderr
    active_refused = run(demo_dir, "keys", "retire", str(active), check=False)
    assert active_refused.returncode != 0 and "is active" in active_refused.stderr
    db.execute("UPDATE data_keys SET kek_version = ? WHERE scope = ? AND key_id = ?",
               (active, *straggler))
    db.commit()
    db.close()
    assert f"KEK version {old} retired" in run(demo_dir, "keys", "retire", str(old)).stdout
    assert re.fullmatch(  # every key is under the active version: sign-in still works
        r"\d{6}", run(demo_dir, "demo-code", "officer@polis.example").stdout.strip()
    )
    assert f"KEK version {old} enabled" in run(demo_dir, "keys", "enable", str(old)).stdout
    unknown = run(demo_dir, "keys", "enable", "99", check=False)
    assert unknown.returncode != 0 and "99" in unknown.stderr


def _demo_case(demo_dir: Path, state: str) -> tuple[str, str, str]:
    """Id, reference and organisation name of a demo case in ``state``."""
    db = sqlite3.connect(demo_dir / "helpline.db")
    row = db.execute(
        "SELECT cases.id, reference, organisations.name FROM cases"
        " JOIN organisations ON organisations.id = cases.organisation_id"
        " WHERE state = ? ORDER BY reference LIMIT 1", (state,)
    ).fetchone()
    db.close()
    return row


def test_keys_rotate_case_gives_the_case_a_new_data_key(demo_dir):
    case_id, reference, organisation = _demo_case(demo_dir, "ASSESSMENT")
    out = run(demo_dir, "keys", "rotate-case", reference, "--organisation", organisation).stdout
    assert re.search(rf"case {reference}: data key 2, [1-9]\d* fields re-encrypted", out)
    db = sqlite3.connect(demo_dir / "helpline.db")
    generations = db.execute(
        "SELECT key_id, active FROM data_keys WHERE scope = ? ORDER BY key_id",
        (f"case:{case_id}",),
    ).fetchall()
    db.close()
    assert generations == [(1, 0), (2, 1)]
    unknown = run(demo_dir, "keys", "rotate-case", "AVH-0000-0000", "--organisation",
                  organisation, check=False)
    assert unknown.returncode != 0 and "no case with that reference" in unknown.stderr


def test_keys_shred_case_refuses_a_case_in_progress_then_shreds_a_closed_one(demo_dir):
    case_id, reference, organisation = _demo_case(demo_dir, "ACTIVE")
    shred = ("keys", "shred-case", reference, "--organisation", organisation,
             "--reason", "RETENTION")
    unconfirmed = run(demo_dir, *shred, check=False)
    assert unconfirmed.returncode != 0 and "Aborted" in unconfirmed.stderr
    refused = run(demo_dir, *shred, "--yes", check=False)
    assert refused.returncode != 0 and "still being worked" in refused.stderr
    unknown = run(demo_dir, "keys", "shred-case", "HL-0000-0000", "--organisation",
                  organisation, "--reason", "RETENTION", "--yes", check=False)
    assert unknown.returncode != 0 and "no case with that reference" in unknown.stderr
    db = sqlite3.connect(demo_dir / "helpline.db")
    db.execute("UPDATE cases SET state = 'CLOSED' WHERE id = ?", (case_id,))
    db.commit()
    db.close()
    out = run(demo_dir, *shred, "--yes").stdout
    assert re.search(rf"case {reference} shredded: [1-9]\d* data keys destroyed", out)
    db = sqlite3.connect(demo_dir / "helpline.db")
    left = db.execute("SELECT count(*) FROM data_keys WHERE scope = ?", (f"case:{case_id}",))
    assert left.fetchone() == (0,)
    db.close()
    assert "already shredded" in run(demo_dir, *shred, "--yes").stdout


def test_audit_verify_passes_then_names_the_first_tampered_entry(demo_dir):
    assert "audit chain intact" in run(demo_dir, "audit", "verify").stdout
    db = sqlite3.connect(demo_dir / "helpline.db")
    db.execute("DROP TRIGGER audit_events_no_update")
    db.execute("UPDATE audit_events SET purpose = 'rewritten' WHERE seq = 3")
    db.commit()
    db.close()
    broken = run(demo_dir, "audit", "verify", check=False)
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
