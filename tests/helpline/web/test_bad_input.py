"""Bad input gets a clear 4xx, never a 500, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from helpline.models import AuditEvent, UserSession
from tests.conftest import csrf_from


async def _counts(world) -> tuple[int, int]:
    audit = await world.scalar(select(func.count()).select_from(AuditEvent))
    sessions = await world.scalar(select(func.count()).select_from(UserSession))
    return audit, sessions


async def test_unknown_route_is_a_plain_404_page(client):
    response = await client.get("/cases/../../etc/passwd")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.text and "Traceback" not in response.text


async def test_wrong_method_is_405(client):
    assert (await client.put("/login", content=b"x")).status_code == 405


async def test_a_405_allows_every_method_of_the_path_also_those_of_sibling_routes(client):
    # GET and POST of /api/v1/cases/{id}/persons are two routes (two permissions).
    for method in ("OPTIONS", "DELETE", "PATCH"):
        response = await client.request(method, "/api/v1/cases/x/persons")
        assert response.status_code == 405
        assert response.headers["allow"] == "GET, HEAD, POST"
        assert response.json() == {"error": "method_not_allowed"}
    response = await client.put("/api/v1/me")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


async def test_oversize_body_is_413_and_changes_nothing(client, world):
    before = await _counts(world)
    response = await client.post(
        "/login", content=b"a=" + b"x" * 2_000_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert await _counts(world) == before
    # The API answers in JSON, as its document says.
    api = await client.post("/api/v1/persons/search", content=b"{" + b" " * 2_000_000 + b"}",
                            headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.json() == {"error": "request_too_large"}
    # Under the server's limit but over the JSON reader's (see forms.MAX_JSON_BYTES).
    from helpline.models.users import Role
    from tests.helpline.api.test_api import _token

    officer = await world.user(await world.organisation(), Role.POLICE_CASE_OFFICER)
    secret, _ = await _token(world, officer.id)
    before = await _counts(world)
    api = await client.post("/api/v1/persons/search", content=b"{" + b" " * 800_000 + b"}",
                            headers={"content-type": "application/json",
                                     "authorization": f"Bearer {secret}"})
    assert api.status_code == 413 and api.json() == {"error": "request_too_large"}
    assert await _counts(world) == before


async def test_oversize_streamed_body_without_length_is_413(client):
    async def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = await client.post(
        "/login", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(("content_type", "body"), [
    ("application/json", b'{"email": "a"}'),
    ("text/plain", b"email=a"),
    ("multipart/form-data; boundary=zzz", b"--zzz\r\nbroken"),
    ("application/x-www-form-urlencoded", b"\xff\xfe=%%%"),
])
async def test_malformed_or_wrong_type_bodies_are_4xx(client, world, content_type, body):
    page = await client.get("/login")
    before = await _counts(world)
    response = await client.post(
        "/login", content=body,
        headers={"content-type": content_type, "x-csrf-token": csrf_from(page.text)},
    )
    assert 400 <= response.status_code < 500
    assert await _counts(world) == before


async def test_overlong_session_cookie_is_ignored(client):
    client.cookies.set("__Host-helpline-session", "x" * 5000, domain="testserver")
    response = await client.get("/start")
    assert response.status_code == 303


async def test_language_switch_refuses_foreign_redirects(client):
    page = await client.get("/login")
    response = await client.post(
        "/language",
        data={"language": "en", "next": "//evil.example/", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.parametrize("field", ["email", "password", "csrf_token"])
async def test_a_multipart_part_decoding_to_half_a_surrogate_pair_is_a_400(client, world, field):
    # Starlette decodes multipart parts in the charset the client names; in UTF-7 "+2AA-" is
    # U+D800 alone, which no database driver (nor argon2) can encode: it was a 500.
    page = await client.get("/login")
    values = {"email": "a@test.example", "password": "whatever-password",
              "csrf_token": csrf_from(page.text)}
    values[field] = "a+2AA-b"
    body = "".join(
        f'--B\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in values.items()
    ) + "--B--\r\n"
    before = await _counts(world)
    response = await client.post("/login", content=body.encode(), headers={
        "content-type": "multipart/form-data; boundary=B; charset=utf-7"})
    assert response.status_code == 400
    assert await _counts(world) == before
