"""Routes of the threat-assessment domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read`` and changes ``cases:write``; the case is looked up through the
user's readable set (missing and forbidden are both 404), and the service decides who may do
what (only a supervisor who did not write the version may return or approve it). Approval
demands a recent sign-in. The dashboard is the supervisors' (``threats:review``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.authz import Permission
from helpline.threats import api as threats_api
from helpline.threats import endpoints as threats
from helpline.threats.views import ThreatsSection
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
REVIEW = Permission.THREATS_REVIEW
POST = ["POST"]
_CASE = "/cases/{case_id}/threats"
_VERSION = _CASE + "/{version}"
_API_CASE = "/api/v1/cases/{case_id}/threats"
_API_VERSION = _API_CASE + "/{version}"

ROUTES: list[BaseRoute] = [
    page("/threats/dashboard", threats.dashboard, name="threats:dashboard", access=REVIEW),
    page(_CASE, threats.start, name="threats:start", access=WRITE, methods=POST),
    page(_CASE + "/compare", threats.compare, name="threats:compare", access=READ),
    page(_VERSION, threats.show, name="threats:show", access=READ),
    page(_VERSION + "/edit", threats.edit_form, name="threats:edit", access=WRITE),
    page(_VERSION + "/edit", threats.edit_submit, name="threats:save", access=WRITE,
         methods=POST),
    page(_VERSION + "/return", threats.return_for_revision, name="threats:return",
         access=WRITE, methods=POST),
    page(_VERSION + "/approve", threats.approve, name="threats:approve", access=WRITE,
         methods=POST, reauth=True),
    api("/api/v1/threats/dashboard", threats_api.dashboard, name="threats:api_dashboard",
        access=REVIEW),
    api(_API_CASE, threats_api.list_versions, name="threats:api_list", access=READ),
    api(_API_CASE, threats_api.start, name="threats:api_start", access=WRITE, methods=POST),
    api(_API_VERSION, threats_api.get_version, name="threats:api_get", access=READ),
    api(_API_VERSION, threats_api.save, name="threats:api_save", access=WRITE, methods=["PUT"]),
    api(_API_VERSION + "/submit", threats_api.submit, name="threats:api_submit", access=WRITE,
        methods=POST),
    api(_API_VERSION + "/return", threats_api.return_for_revision, name="threats:api_return",
        access=WRITE, methods=POST),
    # No API approval: approving needs a sign-in within 5 minutes (SECURITY.md §4), which a
    # bearer token cannot show. Supervisors approve on the page.
]

NAVIGATION: tuple[NavEntry, ...] = (("threats:dashboard", "Threat assessments", REVIEW),)

CASE_PAGE_SECTIONS: tuple[Any, ...] = (ThreatsSection(),)

_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}
_JSON_BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
_ERRORS = {
    "401": {"description": "No valid token"},
    "404": {"description": "No such case or version, or not yours to read"},
    "409": {"description": "A rule refused the change (rules named; nothing written)"},
    "422": {"description": "Invalid input (fields named; nothing written)"},
}
_CASE_ID = {"name": "case_id", "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}
_VERSION_NO = {"name": "version", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}}


def _operation(summary: str, *, status: str = "200", body: bool = False,
               version: bool = True, errors: tuple[str, ...] = ("401", "404", "409", "422"),
               ) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [_CASE_ID, _VERSION_NO] if version else [_CASE_ID],
        "responses": {status: {"description": "OK", **_OBJECT},
                      **{code: _ERRORS[code] for code in errors}},
    }
    if body:
        operation["requestBody"] = _JSON_BODY
    return operation


OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "threats:api_dashboard": {
        "summary": "Supervisor dashboard: review queue, overdue and due soon, acute, counts "
                   "(pseudonyms only)",
        "responses": {"200": {"description": "The dashboard", **_OBJECT},
                      "401": _ERRORS["401"], "403": {"description": "Not a supervisor"}},
    },
    "threats:api_list": _operation(
        "Versions of a case's threat assessment and its status (no free text)",
        version=False, errors=("401", "404")),
    "threats:api_start": _operation(
        "Start an assessment or a reassessment (body: trigger)", status="201", body=True,
        version=False),
    "threats:api_get": _operation(
        "One version with its decrypted content (audited read)", errors=("401", "404")),
    "threats:api_save": _operation("Replace the content of a draft or returned version",
                                   body=True),
    "threats:api_submit": _operation("Submit a draft for review (every factor rated)"),
    "threats:api_return": _operation("Return a submitted version (body: comment, required)",
                                     body=True),
}
