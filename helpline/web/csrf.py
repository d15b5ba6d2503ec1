"""CSRF protection: a signed double-submit token (OWASP's recommended variant).

Each browser gets a random value in a ``__Host-`` cookie (HttpOnly, Secure, SameSite=Strict);
forms carry HMAC(key, value). A cross-origin attacker can neither read the cookie nor compute
the HMAC. The cookie value is replaced at sign-in and sign-out, so a token never outlives a login.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from helpline.web.forms import FORM_TYPES, read_form

CSRF_COOKIE = "__Host-helpline-csrf"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_for(key: bytes, cookie_value: str) -> str:
    return hmac.new(key, b"csrf\x00" + cookie_value.encode(), hashlib.sha256).hexdigest()


def prepare(request: Request, key: bytes) -> None:
    """Make sure the request has a cookie value and the matching form token for templates."""
    value = request.cookies.get(CSRF_COOKIE, "")
    if not (20 <= len(value) <= 100):
        value = secrets.token_urlsafe(32)
        request.state.csrf_cookie_to_set = value
    request.state.csrf_cookie = value
    request.state.csrf_token = token_for(key, value)


def rotate(request: Request, key: bytes) -> None:
    value = secrets.token_urlsafe(32)
    request.state.csrf_cookie_to_set = value
    request.state.csrf_cookie = value
    request.state.csrf_token = token_for(key, value)


async def check(request: Request, key: bytes) -> None:
    """Refuse a state-changing request without a valid token (403, nothing written)."""
    given = request.headers.get(HEADER, "")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(FORM_TYPES):
            form = await read_form(request)
            value = form.get(FORM_FIELD)
            given = value if isinstance(value, str) else ""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    # Compared as bytes: compare_digest refuses str holding anything but ASCII (a TypeError,
    # so a 500), and a token from a form or a header can hold anything.
    if not cookie or not given or not hmac.compare_digest(
        token_for(key, cookie).encode(), given.encode("utf-8", "surrogatepass")
    ):
        raise HTTPException(status_code=403, detail="csrf")


def apply_cookie(request: Request, response: Response, *, secure: bool) -> None:
    value = getattr(request.state, "csrf_cookie_to_set", None)
    if value:
        response.set_cookie(
            CSRF_COOKIE, value, httponly=True, secure=secure, samesite="strict", path="/"
        )
