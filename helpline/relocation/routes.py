"""Routes of relocation plans (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case is looked up through the user's
readable set (missing and forbidden are both 404). Approval needs a recent sign-in and exists
only as a page route; the API cannot approve.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.relocation import api as relocation_api
from helpline.relocation import endpoints as relocation
from helpline.relocation import labels as relocation_labels
from helpline.relocation.service import plan_summaries
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]
_PLANS = "/cases/{case_id}/relocation"
_PLAN = _PLANS + "/{plan_id}"
_API_PLANS = "/api/v1/cases/{case_id}/relocation-plans"
_API_PLAN = _API_PLANS + "/{plan_id}"

ROUTES: list[BaseRoute] = [
    page(_PLANS + "/new", relocation.new_plan, name="relocation:new", access=WRITE),
    page(_PLANS, relocation.create_plan, name="relocation:create", access=WRITE, methods=POST),
    page(_PLAN, relocation.show_plan, name="relocation:show", access=READ),
    page(_PLAN, relocation.update_plan, name="relocation:update", access=WRITE, methods=POST),
    page(_PLAN + "/steps", relocation.add_step, name="relocation:step_add", access=WRITE,
         methods=POST),
    page(_PLAN + "/steps/{step_id}", relocation.update_step, name="relocation:step_update",
         access=WRITE, methods=POST),
    page(_PLAN + "/transition", relocation.transition, name="relocation:transition",
         access=WRITE, methods=POST),
    page(_PLAN + "/approve", relocation.approve, name="relocation:approve", access=WRITE,
         methods=POST, reauth=True),
    api(_API_PLANS, relocation_api.list_plans, name="relocation:api_list", access=READ),
    api(_API_PLANS, relocation_api.create_plan, name="relocation:api_create", access=WRITE,
        methods=POST),
    api(_API_PLAN, relocation_api.get_plan, name="relocation:api_get", access=READ),
    api(_API_PLAN + "/steps", relocation_api.add_step, name="relocation:api_step_add",
        access=WRITE, methods=POST),
    api(_API_PLAN + "/steps/{step_id}", relocation_api.update_step,
        name="relocation:api_step_update", access=WRITE, methods=POST),
    api(_API_PLAN + "/transitions", relocation_api.transition, name="relocation:api_transition",
        access=WRITE, methods=POST),
]

NAVIGATION: tuple[NavEntry, ...] = ()

CASE_PAGE_SECTIONS = (CasePageSection("relocation", plan_summaries, relocation_labels),)

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


_DATE = {"type": "string", "format": "date"}
_CODE = {"type": "string", "pattern": "^[0-9]{4}$", "description": "SCB kommunkod"}
_STEP_KINDS = _enum(*relocation_labels.STEP_KIND)
_STEP_STATES = _enum(*relocation_labels.STEP_STATE)
_PLAN_STATES = _enum(*relocation_labels.PLAN_STATE)
_SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "state": _PLAN_STATES, "from_municipality": _CODE,
        "starts_on": _DATE, "steps_total": {"type": "integer"},
        "steps_finished": {"type": "integer"},
        "next_due": {"type": ["object", "null"]},
        "approved_at": {"type": ["string", "null"]},
    },
    "required": ["id", "state", "from_municipality", "starts_on"],
}
_DETAIL = {
    "type": "object",
    "properties": {
        **_SUMMARY["properties"],  # type: ignore[dict-item]
        "target_municipality": _CODE,
        "steps": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["id", "state", "from_municipality", "target_municipality", "steps"],
}
_PLAN_INPUT = {
    "type": "object",
    "properties": {"from_municipality": _CODE, "target_municipality": _CODE, "starts_on": _DATE},
    "required": ["from_municipality", "target_municipality", "starts_on"],
}
_STEP_INPUT = {
    "type": "object",
    "properties": {
        "kind": _STEP_KINDS, "responsible_organisation_id": {"type": "string", "format": "uuid"},
        "due_on": _DATE, "state": _STEP_STATES, "note": {"type": "string", "maxLength": 2000},
    },
    "required": ["kind", "responsible_organisation_id", "due_on"],
}
_STEP_CHANGE = {
    "type": "object",
    "properties": {
        "responsible_organisation_id": {"type": "string", "format": "uuid"},
        "due_on": _DATE, "state": _STEP_STATES, "note": {"type": "string", "maxLength": 2000},
    },
}
_TRANSITION = {
    "type": "object",
    "properties": {
        "action": _enum("submit", "return", "start", "complete", "cancel", "revise"),
        "comment": {"type": "string", "maxLength": 2000},
    },
    "required": ["action"],
}
_CREATED = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
_NOT_FOUND = {"404": json_doc("No such case or plan readable by the user", {"type": "object"})}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "relocation:api_list": {
        "summary": "The case's relocation plans, newest first (never the target municipality)",
        "parameters": [_path("case_id")],
        "responses": {
            "200": json_doc("Plans", {"type": "object",
                                      "properties": {"plans": {"type": "array", "items": _SUMMARY}},
                                      "required": ["plans"]}),
            **_NOT_FOUND, **FAILURES,
        },
    },
    "relocation:api_create": {
        "summary": "Create a draft plan (the target municipality is stored encrypted)",
        "parameters": [_path("case_id")],
        "requestBody": json_body(_PLAN_INPUT),
        "responses": {"201": json_doc("Created", _CREATED), **WRITE_FAILURES},
    },
    "relocation:api_get": {
        "summary": "One plan with its target municipality and steps (audited read)",
        "parameters": [_path("case_id"), _path("plan_id")],
        "responses": {"200": json_doc("The plan", _DETAIL), **_NOT_FOUND, **FAILURES},
    },
    "relocation:api_step_add": {
        "summary": "Add a step to a draft plan (due no earlier than the plan's start)",
        "parameters": [_path("case_id"), _path("plan_id")],
        "requestBody": json_body(_STEP_INPUT),
        "responses": {"201": json_doc("Added", _CREATED), **WRITE_FAILURES},
    },
    "relocation:api_step_update": {
        "summary": "Update a step's state, due date, responsible organisation or note",
        "parameters": [_path("case_id"), _path("plan_id"), _path("step_id")],
        "requestBody": json_body(_STEP_CHANGE),
        "responses": {"200": json_doc("Updated", {"type": "object"}), **WRITE_FAILURES},
    },
    "relocation:api_transition": {
        "summary": "Submit, return, start, complete, cancel or revise a plan (approval: browser)",
        "parameters": [_path("case_id"), _path("plan_id")],
        "requestBody": json_body(_TRANSITION),
        "responses": {"200": json_doc("Moved", {"type": "object"}), **WRITE_FAILURES},
    },
}
