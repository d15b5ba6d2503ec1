"""Webhook authenticity: the signed fixture matrix, forgeries, and malformed input.

Signatures are computed by Twilio's own library over the URL Twilio would request (our public
base URL + path + query), and bodies are sent raw, form-encoded, as Twilio sends them.
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from helpline.calls.twilio import base_url_forms, canonical_url
from helpline.models import HelplineCall
from helpline.routes import ROUTES
from tests.helpline.calls.conftest import (
    TOKEN,
    call_params,
    counts,
    new_sid,
    post_signed,
    sign,
)

QUERIES = [
    "",
    "line=it's",
    "a=1+2&b=one+two",
    "who=x@example.org&at=12:30",
    "q=hello%20world&r=a+b",
    "mix=it's+a%20test@host:443&empty=",
]
BASES = ["https://helpline.test", "https://helpline.test:8443"]


def _path(query: str) -> str:
    return "/twilio/voice" + ("?" + query if query else "")


async def _send(client, method, path, params, signature) -> httpx.Response:  # type: ignore[no-untyped-def]
    headers = {"X-Twilio-Signature": signature} if signature is not None else {}
    if method == "GET":
        return await client.get(path, headers=headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return await client.post(path, content=urlencode(params).encode(), headers=headers)


@pytest.mark.parametrize("public_base_url", BASES)
@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_signed_webhooks_are_accepted(client, world, line, public_base_url, method):
    for query in QUERIES:
        sid = new_sid()
        params = call_params(sid)
        if method == "GET":  # Twilio puts the parameters in the query and signs the URL alone
            path = _path("&".join(filter(None, [query, urlencode(params)])))
            signature = sign(public_base_url + path, {})
        else:
            path = _path(query)
            signature = sign(public_base_url + path, params)
        assert httpx.URL("https://x" + path).raw_path.decode() == path  # sent exactly as signed
        response = await _send(client, method, path, params, signature)
        assert response.status_code == 200, query
        assert "<Response>" in response.text
        assert await world.scalar(select(HelplineCall.id).where(HelplineCall.call_sid == sid))


@pytest.mark.parametrize(
    "public_base_url",
    ["https://helpline.test", "https://helpline.test:8443", "http://helpline.test"],
)
async def test_a_signature_is_accepted_exactly_when_twilios_own_validate_accepts_it(
    client, world, line, public_base_url
):
    """Twilio signs the public URL with or without its port; we sign the configured base's two
    forms ourselves (with the library's HMAC), so compare with the library's ``validate``."""
    signed_forms = [
        "https://helpline.test", "https://helpline.test:443", "https://helpline.test:8443",
        "http://helpline.test", "http://helpline.test:80", "https://elsewhere.test:443",
    ]
    path = "/twilio/voice?who=x@y:z"
    accepted = 0
    for form in signed_forms:
        sid = new_sid()
        params = call_params(sid)
        signature = sign(form + path, params)
        twilio_says = RequestValidator(TOKEN).validate(public_base_url + path, params, signature)
        response = await _send(client, "POST", path, params, signature)
        assert response.status_code == (200 if twilio_says else 403), form
        recorded = await world.scalar(select(HelplineCall.id).where(HelplineCall.call_sid == sid))
        assert bool(recorded) == twilio_says, form
        accepted += twilio_says
    assert accepted == 2  # each base has exactly two forms among those signed


def test_the_base_url_forms_are_as_configured_then_with_the_port_added_or_removed():
    assert base_url_forms("https://helpline.test") == (
        "https://helpline.test", "https://helpline.test:443"
    )
    assert base_url_forms("https://helpline.test:8443/prefix") == (
        "https://helpline.test:8443/prefix", "https://helpline.test/prefix"
    )
    assert base_url_forms("http://helpline.test:80") == (
        "http://helpline.test:80", "http://helpline.test"
    )


async def test_behind_a_tls_terminating_proxy_the_public_url_counts_not_the_host_header(
    app, world, line
):
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    # The proxy forwards plain http to an internal address and passes on a Host header.
    async with httpx.AsyncClient(transport=transport, base_url="http://10.0.0.7:8000") as inner:
        params = call_params(new_sid())
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Host": "attacker.example",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "attacker.example",
        }
        body = urlencode(params).encode()
        public = sign("https://helpline.test/twilio/voice", params)
        ok = await inner.post(
            "/twilio/voice", content=body, headers={**headers, "X-Twilio-Signature": public}
        )
        assert ok.status_code == 200
        before = await counts(world)
        for seen_url in ("http://10.0.0.7:8000/twilio/voice", "https://attacker.example/twilio/voice"):
            forged = sign(seen_url, {**params, "CallSid": new_sid()})
            bad = await inner.post(
                "/twilio/voice",
                content=urlencode({**params, "CallSid": new_sid()}).encode(),
                headers={**headers, "X-Twilio-Signature": forged},
            )
            assert bad.status_code == 403
        assert await counts(world) == before


def _refusals() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [
        ("missing header", {"signature": None}),
        ("empty header", {"signature": ""}),
        ("forged signature", {"signature": "bm90IGEgc2lnbmF0dXJl"}),
        ("wrong token", {"token": "another-token"}),
        ("altered parameter", {"alter": ("From", "+46701740612")}),
        ("added parameter", {"alter": ("Extra", "1")}),
        ("other path", {"signed_path": "/twilio/voice/elsewhere"}),
        ("other host", {"signed_base": "https://elsewhere.example"}),
        ("http instead of https", {"signed_base": "http://helpline.test"}),
    ]


async def test_unauthentic_webhooks_get_403_with_no_body_and_write_nothing(client, world, line):
    before = await counts(world)
    for case, how in _refusals():
        params = call_params(new_sid())
        base = how.get("signed_base", "https://helpline.test")
        signature = sign(
            base + how.get("signed_path", "/twilio/voice"), params, how.get("token", TOKEN)
        )
        if "signature" in how:
            signature = how["signature"]
        if "alter" in how:
            name, value = how["alter"]
            params = {**params, name: value}
        for path in ("/twilio/voice", "/twilio/voice/status", "/twilio/voice/gather"):
            response = await _send(client, "POST", path, params, signature)
            assert response.status_code == 403 and response.content == b"", (case, path)
    assert await counts(world) == before


@pytest.mark.parametrize("twilio_token", [None])
async def test_without_an_auth_token_every_webhook_is_refused(client, world, line):
    before = await counts(world)
    for path in ("/twilio/voice", "/twilio/voice/status", "/twilio/voice/gather"):
        response = await post_signed(client, path, call_params(new_sid()))
        assert response.status_code == 403 and response.content == b""
    assert await counts(world) == before


async def _raw(  # type: ignore[no-untyped-def]
    client, body: bytes, *, sign_params=None, content_type="application/x-www-form-urlencoded"
):
    signature = sign("https://helpline.test/twilio/voice", sign_params or {})
    headers = {"Content-Type": content_type, "X-Twilio-Signature": signature}
    return await client.post("/twilio/voice", content=body, headers=headers)


async def test_malformed_or_oversize_bodies_are_4xx_never_500_and_write_nothing(
    client, world, line
):
    before = await counts(world)
    params = call_params(new_sid())
    body = urlencode(params).encode()
    cases = [
        await _raw(client, b"CallSid=%ff%fe&To=%2B46", sign_params={"CallSid": "\ufffd\ufffd"}),
        await _raw(client, b"\xff\xfe=\x00", sign_params={}),
        await _raw(client, body, sign_params=params, content_type="application/json"),
        await _raw(client, body, sign_params=params,
                   content_type="multipart/form-data; boundary=x"),
        await _raw(client, b"a=" + b"x" * 70_000, sign_params={"a": "x" * 70_000}),
        await _raw(client, b"&".join(b"p%d=1" % i for i in range(150)),
                   sign_params={f"p{i}": "1" for i in range(150)}),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500 and response.content == b""
    assert await counts(world) == before


async def test_signed_but_incomplete_or_ambiguous_parameters_are_400_and_write_nothing(
    client, world, line
):
    before = await counts(world)
    sid = new_sid()
    bad = [
        {k: v for k, v in call_params(sid).items() if k != "CallSid"},
        {k: v for k, v in call_params(sid).items() if k != "To"},
        call_params("not-a-call-sid"),
        call_params("CA" + "Z" * 32),
        [*call_params(sid).items(), ("CallSid", new_sid())],  # duplicated, different values
        [*call_params(sid).items(), ("To", "+46701740600")],
    ]
    for params in bad:
        response = await post_signed(client, "/twilio/voice", params)
        assert response.status_code == 400 and response.content == b""
    assert await counts(world) == before
    # The same parameter repeated with the same value is not ambiguous.
    same = [*call_params(sid).items(), ("CallSid", sid)]
    assert (await post_signed(client, "/twilio/voice", same)).status_code == 200


async def test_other_methods_are_refused_without_detail(client):
    response = await client.put("/twilio/voice", content=b"x")
    assert response.status_code == 405 and response.content == b""


def test_the_canonical_url_uses_the_configured_base_raw_path_and_raw_query_only():
    scope = {
        "path": "/twilio/voice",
        "raw_path": b"/twilio/voice",
        "query_string": b"a=it's&b=1+2&c=x@y:z&d=%20",
        "headers": [(b"host", b"attacker.example")],
    }
    expected = "https://helpline.test:8443/twilio/voice?a=it's&b=1+2&c=x@y:z&d=%20"
    assert canonical_url("https://helpline.test:8443", scope) == expected
    # Servers that put the query into raw_path too (some ASGI servers do) give the same URL.
    assert canonical_url(
        "https://helpline.test:8443", {**scope, "raw_path": b"/twilio/voice?zzz"}
    ) == expected
    # Encoded characters in the path stay as Twilio sent them.
    assert canonical_url(
        "https://h.test", {"raw_path": b"/twilio/v%6Fice", "query_string": b""}
    ) == "https://h.test/twilio/v%6Fice"


def test_every_twilio_route_is_signature_checked_and_no_other_route_is():
    twilio_routes = {r.name for r in ROUTES if getattr(r, "path", "").startswith("/twilio/")}
    signed = {r.name for r in ROUTES if getattr(r, "twilio_signed", False)}
    assert twilio_routes == signed == {
        "twilio:voice", "twilio:status", "twilio:dial_result", "twilio:gather"
    }
