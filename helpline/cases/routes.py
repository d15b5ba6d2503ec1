"""Routes of the case domain (joined into the one table in helpline/routes.py)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.authz import Permission
from helpline.cases import api as cases_api
from helpline.cases import endpoints as cases
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]

ROUTES: list[BaseRoute] = [
    page("/cases", cases.case_list, name="cases:list", access=READ),
    page("/intake/new", cases.intake_form, name="intake:new", access=WRITE),
    page("/intake", cases.intake_submit, name="intake:create", access=WRITE, methods=POST),
    page("/cases/{case_id}", cases.case_show, name="cases:show", access=READ),
    page("/cases/{case_id}/transition", cases.case_transition, name="cases:transition",
         access=WRITE, methods=POST),
    page("/cases/{case_id}/closure/request", cases.closure_request,
         name="cases:closure_request", access=WRITE, methods=POST),
    page("/cases/{case_id}/closure/approve", cases.closure_approve,
         name="cases:closure_approve", access=WRITE, methods=POST, reauth=True),
    page("/cases/{case_id}/emergency-protection", cases.emergency_protection,
         name="cases:emergency_protection", access=WRITE, methods=POST, reauth=True),
    page("/cases/{case_id}/notes", cases.note_add, name="cases:note_add", access=WRITE,
         methods=POST),
    page("/cases/{case_id}/team", cases.team_add, name="cases:team_add", access=WRITE,
         methods=POST),
    api("/api/v1/cases", cases_api.list_cases, name="api:cases_list", access=READ),
    api("/api/v1/cases", cases_api.create_case, name="api:cases_create", access=WRITE,
        methods=POST),
    api("/api/v1/cases/{case_id}", cases_api.get_case, name="api:cases_get", access=READ),
    api("/api/v1/cases/{case_id}/transitions", cases_api.transition_case,
        name="api:cases_transition", access=WRITE, methods=POST),
    api("/api/v1/cases/{case_id}/notes", cases_api.add_note, name="api:cases_note_add",
        access=WRITE, methods=POST),
]

NAVIGATION: tuple[NavEntry, ...] = (
    ("cases:list", "Cases", READ),
    ("intake:new", "New intake", WRITE),
)

_ERRORS = {
    "401": {"description": "No valid token"},
    "404": {"description": "No such case, or not yours to read"},
    "409": {"description": "A rule or guard refused the change (rules named)"},
    "422": {"description": "Invalid input (fields named)"},
}
_CASE_ID = [{"name": "case_id", "in": "path", "required": True,
             "schema": {"type": "string", "format": "uuid"}}]
_JSON_BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "api:cases_list": {
        "summary": "Cases the user may read (pseudonyms only)",
        "parameters": [{"name": "state", "in": "query", "required": False,
                        "schema": {"type": "string"}}],
        "responses": {"200": {"description": "Cases", **_OBJECT}, "401": _ERRORS["401"]},
    },
    "api:cases_create": {
        "summary": "Open a case from an intake interview",
        "requestBody": _JSON_BODY,
        "responses": {"201": {"description": "Created", **_OBJECT},
                      **{k: _ERRORS[k] for k in ("401", "409", "422")}},
    },
    "api:cases_get": {
        "summary": "One case with its timeline and notes (audited read)",
        "parameters": _CASE_ID,
        "responses": {"200": {"description": "The case", **_OBJECT},
                      **{k: _ERRORS[k] for k in ("401", "404")}},
    },
    "api:cases_transition": {
        "summary": "Move a case to another state; guards are enforced",
        "parameters": _CASE_ID,
        "requestBody": _JSON_BODY,
        "responses": {"200": {"description": "Moved", **_OBJECT}, **_ERRORS},
    },
    "api:cases_note_add": {
        "summary": "Add a journal note (append-only)",
        "parameters": _CASE_ID,
        "requestBody": _JSON_BODY,
        "responses": {"201": {"description": "Added", **_OBJECT}, **_ERRORS},
    },
}
