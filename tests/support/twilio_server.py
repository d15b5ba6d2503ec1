"""A fresh database with one police organisation answering a helpline number and one officer
on duty, for runs of the real server in a process of its own (the Twilio benchmark, the crash
loop). The set-up runs in a subprocess, with the same environment the server will get."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINE = "+46701740605"
DUTY = "+46701740620"

_SETUP = f"""
import asyncio
from datetime import timedelta
from helpline import clock, migrations
from helpline.app import create_app
from helpline.accounts import service as accounts
from helpline.audit import AuditContext
from helpline.calls import roster, telephony
from helpline.calls.schemas import ShiftForm
from helpline.calls.service import Deps
from helpline.db import session_factory
from helpline.models.org import OrganisationType
from helpline.models.users import Role
from helpline.settings import Settings

settings = Settings.from_environ()
migrations.upgrade(settings.database_url)

async def main():
    app = create_app(settings)
    async with session_factory(app.state.engine)() as db, db.begin():
        ctx = AuditContext(actor=None)
        org = await accounts.create_organisation(
            db, context=ctx, name="Line", type=OrganisationType.POLICE)
        officer = await accounts.create_user(
            db, context=ctx, organisation=org, email="duty@line.example",
            display_name="Duty Officer", role=Role.SUPERVISOR, password="duty-password-123456")
        await telephony.ensure_line(db, organisation_id=org.id, number={LINE!r})
        now = clock.now()
        deps = Deps(db=db, keys=app.state.keys, context=AuditContext(actor=officer), now=now)
        await roster.add_shift(deps, ShiftForm(values={{}}, errors={{}}, user_id=officer.id,
            phone={DUTY!r}, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1)))
    await app.state.engine.dispose()

asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environ_for(data_dir: Path, database_url: str, base_url: str, token: str) -> dict[str, str]:
    """This process's environment without any HELPLINE_ setting of its own, plus the server's."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    environ.update(
        PYTHONPATH=str(ROOT),
        HELPLINE_ENV="development",
        HELPLINE_DATA_DIR=str(data_dir),
        HELPLINE_DATABASE_URL=database_url,
        HELPLINE_PUBLIC_BASE_URL=base_url,
        HELPLINE_TWILIO_AUTH_TOKEN=token,
    )
    return environ


def prepare(environ: dict[str, str]) -> None:
    """Migrate the database and create the organisation, its line and the officer on duty."""
    subprocess.run([sys.executable, "-c", _SETUP], env=environ, cwd=ROOT, check=True)
