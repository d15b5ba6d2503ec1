"""CSRF: every state-changing page request needs the token bound to this browser's cookie."""

from __future__ import annotations

from sqlalchemy import func, select

from helpline.models import AuditEvent, UserSession
from helpline.models.users import Role
from tests.conftest import csrf_from, login


async def _audit_count(world) -> int:
    return await world.scalar(select(func.count()).select_from(AuditEvent))


async def test_login_post_without_token_is_refused_and_writes_nothing(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await client.get("/login")
    before = await _audit_count(world)
    response = await client.post("/login", data={"email": user.email, "password": user.password})
    assert response.status_code == 403
    assert await _audit_count(world) == before
    assert await world.scalar(select(func.count()).select_from(UserSession)) == 0


async def test_token_from_another_browser_is_refused(client, world, app):
    import httpx

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as attacker:
        foreign_token = csrf_from((await attacker.get("/login")).text)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": foreign_token},
    )
    assert response.status_code == 403


async def test_logout_without_token_keeps_the_session(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    assert (await client.post("/logout", data={})).status_code == 403
    assert (await client.get("/start")).status_code == 200


async def test_token_in_header_is_accepted(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    token = csrf_from((await client.get("/start")).text)
    response = await client.post("/logout", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


async def test_sign_in_replaces_the_csrf_cookie(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    before = csrf_from((await client.get("/login")).text)
    await login(client, user)
    after = csrf_from((await client.get("/start")).text)
    assert before != after


async def test_a_token_holding_non_ascii_is_refused_not_a_server_error(client, world):
    # hmac.compare_digest raises TypeError on str holding non-ASCII: a 500 before the fix,
    # on every state-changing page, sign-in included. Starlette decodes headers as latin-1.
    await client.get("/login")
    before = await _audit_count(world)
    form = await client.post(
        "/login", data={"email": "a@test.example", "password": "x" * 12, "csrf_token": "é" * 64}
    )
    header = await client.post(
        "/login", data={"email": "a@test.example", "password": "x" * 12},
        headers={"x-csrf-token": b"\xe9" * 64},
    )
    assert form.status_code == header.status_code == 403
    assert await _audit_count(world) == before
