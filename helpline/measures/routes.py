"""Routes of protection measures and the action plan (joined in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case is looked up through the user's
readable set (missing and forbidden are both 404).
"""

from __future__ import annotations

import enum
from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import required_text_schema, text_schema
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.measures import api as measures_api
from helpline.measures import endpoints as measures
from helpline.measures import labels as measures_labels
from helpline.measures import schemas
from helpline.models.relocation import (
    ActionState,
    GoalState,
    LifeArea,
    ProtectionMeasureKind,
    ProtectionMeasureState,
)
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
# The request schemas mirror helpline/measures/schemas.py. A change is partial: a field absent
# stays as it is. "" means what the parser makes of it: no person or user, a date cleared, and
# for a state or (on a change) the responsible organisation, as if the field were absent.


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}


def _required(kind: type[enum.StrEnum]) -> dict[str, Any]:
    """One member's value: "" is missing (``required``), another value ``invalid``."""
    return {"type": "string", "minLength": 1, "enum": [m.value for m in kind]}


def _optional(kind: type[enum.StrEnum]) -> dict[str, Any]:
    """One member's value, or "" for none given (the default, or unchanged)."""
    return {"type": "string", "enum": ["", *(m.value for m in kind)]}


def _uuid(code: str, *, optional: bool) -> dict[str, Any]:
    """The id of a row the service looks up (``code`` when it is not an id, or names no such
    row, which is checked after); optional: "" is none given."""
    own = {"anyOf": [{"maxLength": 0}, {"format": "uuid"}]} if optional else {"format": "uuid"}
    return {"type": "string", **({} if optional else {"minLength": 1}),
            "allOf": [{**own, "x-error": code}]}


_DAY = {"type": ["string", "null"], "description": "A date; \"\" or null clears it", "allOf": [
    {"anyOf": [{"maxLength": 0}, {"format": "date"}], "x-error": "invalid_date"},
]}


def _dated(state: ProtectionMeasureState, name: str, *, new: bool) -> dict[str, Any]:
    """A measure IN_PLACE has started, an ENDED one has ended: with that state the date may not
    be cleared, and a new measure must give it (on a change the stored date may do)."""
    then: dict[str, Any] = {"properties": {name: {"type": "string", "format": "date",
                                                  "x-error": "required"}}}
    if new:
        then["required"] = [name]
    return {"if": {"properties": {"state": {"const": state.value}}, "required": ["state"]},
            "then": then}


_ID = {"type": "string", "format": "uuid"}
_DATE_OUT = {"type": ["string", "null"], "format": "date"}
_MEASURE_STATES = {"type": "string", "enum": [m.value for m in ProtectionMeasureState]}
_DATES_NOTE = ("ends_on and review_on are not before starts_on; a measure IN_PLACE has a "
               "starts_on, an ENDED one an ends_on. An ENDED or REFUSED measure is not changed "
               "(409).")
_MEASURE_FIELDS: dict[str, Any] = {
    "responsible_organisation_id": {**_uuid("unknown_organisation", optional=False),
                                    "description": "An organisation (any)"},
    "state": _optional(ProtectionMeasureState),
    "starts_on": _DAY, "ends_on": _DAY, "review_on": _DAY,
    "note": text_schema(schemas.NOTE_MAX, nullable=False),
}
_MEASURE_INPUT = {
    "type": "object",
    "description": "A new measure, PLANNED unless state says otherwise. " + _DATES_NOTE,
    "properties": {
        "kind": _required(ProtectionMeasureKind),
        "person_id": {**_uuid("unknown_person", optional=True),
                      "description": "A person of this case, or none"},
        **_MEASURE_FIELDS,
    },
    "required": ["kind", "responsible_organisation_id"],
    "allOf": [_dated(ProtectionMeasureState.IN_PLACE, "starts_on", new=True),
              _dated(ProtectionMeasureState.ENDED, "ends_on", new=True)],
}
_MEASURE_CHANGE = {
    "type": "object",
    "description": "The fields given change. " + _DATES_NOTE,
    "properties": {
        **_MEASURE_FIELDS,
        "responsible_organisation_id": {**_uuid("unknown_organisation", optional=True),
                                        "description": "An organisation (any); \"\" keeps it"},
        "person_id": {**_uuid("unknown_person", optional=True),
                      "description": "Ignored: a measure keeps its person"},
    },
    "allOf": [_dated(ProtectionMeasureState.IN_PLACE, "starts_on", new=False),
              _dated(ProtectionMeasureState.ENDED, "ends_on", new=False)],
}
_GOAL_INPUT = {
    "type": "object",
    "description": "A new goal, OPEN",
    "properties": {"life_area": _required(LifeArea),
                   "description": required_text_schema(schemas.DESCRIPTION_MAX)},
    "required": ["life_area", "description"],
}
_GOAL_CHANGE = {
    "type": "object",
    "description": "The fields given change",
    "properties": {"description": required_text_schema(schemas.DESCRIPTION_MAX),
                   "state": _optional(GoalState)},
}
_ACTION_FIELDS: dict[str, Any] = {
    "description": required_text_schema(schemas.DESCRIPTION_MAX),
    "responsible_organisation_id": {**_uuid("unknown_organisation", optional=False),
                                    "description": "An organisation (any)"},
    "responsible_user_id": {**_uuid("unknown_user", optional=True),
                            "description": "An active user of the case's organisation, or none"},
    "responsible_person": text_schema(schemas.PERSON_MAX, nullable=False),
    "state": _optional(ActionState),
    "due_on": _DAY, "follow_up_on": _DAY,
}
_ACTION_INPUT = {
    "type": "object",
    "description": "A new action, PLANNED unless state says otherwise",
    "properties": _ACTION_FIELDS,
    "required": ["description", "responsible_organisation_id"],
}
_ACTION_CHANGE = {
    "type": "object",
    "description": "The fields given change",
    "properties": {
        **_ACTION_FIELDS,
        "responsible_organisation_id": {**_uuid("unknown_organisation", optional=True),
                                        "description": "An organisation (any); \"\" keeps it"},
    },
}
_MEASURE = {
    "type": "object",
    "properties": {
        "id": _ID, "kind": {"type": "string", "enum": [m.value for m in ProtectionMeasureKind]},
        "state": _MEASURE_STATES, "person_id": {"type": ["string", "null"], "format": "uuid"},
        "pseudonym": {"type": ["string", "null"]}, "responsible_organisation_id": _ID,
        "starts_on": _DATE_OUT, "ends_on": _DATE_OUT, "review_on": _DATE_OUT,
        "review_overdue": {"type": "boolean"}, "note": {"type": "string"},
    },
    "required": ["id", "kind", "state", "person_id", "pseudonym", "responsible_organisation_id",
                 "starts_on", "ends_on", "review_on", "review_overdue", "note"],
}
_ACTION_STATES = {"type": "string", "enum": [m.value for m in ActionState]}
_GOAL_STATES = {"type": "string", "enum": [m.value for m in GoalState]}
_ACTION = {
    "type": "object",
    "properties": {
        "id": _ID, "description": {"type": "string"}, "responsible_organisation_id": _ID,
        "responsible_user_id": {"type": ["string", "null"], "format": "uuid"},
        "responsible_person": {"type": "string"}, "state": _ACTION_STATES,
        "due_on": _DATE_OUT, "follow_up_on": _DATE_OUT, "completed_on": _DATE_OUT,
        "overdue": {"type": "boolean"},
    },
    "required": ["id", "description", "responsible_organisation_id", "responsible_user_id",
                 "responsible_person", "state", "due_on", "follow_up_on", "completed_on",
                 "overdue"],
}
_GOAL = {
    "type": "object",
    "properties": {
        "id": _ID, "life_area": {"type": "string", "enum": [m.value for m in LifeArea]},
        "state": _GOAL_STATES, "description": {"type": "string"},
        "actions": {"type": "array", "items": _ACTION},
    },
    "required": ["id", "life_area", "state", "description", "actions"],
}


def _saved(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


_NOT_FOUND = {"404": json_doc("No such case readable by the user", ERROR)}
_CASE = [_path("case_id")]


def _write(summary: str, schema: dict[str, Any], params: list[Any],
           ok: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    status, body = ok
    return {"summary": summary, "parameters": params, "requestBody": json_body(schema),
            "responses": {status: json_doc("Created" if status == "201" else "Updated", body),
                          **WRITE_FAILURES}}


OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "measures:api_list": {
        "summary": "The case's protection measures with notes (audited read)",
        "parameters": _CASE,
        "responses": {
            "200": json_doc("Measures", {
                "type": "object", "properties": {"measures": {"type": "array", "items": _MEASURE}},
                "required": ["measures"],
            }),
            **_NOT_FOUND, **FAILURES,
        },
    },
    "measures:api_create": _write("Record a protection measure", _MEASURE_INPUT, _CASE,
                                  ("201", _saved(id=_ID, state=_MEASURE_STATES))),
    "measures:api_update": _write("Change a measure's state, dates, organisation or note",
                                  _MEASURE_CHANGE, [*_CASE, _path("measure_id")],
                                  ("200", _saved(id=_ID, state=_MEASURE_STATES))),
    "action_plan:api_get": {
        "summary": "The individual action plan: goals and actions (audited read)",
        "parameters": _CASE,
        "responses": {
            "200": json_doc("The plan", {
                "type": "object", "properties": {"goals": {"type": "array", "items": _GOAL}},
                "required": ["goals"],
            }),
            **_NOT_FOUND, **FAILURES,
        },
    },
    "action_plan:api_goal_create": _write("Add a goal in a life area", _GOAL_INPUT, _CASE,
                                          ("201", _saved(id=_ID))),
    "action_plan:api_goal_update": _write("Change a goal's wording or state", _GOAL_CHANGE,
                                          [*_CASE, _path("goal_id")],
                                          ("200", _saved(id=_ID, state=_GOAL_STATES))),
    "action_plan:api_action_create": _write("Add an action to a goal", _ACTION_INPUT,
                                            [*_CASE, _path("goal_id")], ("201", _saved(id=_ID))),
    "action_plan:api_action_update": _write("Change an action", _ACTION_CHANGE,
                                            [*_CASE, _path("action_id")],
                                            ("200", _saved(id=_ID, state=_ACTION_STATES))),
}
