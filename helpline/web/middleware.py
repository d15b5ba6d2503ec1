"""Pure ASGI middleware: request ids, security headers with a per-response CSP nonce, body limit."""

from __future__ import annotations

import secrets
import uuid

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'none'",
            f"script-src 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


STATIC_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


_STATIC_RAW = [(name.lower().encode(), value.encode()) for name, value in STATIC_HEADERS.items()]
# Headers this middleware decides: any the app set are replaced (and a server banner dropped).
_REPLACED = frozenset(
    {name for name, _ in _STATIC_RAW}
    | {b"content-security-policy", b"x-request-id", b"cache-control", b"server"}
)
_NO_STORE, _CACHE_STATIC = b"no-store", b"public, max-age=3600"


def error_headers(state: object) -> dict[str, str]:
    """The same headers for a 500, which Starlette sends from its outermost middleware, past
    this one: the request's id and nonce, and no-store."""
    nonce = getattr(state, "csp_nonce", None) or secrets.token_urlsafe(18)
    headers = {
        **STATIC_HEADERS,
        "Content-Security-Policy": content_security_policy(nonce),
        "Cache-Control": _NO_STORE.decode(),
    }
    request_id = getattr(state, "request_id", None)
    if request_id:
        headers["X-Request-Id"] = request_id
    return headers


class SecurityHeadersMiddleware:
    """Adds the SECURITY.md §8 headers to every response, including errors and 404s (a 500
    gets them from ``helpline.errors.server_error``, see ``error_headers``).

    Everything except static assets is ``Cache-Control: no-store``: case data must never sit in
    a shared or browser cache.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(18)
        state = scope.setdefault("state", {})
        state["csp_nonce"] = nonce
        state["request_id"] = str(uuid.uuid4())
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Raw header pairs in one pass: a MutableHeaders assignment scans the whole
                # list each time, and this runs for every response.
                headers = [
                    (name, value)
                    for name, value in message.get("headers", ())
                    if name.lower() not in _REPLACED
                ]
                headers += _STATIC_RAW
                headers.append(
                    (b"content-security-policy", content_security_policy(nonce).encode())
                )
                headers.append((b"x-request-id", state["request_id"].encode()))
                headers.append((b"cache-control", _CACHE_STATIC if is_static else _NO_STORE))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimitMiddleware:
    """Refuses bodies over the limit with 413, by declared length or by counting the stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await _too_large(scope, receive, send)


class BodyTooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response: Response
    if scope["path"].startswith("/api/"):  # as the API's other errors, and its document say
        response = JSONResponse({"error": "request_too_large"}, status_code=413)
    else:
        response = PlainTextResponse("Request body too large", status_code=413)
    await response(scope, receive, send)
