"""Request helpers shared by the persons and consent endpoints (pages and API)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import NoMatchFound

from helpline.cases.service import Deps
from helpline.errors import NotFound


def deps(request: Request) -> Deps:
    return Deps(request.state.db, request.app.state.keys, request.state.audit)


def path_id(request: Request, name: str) -> str:
    """A path id that is not a UUID cannot exist: the same 404 as a forbidden one."""
    try:
        return str(uuid.UUID(str(request.path_params[name])))
    except ValueError:
        raise NotFound() from None


def case_path(request: Request, case_id: str) -> str:
    try:
        return str(request.url_for("cases:show", case_id=case_id).path)
    except NoMatchFound:  # the case page is the cases domain's; same path while it is wired
        return f"/cases/{case_id}"


def back_to_case(request: Request, case_id: str) -> Response:
    return RedirectResponse(case_path(request, case_id), status_code=303)


def keep_audit_of_refusal(request: Request) -> None:
    # A refused form re-renders data it has read: keep that read's audit event (the only write
    # on this path) although the answer is a 422.
    request.state.commit_on_error = True


def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    return request.app.state.templates.render(request, name, context, status_code=status)


