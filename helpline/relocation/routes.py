"""Routes of relocation plans (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case is looked up through the user's
readable set (missing and forbidden are both 404). Approval needs a recent sign-in and exists
only as a page route; the API cannot approve.
"""

from __future__ import annotations

import enum
from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.models.relocation import PlanState, StepKind, StepState
from helpline.reference import MUNICIPALITIES
from helpline.relocation import api as relocation_api
from helpline.relocation import endpoints as relocation
from helpline.relocation import labels as relocation_labels
from helpline.relocation.common import NOTE_MAX
from helpline.relocation.schemas import TRANSITIONS
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
# The request schemas mirror helpline/relocation/schemas.py. On a step's change a field absent,
# or "" (the note aside, which "" clears), stays as it is.


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}


def _values(kind: type[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


_ID = {"type": "string", "format": "uuid"}
_DATE = {"type": "string", "format": "date"}
_DATE_OR_NULL = {"type": ["string", "null"], "format": "date"}
_CODE = {"type": "string", "pattern": "^[0-9]{4}$", "description": "SCB kommunkod"}
# One of Sweden's 290 municipalities by SCB code ("" is missing).
_MUNICIPALITY = {
    "type": "string", "minLength": 1, "description": "SCB kommunkod",
    "allOf": [{"enum": list(MUNICIPALITIES), "x-error": "unknown_municipality"}],
}
_ORGANISATION = {"type": "string", "minLength": 1, "description": "An organisation (any)",
                 "allOf": [{"format": "uuid", "x-error": "unknown_organisation"}]}
_NOTE = {"type": "string", "maxLength": NOTE_MAX}
_STEP_KINDS = {"type": "string", "enum": _values(StepKind)}
_STEP_STATES = {"type": "string", "enum": _values(StepState)}
_PLAN_STATES = {"type": "string", "enum": _values(PlanState)}
_SUMMARY = {
    "type": "object",
    "properties": {
        "id": _ID, "state": _PLAN_STATES, "from_municipality": _CODE,
        "starts_on": _DATE, "steps_total": {"type": "integer", "minimum": 0},
        "steps_finished": {"type": "integer", "minimum": 0},
        "next_due": {
            "type": ["object", "null"],
            "description": "The open step due first, if any",
            "properties": {"step_id": _ID, "kind": _STEP_KINDS, "due_on": _DATE,
                           "state": _STEP_STATES},
            "required": ["step_id", "kind", "due_on", "state"],
        },
        "approved_at": {"type": ["string", "null"], "format": "date-time"},
    },
    "required": ["id", "state", "from_municipality", "starts_on", "steps_total",
                 "steps_finished", "next_due", "approved_at"],
}
_NULLABLE_ID = {"type": ["string", "null"], "format": "uuid"}
_DETAIL = {
    "type": "object",
    "properties": {
        **_SUMMARY["properties"],  # type: ignore[dict-item]
        "target_municipality": _CODE,
        "author_id": _ID, "submitted_by_id": _NULLABLE_ID, "approved_by_id": _NULLABLE_ID,
        "steps": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "id": _ID, "kind": _STEP_KINDS, "state": _STEP_STATES, "due_on": _DATE,
                "responsible_organisation_id": _ID, "completed_on": _DATE_OR_NULL,
                "note": {"type": "string"},
            },
            "required": ["id", "kind", "state", "due_on", "responsible_organisation_id",
                         "completed_on", "note"],
        }},
    },
    "required": [*_SUMMARY["required"], "target_municipality", "author_id",  # type: ignore[misc]
                 "submitted_by_id", "approved_by_id", "steps"],
}
_PLAN_INPUT = {
    "type": "object",
    "description": "A case has at most one plan that is not completed or cancelled (409)",
    "properties": {"from_municipality": _MUNICIPALITY, "target_municipality": _MUNICIPALITY,
                   "starts_on": _DATE},
    "required": ["from_municipality", "target_municipality", "starts_on"],
}
_STEP_INPUT = {
    "type": "object",
    "description": "At most one step of each kind; due no earlier than the plan's start",
    "properties": {
        "kind": {"type": "string", "minLength": 1, "enum": _values(StepKind)},
        "responsible_organisation_id": _ORGANISATION,
        "due_on": _DATE,
        "state": {"type": "string", "enum": ["", *_values(StepState)],
                  "description": "PLANNED when absent or \"\""},
        "note": _NOTE,
    },
    "required": ["kind", "responsible_organisation_id", "due_on"],
}
_STEP_CHANGE = {
    "type": "object",
    "description": "The fields given change; due no earlier than the plan's start",
    "properties": {
        "responsible_organisation_id": {"type": "string", "allOf": [{
            "anyOf": [{"maxLength": 0}, {"format": "uuid"}], "x-error": "unknown_organisation",
        }]},
        "due_on": {"type": "string", "allOf": [{
            "anyOf": [{"maxLength": 0}, {"format": "date"}], "x-error": "invalid_date",
        }]},
        "state": {"type": "string", "enum": ["", *_values(StepState)]},
        "note": {**_NOTE, "description": "\"\" clears it"},
    },
}
_TRANSITION = {
    "type": "object",
    "description": "return and cancel need a comment (409 without); approval is not here",
    "properties": {
        "action": {"type": "string",
                   "allOf": [{"enum": list(TRANSITIONS), "x-error": "unknown_action"}]},
        "comment": {"type": "string", "maxLength": NOTE_MAX},
    },
    "required": ["action"],
}
_CREATED = {"type": "object", "properties": {"id": _ID, "state": _PLAN_STATES},
            "required": ["id", "state"]}
_NOT_FOUND = {"404": json_doc("No such case or plan readable by the user", ERROR)}

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
        "responses": {
            "201": json_doc("Added", {"type": "object", "properties": {"id": _ID},
                                      "required": ["id"]}),
            **WRITE_FAILURES,
        },
    },
    "relocation:api_step_update": {
        "summary": "Update a step's state, due date, responsible organisation or note",
        "parameters": [_path("case_id"), _path("plan_id"), _path("step_id")],
        "requestBody": json_body(_STEP_CHANGE),
        "responses": {
            "200": json_doc("Updated", {
                "type": "object",
                "properties": {"id": _ID, "state": _STEP_STATES, "plan_state": _PLAN_STATES},
                "required": ["id", "state", "plan_state"],
            }),
            **WRITE_FAILURES,
        },
    },
    "relocation:api_transition": {
        "summary": "Submit, return, start, complete, cancel or revise a plan (approval: browser)",
        "parameters": [_path("case_id"), _path("plan_id")],
        "requestBody": json_body(_TRANSITION),
        "responses": {"200": json_doc("Moved", _CREATED), **WRITE_FAILURES},
    },
}
