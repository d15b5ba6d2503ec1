"""Security headers and a strict nonce-based CSP on every route, errors included."""

from __future__ import annotations

import re

from starlette.routing import Mount

from helpline.models.users import Role
from helpline.routes import ROUTES
from tests.conftest import login

EXPECTED = {
    "strict-transport-security": "max-age=63072000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def _get_paths() -> list[str]:
    paths = [r.path for r in ROUTES if not isinstance(r, Mount) and "GET" in r.methods]
    return sorted(set(paths)) + ["/no-such-page", "/static/app.css", "/static/missing.css"]


def _check(response) -> str:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "http:" not in csp and "https:" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    if not str(response.url).endswith(".css"):
        assert response.headers["cache-control"] == "no-store"
    assert "server" not in response.headers
    return nonce


async def test_every_get_route_has_the_headers_signed_out_and_in(client, world):
    org = await world.organisation()
    await login(client, await world.user(org, Role.AUDITOR))
    nonces = set()
    for path in _get_paths():
        nonces.add(_check(await client.get(path)))
    client.cookies.clear()
    for path in _get_paths():
        nonces.add(_check(await client.get(path)))
    assert len(nonces) == 2 * len(_get_paths())  # a fresh nonce on every response


async def test_pages_contain_no_inline_script_or_style(client):
    html = (await client.get("/login")).text
    assert "<script" not in html and "style=" not in html and "<style" not in html


async def test_headers_an_endpoint_sets_itself_are_replaced_not_doubled():
    import httpx
    from starlette.responses import Response

    from helpline.web.middleware import SecurityHeadersMiddleware

    async def endpoint(scope, receive, send):  # type: ignore[no-untyped-def]
        response = Response(
            "x", headers={"Cache-Control": "public", "Server": "leaky/1.0", "X-Kept": "yes"}
        )
        await response(scope, receive, send)

    transport = httpx.ASGITransport(app=SecurityHeadersMiddleware(endpoint))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get("/page")
    assert response.headers.get_list("cache-control") == ["no-store"]
    assert response.headers["x-kept"] == "yes"
    _check(response)


async def test_an_unhandled_error_has_the_headers_too_and_says_only_its_reference(app):
    """Starlette answers a 500 from its outermost middleware, past SecurityHeadersMiddleware."""
    import httpx
    from starlette.routing import Route

    async def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("Kanarie Canarysson, Storgatan 1")

    app.router.routes.insert(0, Route("/boom", boom))  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="https://helpline.test") as c:
        for accept in ("text/html", "application/json"):
            response = await c.get("/boom", headers={"Accept": accept})
            assert response.status_code == 500
            _check(response)
            assert "Canarysson" not in response.text
            assert response.headers["x-request-id"] in response.text
