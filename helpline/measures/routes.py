"""Routes of protection measures and the action plan (joined in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case is looked up through the user's
readable set (missing and forbidden are both 404).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.measures import api as measures_api
from helpline.measures import endpoints as measures
from helpline.measures import labels as measures_labels
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]
_MEASURES = "/cases/{case_id}/measures"
_PLAN = "/cases/{case_id}/action-plan"
_API_MEASURES = "/api/v1/cases/{case_id}/measures"
_API_PLAN = "/api/v1/cases/{case_id}/action-plan"

ROUTES: list[BaseRoute] = [
    page(_MEASURES, measures.show_measures, name="measures:show", access=READ),
    page(_MEASURES, measures.add_measure, name="measures:add", access=WRITE, methods=POST),
    page(_MEASURES + "/{measure_id}", measures.update_measure, name="measures:update",
         access=WRITE, methods=POST),
    page(_PLAN, measures.show_action_plan, name="action_plan:show", access=READ),
    page(_PLAN + "/goals", measures.add_goal, name="action_plan:goal_add", access=WRITE,
         methods=POST),
    page(_PLAN + "/goals/{goal_id}", measures.update_goal, name="action_plan:goal_update",
         access=WRITE, methods=POST),
    page(_PLAN + "/goals/{goal_id}/actions", measures.add_action, name="action_plan:action_add",
         access=WRITE, methods=POST),
    page(_PLAN + "/actions/{action_id}", measures.update_action,
         name="action_plan:action_update", access=WRITE, methods=POST),
    api(_API_MEASURES, measures_api.list_measures, name="measures:api_list", access=READ),
    api(_API_MEASURES, measures_api.create_measure, name="measures:api_create", access=WRITE,
        methods=POST),
    api(_API_MEASURES + "/{measure_id}", measures_api.update_measure,
        name="measures:api_update", access=WRITE, methods=POST),
    api(_API_PLAN, measures_api.get_action_plan, name="action_plan:api_get", access=READ),
    api(_API_PLAN + "/goals", measures_api.create_goal, name="action_plan:api_goal_create",
        access=WRITE, methods=POST),
    api(_API_PLAN + "/goals/{goal_id}", measures_api.update_goal,
        name="action_plan:api_goal_update", access=WRITE, methods=POST),
    api(_API_PLAN + "/goals/{goal_id}/actions", measures_api.create_action,
        name="action_plan:api_action_create", access=WRITE, methods=POST),
    api(_API_PLAN + "/actions/{action_id}", measures_api.update_action,
        name="action_plan:api_action_update", access=WRITE, methods=POST),
]

NAVIGATION: tuple[NavEntry, ...] = ()

CASE_PAGE_SECTIONS = (CasePageSection("measures", measures.case_section, measures_labels),)

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}


def _enum(values: dict[str, str]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


_DATE = {"type": ["string", "null"], "format": "date"}
_UUID = {"type": "string", "format": "uuid"}
_TEXT = {"type": "string", "maxLength": 2000}
_MEASURE_INPUT = {
    "type": "object",
    "properties": {
        "kind": _enum(measures_labels.MEASURE_KIND), "person_id": _UUID,
        "responsible_organisation_id": _UUID, "state": _enum(measures_labels.MEASURE_STATE),
        "starts_on": _DATE, "ends_on": _DATE, "review_on": _DATE, "note": _TEXT,
    },
    "required": ["kind", "responsible_organisation_id"],
}
_MEASURE_CHANGE = {
    "type": "object",
    "properties": {k: v for k, v in _MEASURE_INPUT["properties"].items()  # type: ignore[attr-defined]
                   if k not in ("kind", "person_id")},
}
_GOAL_INPUT = {
    "type": "object",
    "properties": {"life_area": _enum(measures_labels.LIFE_AREA), "description": _TEXT},
    "required": ["life_area", "description"],
}
_GOAL_CHANGE = {
    "type": "object",
    "properties": {"description": _TEXT, "state": _enum(measures_labels.GOAL_STATE)},
}
_ACTION_INPUT = {
    "type": "object",
    "properties": {
        "description": _TEXT, "responsible_organisation_id": _UUID,
        "responsible_user_id": _UUID, "responsible_person": {"type": "string", "maxLength": 200},
        "state": _enum(measures_labels.ACTION_STATE), "due_on": _DATE, "follow_up_on": _DATE,
    },
    "required": ["description", "responsible_organisation_id"],
}
_ACTION_CHANGE = {"type": "object", "properties": _ACTION_INPUT["properties"]}
_OBJECT = {"type": "object"}
_CREATED = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
_NOT_FOUND = {"404": json_doc("No such case readable by the user", _OBJECT)}
_CASE = [_path("case_id")]


def _write(summary: str, schema: dict[str, Any], params: list[Any], created: bool):  # type: ignore[no-untyped-def]
    ok = {"201": json_doc("Created", _CREATED)} if created else {"200": json_doc("Updated",
                                                                                 _OBJECT)}
    return {"summary": summary, "parameters": params, "requestBody": json_body(schema),
            "responses": {**ok, **WRITE_FAILURES}}


OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "measures:api_list": {
        "summary": "The case's protection measures with notes (audited read)",
        "parameters": _CASE,
        "responses": {"200": json_doc("Measures", _OBJECT), **_NOT_FOUND, **FAILURES},
    },
    "measures:api_create": _write("Record a protection measure", _MEASURE_INPUT, _CASE, True),
    "measures:api_update": _write("Change a measure's state, dates, organisation or note",
                                  _MEASURE_CHANGE, [*_CASE, _path("measure_id")], False),
    "action_plan:api_get": {
        "summary": "The individual action plan: goals and actions (audited read)",
        "parameters": _CASE,
        "responses": {"200": json_doc("The plan", _OBJECT), **_NOT_FOUND, **FAILURES},
    },
    "action_plan:api_goal_create": _write("Add a goal in a life area", _GOAL_INPUT, _CASE,
                                          True),
    "action_plan:api_goal_update": _write("Change a goal's wording or state", _GOAL_CHANGE,
                                          [*_CASE, _path("goal_id")], False),
    "action_plan:api_action_create": _write("Add an action to a goal", _ACTION_INPUT,
                                            [*_CASE, _path("goal_id")], True),
    "action_plan:api_action_update": _write("Change an action", _ACTION_CHANGE,
                                            [*_CASE, _path("action_id")], False),
}
