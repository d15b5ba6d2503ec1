"""Error responses: a plain page (or JSON for the API), never a stack trace, SQL or version."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from helpline.db import is_retryable
from helpline.web.middleware import error_headers

log = logging.getLogger("helpline.errors")

# Machine-readable error codes for the API; the page shows a translated sentence per status.
STATUS_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    409: "conflict",
    429: "too_many_requests",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/twilio/"))


async def http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = STATUS_CODES.get(status, "error")
    headers = dict(exc.headers or {})
    if request.url.path.startswith("/twilio/"):
        return PlainTextResponse("", status_code=status, headers=headers)
    if _wants_json(request):
        return JSONResponse({"error": code}, status_code=status, headers=headers)
    templates = request.app.state.templates
    if not hasattr(request.state, "lang"):
        request.state.lang = "sv"
    return templates.render(
        request, "errors/error.html", {"status": status, "code": code}, status_code=status
    )


# A request that lost its race with concurrent ones every time it ran (helpline.db): the
# client may send it again shortly, and Twilio then uses the number's fallback URL.
RETRY_AFTER_SECONDS = 2


async def server_error(request: Request, exc: Exception) -> Response:
    request_id = getattr(request.state, "request_id", None)
    if is_retryable(exc):
        return _busy(request, request_id)
    # Ids only on the page; the traceback goes to the log, where a database error does not
    # quote its statement's parameters (hide_parameters, helpline.db.create_engine).
    log.error("unhandled error on request %s", request_id, exc_info=exc)
    headers = error_headers(request.state)
    if _wants_json(request):
        return JSONResponse(
            {"error": "internal_error", "request_id": request_id}, status_code=500,
            headers=headers,
        )
    body = f"Internt fel / Internal error. Referens: {request_id}"
    return PlainTextResponse(body, status_code=500, headers=headers)


def _busy(request: Request, request_id: object) -> Response:
    log.warning("request %s gave up: its transaction lost every race", request_id)
    headers = {**error_headers(request.state), "Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.url.path.startswith("/twilio/"):
        return PlainTextResponse("", status_code=503, headers=headers)
    if _wants_json(request):
        return JSONResponse(
            {"error": "temporarily_unavailable", "request_id": request_id}, status_code=503,
            headers=headers,
        )
    body = (
        "Tjänsten är upptagen just nu: ingenting sparades. Gå tillbaka och skicka igen. "
        f"/ The service is busy: nothing was saved. Go back and send again. Referens: {request_id}"
    )
    return PlainTextResponse(body, status_code=503, headers=headers)


class DomainError(Exception):
    """Raised by services; the boundary turns it into a page message or a JSON 4xx."""

    status_code = 400


class NotFound(DomainError):
    """Missing or not readable: the two look the same from outside."""

    status_code = 404


class RuleViolation(DomainError):
    """A state-machine guard or business rule refused the change; nothing was written."""

    status_code = 409

    def __init__(self, *rules: str) -> None:
        super().__init__(", ".join(rules))
        self.rules = list(rules)


class InvalidInput(DomainError):
    """Field-level validation errors: ``{field: message code}``."""

    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    body: dict[str, object] = {"error": STATUS_CODES.get(exc.status_code, "error")}
    if isinstance(exc, RuleViolation):
        body.update(error="rule_violation", rules=exc.rules)
    if isinstance(exc, InvalidInput):
        body.update(error="invalid_input", fields=exc.errors)
    if _wants_json(request):
        return JSONResponse(body, status_code=exc.status_code)
    if isinstance(exc, NotFound):
        return await http_exception(request, HTTPException(status_code=404))
    return await http_exception(request, HTTPException(status_code=exc.status_code))
