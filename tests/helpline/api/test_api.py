"""The JSON API: personal access tokens (hashed, expiring, revocable, audited) and OpenAPI."""

from __future__ import annotations

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.auth import tokens
from helpline.models import ApiToken, AuditEvent, User
from helpline.models.users import Role


async def _token(world, user_id: str, days: int = 30) -> tuple[str, str]:
    async with world.sessions() as db, db.begin():
        user = await db.get(User, user_id)
        secret, row = await tokens.create_token(
            db, user=user, actor=None, name="test", expires_days=days, now=clock_module.now()
        )
        return secret, row.id


async def test_bearer_token_identifies_the_user(client, world, app):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    secret, _ = await _token(world, user.id)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.id and "cases:read" in body["permissions"]


async def test_token_is_stored_only_hashed_and_its_creation_audited(world, app):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    secret, token_id = await _token(world, user.id)
    stored = await world.scalars(select(ApiToken.token_hash))
    assert all(secret.encode() not in h for h in stored)
    actions = await world.scalars(select(AuditEvent.action).where(AuditEvent.object_id == token_id))
    assert actions == ["auth.token.created"]


async def test_missing_expired_revoked_or_garbage_tokens_get_401(client, world, app, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    assert (await client.get("/api/v1/me")).status_code == 401
    for header in ("Bearer hlp_nonsense", "Basic abc", "Bearer " + "x" * 500):
        assert (await client.get("/api/v1/me", headers={"Authorization": header})).status_code == 401
    secret, token_id = await _token(world, user.id, days=1)
    clock.advance(days=1, seconds=1)
    auth = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 401
    secret, token_id = await _token(world, user.id)
    auth = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 200
    async with world.sessions() as db, db.begin():
        assert await tokens.revoke_token(db, token_id=token_id, actor=None, now=clock.now())
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 401


async def test_session_cookie_does_not_authenticate_the_api(client, world):
    from tests.conftest import login

    org = await world.organisation()
    await login(client, await world.user(org, Role.POLICE_CASE_OFFICER))
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_openapi_document_is_valid_and_lists_the_api(client):
    from openapi_spec_validator import validate

    document = (await client.get("/api/v1/openapi.json")).json()
    validate(document)
    assert "/api/v1/me" in document["paths"]


async def test_api_errors_are_json(client):
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.json() == {"error": "not_found"}
