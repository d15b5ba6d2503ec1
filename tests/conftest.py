"""Shared fixtures: both database engines through one fixture, an app per test, a fake clock.

Every test that uses ``app`` runs twice: on SQLite (the embedded default) and on a real
PostgreSQL. Each test gets a fresh database copied from a migrated template, so tests never see
each other's rows. Under CI (``CI=true``) a missing PostgreSQL or browser fails the run instead
of skipping.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import httpx
import pyotp
import pytest

from helpline import clock as clock_module
from helpline import migrations
from helpline.clock import SWEDEN
from helpline.db import session_factory
from helpline.settings import Settings

IN_CI = os.environ.get("CI") == "true"
PG_ADMIN_DSN = os.environ.get("HELPLINE_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
# One template per test process: concurrent runs (CI, developers) never share or drop another's.
PG_TEMPLATE = f"helpline_test_template_{os.getpid()}"
PG_APP_ROLE = "helpline_app_test"
ENGINES = ("sqlite", "postgresql")


def require(available: bool, what: str) -> None:
    """Skip locally when a real dependency is missing; under CI that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI but is not available")
    pytest.skip(f"{what} is not available")


def assert_test_database(url: str) -> None:
    # Refuse anything that does not look like a throwaway test database (warehouse's habit).
    name = url.rsplit("/", 1)[-1]
    if "test" not in name:
        raise RuntimeError(f"refusing to run tests against {name!r}: not a test database")


def _pg_url(database: str, *, user: str | None = None) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    if user:
        base = re.sub(r"://[^@/]*@", f"://{user}@", base)
    return f"{base}/{database}"


def app_url_for(database_url: str) -> str:
    """The URL the application uses: on PostgreSQL the unprivileged application role."""
    if not database_url.startswith("postgresql"):
        return database_url
    return _pg_url(database_url.rsplit("/", 1)[-1], user=PG_APP_ROLE)


async def _pg_admin(*statements: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def _in_thread(coroutine_function, *args) -> bool:  # type: ignore[no-untyped-def]
    """Run admin work on its own loop in a thread (fixtures may be inside the test loop)."""

    def work() -> bool:
        try:
            asyncio.run(coroutine_function(*args))
        except OSError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    require(_in_thread(_pg_admin, "SELECT 1"), "PostgreSQL on 127.0.0.1:5432")
    _in_thread(
        _pg_admin,
        f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)',
        f'CREATE DATABASE "{PG_TEMPLATE}"',
    )
    migrations.upgrade(_pg_url(PG_TEMPLATE))
    # The application's login role: a member of helpline_app (made by the migrations) that
    # neither owns the tables nor bypasses row-level security, as in production.
    _in_thread(
        _pg_admin,
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_APP_ROLE}') THEN "
        f"CREATE ROLE {PG_APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS IN ROLE helpline_app; "
        "END IF; END $$",
    )
    yield PG_TEMPLATE
    _in_thread(_pg_admin, f'DROP DATABASE IF EXISTS "{PG_TEMPLATE}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    engine_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    if engine_kind == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "helpline_test.db"
        shutil.copyfile(template, target)
        url = f"sqlite+aiosqlite:///{target}"
        assert_test_database(url)
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name = f"helpline_test_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = _pg_url(name)
    assert_test_database(url)
    try:
        yield url
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class FakeClock:
    """Frozen time that tests move forward explicitly."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)

    def to_swedish_hour(self, hour: int) -> None:
        """Move forward to the next hour:00:01 on Sweden's wall clock, for a test whose dates
        must not depend on when it runs (an hour's advance from 23:30 is tomorrow in Sweden).
        Sweden's offsets are whole hours, so this stays just after a TOTP step boundary."""
        local = self.current.astimezone(SWEDEN)
        target = local.replace(hour=hour, minute=0, second=1, microsecond=0)
        if target <= local:
            target = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=1)
        self.current = target.astimezone(UTC)


def clock_start() -> datetime:
    """Real time, or the moment HELPLINE_TEST_CLOCK_START names: an ISO 8601 time with an
    offset, or one of DST_NIGHTS (the next such night, so cookies and tokens stay in the
    future). A date test that assumes 24 hours is one Swedish date fails on those nights."""
    start = os.environ.get("HELPLINE_TEST_CLOCK_START")
    now = datetime.now(UTC).replace(microsecond=0)
    if not start:
        return now
    if start in DST_NIGHTS:
        return next_dst_night(start, after=now)
    return datetime.fromisoformat(start).astimezone(UTC)


# Sweden changes clocks on the last Sundays of March (02:00 -> 03:00) and October (03:00 -> 02:00).
# "spring": 23:59:01 the evening before, so that 24 hours later is two dates on;
# "autumn": 00:30:01 on the Sunday itself, so that 24 hours later is the same date.
DST_NIGHTS = {"dst-spring": (3, -1, time(23, 59, 1)), "dst-autumn": (10, 0, time(0, 30, 1))}


def next_dst_night(name: str, after: datetime) -> datetime:
    month, day_offset, wall_time = DST_NIGHTS[name]
    for year in (after.year, after.year + 1):
        last_day = date(year, month, 31)
        sunday = last_day - timedelta(days=(last_day.weekday() + 1) % 7)
        moment = datetime.combine(sunday + timedelta(days=day_offset), wall_time, SWEDEN)
        if moment > after:
            return moment.astimezone(UTC)
    raise AssertionError("unreachable: a DST night comes every year")


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    # Start just after a TOTP step boundary so a test has a whole 30 s step to work in.
    now = clock_start()
    fake = FakeClock(now - timedelta(seconds=now.second % 30) + timedelta(seconds=1))
    monkeypatch.setattr(clock_module, "now", fake.now)
    return fake


@pytest.fixture
def swedish_midday(clock: FakeClock) -> FakeClock:
    """For tests of Swedish dates that advance the clock 24 hours at a time: from midday that is
    one date on on any night, even at a daylight-saving change (from 23:30 it may be two, or
    none), and an advance of a few hours stays on the same date."""
    clock.to_swedish_hour(12)
    return clock


def settings_for(database_url: str, data_dir: Path, **extra: str) -> Settings:
    environ = {
        "HELPLINE_ENV": "development",
        "HELPLINE_DATA_DIR": str(data_dir),
        "HELPLINE_DATABASE_URL": database_url,
        "HELPLINE_PUBLIC_BASE_URL": "https://helpline.test",
        **extra,
    }
    return Settings.from_environ(environ)


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[object]:
    from helpline.app import create_app

    application = create_app(settings_for(app_url_for(database_url), tmp_path / "data"))
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as c:
        yield c


@dataclass
class TestUser:
    id: str
    email: str
    password: str
    totp_secret: str | None
    organisation_id: str


class World:
    """Creates organisations and users directly through the services, committed."""

    PASSWORD = "correct horse battery staple"

    def __init__(self, app: object, admin_engine: object) -> None:
        self.app = app
        self.sessions = session_factory(admin_engine)  # type: ignore[arg-type]

    async def organisation(self, name: str | None = None, *, kommunkod: str | None = None):  # type: ignore[no-untyped-def]
        from helpline.accounts import service as accounts
        from helpline.audit import AuditContext
        from helpline.models.org import OrganisationType

        kind = OrganisationType.MUNICIPAL_SOCIAL_SERVICES if kommunkod else OrganisationType.POLICE
        async with self.sessions() as db, db.begin():
            return await accounts.create_organisation(
                db, context=AuditContext(actor=None), name=name or f"Org {uuid.uuid4().hex[:8]}",
                type=kind, kommunkod=kommunkod,
            )

    async def user(self, organisation, role, *, enrolled: bool = True) -> TestUser:  # type: ignore[no-untyped-def]
        from helpline.accounts import service as accounts
        from helpline.audit import AuditContext

        email = f"u{uuid.uuid4().hex[:10]}@test.example"
        secret = pyotp.random_base32(length=32) if enrolled else None
        async with self.sessions() as db, db.begin():
            org = await db.merge(organisation)
            user = await accounts.create_user(
                db, context=AuditContext(actor=None), organisation=org, email=email,
                display_name="Test Person", role=role, password=self.PASSWORD,
            )
            if secret:
                await accounts.set_totp_secret(
                    db, keys=self.app.state.keys, user=user, secret=secret, enrolled=True  # type: ignore[attr-defined]
                )
            return TestUser(user.id, email, self.PASSWORD, secret, org.id)

    async def bearer(self, user_id: str) -> dict[str, str]:
        """The Authorization header of a new personal access token of the user (one day)."""
        from helpline import clock as clock_module
        from helpline.auth import tokens
        from helpline.models import User

        async with self.sessions() as db, db.begin():
            secret, _ = await tokens.create_token(
                db, user=await db.get(User, user_id), actor=None, name="test", expires_days=1,
                now=clock_module.now())
        return {"Authorization": f"Bearer {secret}"}

    async def scalar(self, statement):  # type: ignore[no-untyped-def]
        async with self.sessions() as db:
            return (await db.execute(statement)).scalar()

    async def scalars(self, statement):  # type: ignore[no-untyped-def]
        async with self.sessions() as db:
            return list((await db.execute(statement)).scalars().all())


@pytest.fixture
async def admin_engine(database_url: str) -> AsyncIterator[object]:
    """The schema owner's engine: for setting up and inspecting, never for the app's own work."""
    from helpline.db import create_engine

    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def world(app: object, admin_engine: object) -> World:
    return World(app, admin_engine)


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def code_for(secret: str) -> str:
    return pyotp.TOTP(secret).at(clock_module.now())


async def login(client: httpx.AsyncClient, user: TestUser, clock: FakeClock | None = None) -> None:
    """Password, then second factor; leaves the client signed in."""
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303, response.text
    page = await client.get("/login/second-factor")
    assert user.totp_secret
    response = await client.post(
        "/login/second-factor",
        data={"code": code_for(user.totp_secret), "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("/start")
