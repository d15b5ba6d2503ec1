"""HTTP for the shell: start page, profile, language switch, health and readiness."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from helpline import migrations
from helpline.web.forms import read_form, text
from helpline.web.i18n import LANGUAGE_COOKIE, LANGUAGES


async def home(request: Request) -> Response:
    return request.app.state.templates.render(request, "shell/home.html")


async def root(request: Request) -> Response:
    target = "shell:home" if request.state.user else "auth:login"
    return RedirectResponse(request.url_for(target), status_code=303)


async def profile(request: Request) -> Response:
    return request.app.state.templates.render(request, "shell/profile.html")


def _safe_next(value: str) -> str:
    # Only a local path: no scheme, no host, no protocol-relative "//".
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


async def set_language(request: Request) -> Response:
    form = await read_form(request)
    language = text(form, "language", max_length=5)
    response = RedirectResponse(_safe_next(text(form, "next", max_length=500)), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 86400,
            secure=True,
            httponly=True,
            samesite="strict",
            path="/",
        )
        if request.state.user is not None:
            request.state.user.language = language
    return response


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        at_head = await migrations.is_at_head(request.state.db)
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
    if not at_head:
        return JSONResponse({"status": "unavailable", "migrations": "behind"}, status_code=503)
    return JSONResponse({"status": "ok"})
