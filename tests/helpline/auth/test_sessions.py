"""Server-side sessions: cookie flags, hashed storage, rotation, idle/absolute expiry, logout."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from helpline.auth.sessions import COOKIE_NAME
from helpline.models import User, UserSession
from helpline.models.users import Role
from tests.conftest import code_for, csrf_from, login


def _set_cookie_headers(response) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie"]


async def test_session_cookie_is_host_prefixed_secure_httponly_strict(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    cookie = next(c for c in _set_cookie_headers(response) if c.startswith(COOKIE_NAME + "="))
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite", "path"} <= attributes
    assert "samesite=strict" in cookie.lower() and "path=/" in cookie.lower()
    assert "domain" not in attributes


async def test_only_a_hash_of_the_token_is_stored(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    token = client.cookies[COOKIE_NAME]
    hashes = await world.scalars(select(UserSession.token_hash))
    assert hashlib.sha256(token.encode()).digest() in hashes
    assert all(token.encode() not in h for h in hashes)


async def test_sign_in_rotates_the_token_and_revokes_the_pre_session(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    page = await client.get("/login")
    await client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)},
    )
    pre_token = client.cookies[COOKIE_NAME]
    page = await client.get("/login/second-factor")
    await client.post(
        "/login/second-factor",
        data={"code": code_for(user.totp_secret), "csrf_token": csrf_from(page.text)},
    )
    assert client.cookies[COOKIE_NAME] != pre_token
    assert (await client.get("/start")).status_code == 200
    rows = await world.scalars(select(UserSession).where(UserSession.user_id == user.id))
    pre = next(r for r in rows if r.token_hash == hashlib.sha256(pre_token.encode()).digest())
    assert pre.revoked_at is not None


async def test_idle_session_expires_after_15_minutes(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    clock.advance(minutes=14)
    assert (await client.get("/start")).status_code == 200
    clock.advance(minutes=15, seconds=1)
    assert (await client.get("/start")).status_code == 303


async def test_a_page_reloading_itself_does_not_keep_an_idle_session_alive(
    client, world, clock
):
    """The call list reloads every minute (static/calls.js, with refresh=auto): an open tab on
    an unattended screen must still sign out after 15 idle minutes."""
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    for _ in range(14):
        clock.advance(minutes=1)
        assert (await client.get("/calls", params={"refresh": "auto"})).status_code == 200
    clock.advance(minutes=1, seconds=1)
    response = await client.get("/calls", params={"refresh": "auto"})
    assert response.status_code == 303 and "/login" in response.headers["location"]
    # The officer's own requests (no refresh=auto) do count as activity.
    clock.advance(seconds=30)  # a new TOTP step
    await login(client, user)
    for _ in range(20):
        clock.advance(minutes=1)
        assert (await client.get("/calls")).status_code == 200
    static = (await client.get("/static/calls.js")).text
    assert 'searchParams.set("refresh", "auto")' in static


async def test_active_session_ends_after_8_hours(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    for _ in range(47):  # every 10 minutes for 7 h 50 min: never idle
        clock.advance(minutes=10)
        assert (await client.get("/start")).status_code == 200
    clock.advance(minutes=10)
    assert (await client.get("/start")).status_code == 303


async def test_logout_revokes_the_session_for_replayed_cookies(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    token = client.cookies[COOKIE_NAME]
    home = await client.get("/start")
    response = await client.post("/logout", data={"csrf_token": csrf_from(home.text)})
    assert response.status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, token, domain="testserver")
    assert (await client.get("/start")).status_code == 303


async def test_disabling_a_user_ends_their_sessions(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    async with world.sessions() as db, db.begin():
        row = await db.get(User, user.id)
        row.disabled_at = clock.now()
    assert (await client.get("/start")).status_code == 303


async def test_signing_in_again_in_the_same_browser_ends_the_old_session(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    old_token = client.cookies[COOKIE_NAME]
    page = await client.get("/start")
    await client.post("/login", data={
        "email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)})
    rows = await world.scalars(select(UserSession).where(UserSession.user_id == user.id))
    old = next(r for r in rows if r.token_hash == hashlib.sha256(old_token.encode()).digest())
    assert old.revoked_at is not None
    client.cookies.set(COOKIE_NAME, old_token, domain="testserver")
    assert (await client.get("/start")).status_code == 303


async def test_one_pre_session_completed_twice_at_once_makes_one_full_session(world, app, clock):
    """On PostgreSQL two submissions of one pre-session run side by side: the second waits for
    the first's lock on the user, then (without reading the pre-session again) accepted a code
    of the next time step and made a second full session. Interleaved here by hand, as two
    transactions whose reads of the pre-session precede the other's commit."""
    from datetime import timedelta

    import pyotp

    from helpline import rls
    from helpline.audit import AuditContext
    from helpline.auth import service as auth_service
    from helpline.auth import sessions as auth_sessions
    from helpline.db import session_factory

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    sessions = session_factory(app.state.engine)
    deps = lambda db: auth_service.AuthDeps(  # noqa: E731
        db=db, keys=app.state.keys, policy=app.state.session_policy,
        context=AuditContext(actor=None))
    async with sessions() as db, db.begin():
        await rls.allow_identity_lookup(db)  # as sign-in does (PostgreSQL's row security)
        row = await db.get(User, user.id)
        token = await auth_service.begin_second_factor(deps(db), row, now=clock.now())
    now = clock.now()
    totp = pyotp.TOTP(user.totp_secret)
    earlier, later = totp.at(now - timedelta(seconds=30)), totp.at(now)
    async with sessions() as second_db:
        async with second_db.begin():  # the second request has read the pre-session
            await rls.allow_identity_lookup(second_db)
            second = await auth_sessions.resolve(
                second_db, token, now=now, policy=app.state.session_policy)
        async with sessions() as first_db, first_db.begin():
            await rls.allow_identity_lookup(first_db)
            first = await auth_sessions.resolve(
                first_db, token, now=now, policy=app.state.session_policy)
            assert await auth_service.complete_second_factor(
                deps(first_db), first, code=earlier, now=now)
        async with second_db.begin():
            await rls.allow_identity_lookup(second_db)
            again = await auth_service.complete_second_factor(
                deps(second_db), second, code=later, now=now)
    assert again is None
    full = await world.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.stage == auth_sessions.STAGE_FULL))
    assert len(full) == 1
