"""Fixtures for the calls domain: an app with a Twilio auth token, signed webhook requests made
exactly as Twilio makes them, a helpline line mapped to a police organisation, duty shifts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from helpline import clock as clock_module
from helpline.audit import AuditContext
from helpline.calls import roster, telephony
from helpline.calls.schemas import ShiftForm
from helpline.calls.service import Deps
from helpline.models import AuditEvent, CallbackRequest, DataKeyRecord, HelplineCall, User
from helpline.models.calls import CallEvent
from helpline.models.users import Role
from tests.conftest import settings_for

try:  # the application's own database role, where the suite has one (row-level security)
    from tests.conftest import app_url_for
except ImportError:  # pragma: no cover

    def app_url_for(database_url: str) -> str:
        return database_url


TOKEN = "test-auth-token-0123456789abcdef"  # noqa: S105 - a test secret
LINE = "+46701740605"
CALLER = "+46701740611"


@pytest.fixture
def public_base_url() -> str:
    return "https://helpline.test"


@pytest.fixture
def twilio_token() -> str | None:
    return TOKEN


@pytest.fixture
async def app(
    database_url: str, tmp_path: Path, public_base_url: str, twilio_token: str | None
) -> AsyncIterator[object]:
    from helpline.app import create_app

    extra = {"HELPLINE_PUBLIC_BASE_URL": public_base_url}
    if twilio_token:
        extra["HELPLINE_TWILIO_AUTH_TOKEN"] = twilio_token
    application = create_app(settings_for(app_url_for(database_url), tmp_path / "data", **extra))
    yield application
    await application.state.engine.dispose()


def sessions_of(world):  # type: ignore[no-untyped-def]
    return getattr(world, "sessions", None) or world._sessions


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


def call_params(sid: str, **extra: str) -> dict[str, str]:
    params = {
        "AccountSid": "AC" + "0" * 32,
        "CallSid": sid,
        "From": CALLER,
        "To": LINE,
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v is not None}


def sign(url: str, params: dict[str, str] | list[tuple[str, str]], token: str = TOKEN) -> str:
    """The X-Twilio-Signature Twilio sends: computed by Twilio's own library."""
    from starlette.datastructures import MultiDict

    return RequestValidator(token).compute_signature(url, MultiDict(params))


async def post_signed(
    client: httpx.AsyncClient,
    path: str,
    params: dict[str, str] | list[tuple[str, str]],
    *,
    base: str = "https://helpline.test",
    token: str = TOKEN,
) -> httpx.Response:
    """A form POST with the raw body and signature exactly as Twilio sends them."""
    body = urlencode(params)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(base + path, params, token),
    }
    return await client.post(path, content=body.encode(), headers=headers)


@dataclass
class Setup:
    organisation: object
    officer: object
    supervisor: object


@pytest.fixture
async def line(world, app) -> Setup:  # type: ignore[no-untyped-def]
    """A police organisation answering LINE, with an officer and a supervisor."""
    organisation = await world.organisation()
    officer = await world.user(organisation, Role.POLICE_CASE_OFFICER)
    supervisor = await world.user(organisation, Role.SUPERVISOR)
    async with sessions_of(world)() as db, db.begin():
        await telephony.ensure_line(db, organisation_id=organisation.id, number=LINE)
    return Setup(organisation, officer, supervisor)


async def add_shift(  # type: ignore[no-untyped-def]
    world, app, *, by, officer_id: str, phone: str, starts: datetime, ends: datetime
) -> str:
    async with sessions_of(world)() as db, db.begin():
        actor = await db.get(User, by.id)
        deps = Deps(db=db, keys=app.state.keys, context=AuditContext(actor=actor),
                    now=clock_module.now())
        form = ShiftForm(values={}, errors={}, user_id=officer_id, phone=phone,
                         starts_at=starts, ends_at=ends)
        return (await roster.add_shift(deps, form)).id


async def on_duty(world, app, setup: Setup, phone: str, user_id: str | None = None) -> str:  # type: ignore[no-untyped-def]
    now = clock_module.now()
    return await add_shift(
        world, app, by=setup.supervisor, officer_id=user_id or setup.officer.id, phone=phone,
        starts=now - timedelta(hours=1), ends=now + timedelta(hours=8),
    )


async def counts(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows that a webhook could write: all must stay unchanged for a refused request."""
    result = {}
    for name, model in (
        ("calls", HelplineCall), ("events", CallEvent), ("callbacks", CallbackRequest),
        ("audit", AuditEvent), ("keys", DataKeyRecord),
    ):
        result[name] = await world.scalar(select(func.count()).select_from(model))
    return result
