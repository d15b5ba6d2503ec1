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
        assert (
            await client.get("/api/v1/me", headers={"Authorization": header})
        ).status_code == 401
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


def test_bodies_and_queries_are_held_to_the_documented_schemas_with_a_code_per_field():
    from helpline.api import openapi

    openapi.register({"test:schema_codes": {
        "parameters": [{"name": "days", "in": "query",
                        "schema": {"type": "integer", "minimum": 0, "maximum": 9}},
                       {"name": "mine", "in": "query", "schema": {"enum": ["1", "0"]}}],
        "requestBody": openapi.json_body({
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": 5},
                "on": {"type": "string", "format": "date"},
                "kind": {"enum": ["A", "B"], "x-error": "unknown_kind"},
                "items": {"type": "array", "items": {"type": "string"}, "maxItems": 1},
                "maybe": {"type": ["string", "null"]},
            },
            "required": ["text", "kind"],
        }),
        "responses": {},
    }})
    errors = openapi.body_errors
    assert errors("test:schema_codes", {"text": "abc", "kind": "A"}) == {}
    assert errors("test:schema_codes", {"text": "abc", "kind": "A", "maybe": None}) == {}
    assert errors("test:schema_codes", {}) == {"text": "required", "kind": "required"}
    assert errors("test:schema_codes", {"text": "", "kind": "C", "on": "snart"}) == {
        "text": "required", "kind": "unknown_kind", "on": "invalid_date"}
    assert errors("test:schema_codes", {"text": 5, "kind": "A", "items": [1, "x"]}) == {
        "text": "invalid_type", "items": "invalid_type"}
    assert errors("test:schema_codes", {"text": "abcdef", "kind": "B", "extra": 1}) == {
        "text": "too_long", "extra": "not_allowed"}
    assert errors("test:schema_codes", {"text": "a", "kind": "A", "items": ["x", "y"]}) == {
        "items": "too_many"}
    assert errors("api:me", {"anything": 1}) == {}  # no request body documented
    query = openapi.query_errors
    assert query("test:schema_codes", [("days", "3"), ("mine", "1"), ("other", "x")]) == {}
    assert query("test:schema_codes", [("days", "x"), ("mine", "2")]) == {
        "days": "invalid_type", "mine": "invalid"}
    assert query("test:schema_codes", [("days", "10"), ("days", "1")]) == {
        "days": "out_of_range"}
    assert query("test:schema_codes", [("days", "1"), ("days", "1")]) == {"days": "repeated"}
    # No text holds U+0000 (PostgreSQL's text cannot); a choice is already held to its list.
    assert errors("test:schema_codes", {"text": "a\x00", "kind": "A", "items": ["\x00"],
                                        "maybe": "\x00"}) == {
        "text": "invalid_character", "items": "invalid_character", "maybe": "invalid_character"}
    assert query("test:schema_codes", [("mine", "1\x00")]) == {"mine": "invalid"}


def _strings(schema, where=()):  # type: ignore[no-untyped-def]
    """Every schema of type string inside a schema, with where it sits."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _strings(item, (*where, index))
    elif isinstance(schema, dict):
        kinds = schema.get("type")
        if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
            yield where, schema
        for key, value in schema.items():
            if key != "allOf":
                yield from _strings(value, (*where, key))


async def test_the_document_names_the_answers_of_the_shared_checks(client):
    document = (await client.get("/api/v1/openapi.json")).json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            answers = set(operation["responses"])
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= answers, (method, path)
            if any(p["in"] == "query" for p in operation.get("parameters", [])):
                assert "422" in answers, (method, path)
    assert "405" not in str(document["paths"]["/api/v1/me"])


async def test_the_document_says_no_request_text_may_hold_u0000(client):
    from helpline.api.openapi import NO_NUL

    document = (await client.get("/api/v1/openapi.json")).json()
    checked = 0
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            schemas = [operation.get("requestBody", {})]
            schemas += [p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"]
            for where, schema in _strings(schemas):
                if "enum" not in schema and "const" not in schema:
                    assert NO_NUL in schema.get("allOf", []), (method, path, where)
                    checked += 1
    assert checked > 50


async def test_every_refused_token_is_audited_with_why(client, world, app, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    expired, expired_id = await _token(world, user.id, days=1)
    revoked, revoked_id = await _token(world, user.id)
    async with world.sessions() as db, db.begin():
        assert await tokens.revoke_token(db, token_id=revoked_id, actor=None, now=clock.now())
    clock.advance(days=1, seconds=1)
    for secret in ("hlp_nonsense", expired, revoked):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401
    events = await world.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.token.rejected").order_by(
            AuditEvent.seq)
    )
    # A secret matching no token is logged only: anyone can send those, by the thousand.
    assert [(e.object_id, e.details["reason"], e.result) for e in events] == [
        (expired_id, "expired", "denied"), (revoked_id, "revoked", "denied"),
    ]
    assert all(secret not in str(e.details) for e in events for secret in (expired, revoked))
