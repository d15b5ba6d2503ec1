"""Crash loop (SECURITY.md: committed data lost or half-done after kill -9, on SQLite and
PostgreSQL: 0).

The real server (uvicorn, as ``helpline serve`` runs it) takes signed Twilio calls while it is
killed with SIGKILL at a random moment, several times over. After each restart: every call
that was answered 200 is in the database exactly once, with its data key and its audit event;
no call is there half (a row without its key or audit event); the audit chain verifies; on
SQLite, the file passes ``PRAGMA integrity_check``.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import _in_thread, _pg_admin, _pg_url, require
from tests.support.twilio_server import LINE, ROOT, environ_for, free_port, prepare

TOKEN = "crash-test-token-0123456789abcdef"
CYCLES = 4

CHECK = """
import asyncio, json, sys
from sqlalchemy import text
from helpline.db import create_engine
from helpline.settings import Settings

async def main():
    engine = create_engine(Settings.from_environ().database_url)
    async with engine.connect() as c:
        calls = (await c.execute(text(
            "SELECT call_sid, id, caller_number IS NOT NULL FROM helpline_calls"))).all()
        keys = {r[0] for r in (await c.execute(text(
            "SELECT scope FROM data_keys WHERE scope LIKE 'call:%'"))).all()}
        audited = {r[0] for r in (await c.execute(text(
            "SELECT object_id FROM audit_events WHERE action = 'call.received'"))).all()}
    await engine.dispose()
    print(json.dumps({"calls": [list(r) for r in calls], "keys": sorted(keys),
                      "audited": sorted(audited)}))

asyncio.run(main())
"""


def _start(environ: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "helpline.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=environ, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not become ready")


async def _calls_until_killed(
    base_url: str, process: subprocess.Popen[bytes], kill_after: float
) -> set[str]:
    """Signed new calls from four connections; SIGKILL mid-stream. Returns the acknowledged."""
    acknowledged: set[str] = set()
    validator = RequestValidator(TOKEN)
    stop = time.monotonic() + kill_after

    async def caller(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop + 1:
            sid = "CA" + uuid.uuid4().hex
            params = {"AccountSid": "AC" + "0" * 32, "CallSid": sid, "From": "+46701740611",
                      "To": LINE, "CallStatus": "ringing", "Direction": "inbound"}
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": validator.compute_signature(
                           base_url + "/twilio/voice", params)}
            try:
                response = await client.post(
                    "/twilio/voice", content=urlencode(params).encode(), headers=headers
                )
            except httpx.HTTPError:
                return  # the server is gone: this call's fate is unknown, and may go either way
            assert response.status_code == 200
            acknowledged.add(sid)

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        process.send_signal(signal.SIGKILL)

    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        await asyncio.gather(killer(), *(caller(client) for _ in range(4)))
    process.wait(timeout=10)
    return acknowledged


def _check(environ: dict[str, str]) -> dict[str, list[object]]:
    import json

    output = subprocess.run(
        [sys.executable, "-c", CHECK], env=environ, cwd=ROOT, check=True, capture_output=True,
        text=True,
    ).stdout
    result: dict[str, list[object]] = json.loads(output)
    return result


def _audit_verifies(environ: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "helpline.cli", "audit", "verify"], env=environ, cwd=ROOT,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'crash.db'}"
        return
    # A database of its own, used by the server as the administrator: this test is about
    # durability, the suite's other tests cover row-level security.
    name = f"helpline_test_crash_{os.getpid()}"
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    require(_in_thread(_pg_admin, drop, f'CREATE DATABASE "{name}"'), "PostgreSQL")
    yield _pg_url(name)
    _in_thread(_pg_admin, drop)


def test_kill_9_loses_no_acknowledged_call_and_leaves_none_half_written(
    crash_database_url: str, tmp_path: Path
) -> None:
    database_url = crash_database_url
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    environ = environ_for(tmp_path / "data", database_url, base_url, TOKEN)
    prepare(environ)
    acknowledged: set[str] = set()
    rng = random.Random(20261123)
    for _ in range(CYCLES):
        process = _start(environ, port)
        acknowledged |= asyncio.run(
            _calls_until_killed(base_url, process, kill_after=rng.uniform(0.4, 1.2))
        )
    process = _start(environ, port)  # and it starts again after the last kill
    process.terminate()
    process.wait(timeout=10)

    state = _check(environ)
    sids = [row[0] for row in state["calls"]]
    assert len(sids) == len(set(sids))
    assert acknowledged <= set(sids), "an answered call was lost"
    assert len(acknowledged) >= CYCLES  # the load really ran before each kill
    for _sid, call_id, has_number in state["calls"]:
        assert call_id in state["audited"], "a call without its audit event"
        assert (f"call:{call_id}" in state["keys"]) == bool(has_number), "a call without its key"
    _audit_verifies(environ)
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[1]
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
