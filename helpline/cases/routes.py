"""Routes of the case domain (joined into the one table in helpline/routes.py)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import UUID_OR_NONE, choice_schema, required_text_schema, text_schema
from helpline.authz import Permission
from helpline.cases import api as cases_api
from helpline.cases import endpoints as cases
from helpline.cases import service
from helpline.cases.forms import TRISTATE_FIELDS
from helpline.cases.lifecycle import ExitReason, Guard
from helpline.cases.notes import MAX_NOTE
from helpline.cases.schemas import (
    LOCAL_DATETIME,
    TRISTATE_SCHEMA,
    InformationGiven,
    Motivation,
    Suitability,
)
from helpline.models.cases import CaseState, Milieu, ReferralSource
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

# --- OpenAPI operations (merged into helpline.api.openapi.OPERATIONS) --------------------------

_CASE_ID = [{"name": "case_id", "in": "path", "required": True,
             "schema": {"type": "string", "format": "uuid"}}]
_CASE_404 = {"404": json_doc("No such case readable by the user", ERROR)}
_NULLABLE_BOOL = {"type": ["boolean", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_OPTIONAL_CODE = {"type": ["string", "null"]}


def _listed(items: dict[str, Any]) -> dict[str, Any]:
    """A list of strings as ``cases.api._listed`` reads it (null: none)."""
    return {"type": ["array", "null"], "items": items, "x-error": "expected_list_of_strings"}


_INTAKE = {
    "type": "object",
    "properties": {
        "held_at": {
            "type": "string",
            "pattern": LOCAL_DATETIME,
            "description": "When the interview was held: ISO 8601 with an offset, or without "
                           "one for Swedish time (2026-01-10T10:00). Not in the future.",
        },
        "motivation": choice_schema(Motivation),
        "suitability": choice_schema(Suitability),
        "participants": {
            **_listed({"type": "string", "x-error": "expected_list_of_strings",
                       "allOf": [{"maxLength": 200, "x-error": "too_long"}]}),
            "allOf": [{"maxItems": 20, "x-error": "too_long"}],
        },
        "information_given": _listed({
            "type": "string", "x-error": "expected_list_of_strings",
            "allOf": [choice_schema(InformationGiven)],
        }),
        **{name: TRISTATE_SCHEMA for name in TRISTATE_FIELDS},
        "milieu": choice_schema(Milieu, optional=True),
        "referral_source": choice_schema(ReferralSource, optional=True),
        "notes": text_schema(20_000),
        "call_id": {**UUID_OR_NONE,
                    "description": "The call the intake came from (one the user may read)."},
    },
    "required": ["held_at", "motivation", "suitability"],
}
_TRANSITION = {
    "type": "object",
    "properties": {
        "to": choice_schema(CaseState),
        "reason_code": {
            **choice_schema(ExitReason, optional=True),
            "description": "Required to REFERRED (MINOR, WITNESS or OTHER_REFERRAL) and to "
                           "NOT_ELIGIBLE (CRITERIA_NOT_MET, CONSENT_REFUSED or NOT_MOTIVATED); "
                           "another is refused with 409.",
        },
        "reason": text_schema(service.MAX_REASON),
    },
    "required": ["to"],
}
_NOTE = {
    "type": "object",
    "properties": {
        "body": required_text_schema(MAX_NOTE),
        "corrects_note_id": {**UUID_OR_NONE, "x-error": "not_in_case",
                             "description": "A note of this case that this one corrects."},
    },
    "required": ["body"],
}

_CASE = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "reference": {"type": "string"},
        "state": {"enum": [s.value for s in CaseState]},
        "pseudonym": {"type": "string"},
        "responsible_officer_id": {"type": "string", "format": "uuid"},
        "milieu": {"enum": [*(m.value for m in Milieu), None]},
        "eligibility": {
            "type": "object",
            "properties": {
                **{name: _NULLABLE_BOOL for name in (
                    "definition_met", "threat_documented", "motivated", "is_witness",
                    "is_adult")},
                "municipality_led": {"type": "boolean"},
            },
            "required": ["definition_met", "threat_documented", "motivated", "is_witness",
                         "is_adult", "municipality_led"],
        },
        "exit_reason": _OPTIONAL_CODE,
        "closure_reason": _OPTIONAL_CODE,
        "created_at": _TIME,
    },
    "required": ["id", "reference", "state", "pseudonym", "responsible_officer_id", "milieu",
                 "eligibility", "exit_reason", "closure_reason", "created_at"],
}
_CASE_DETAIL = {
    **_CASE,
    "properties": {
        **_CASE["properties"],
        "activation_guards_failing": {"type": "array",
                                      "items": {"enum": [g.value for g in Guard]}},
        "timeline": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "at": _TIME, "kind": {"type": "string"},
                "from": _OPTIONAL_CODE, "to": _OPTIONAL_CODE,
                "reason_code": _OPTIONAL_CODE, "reason": {"type": "string"},
            },
            "required": ["at", "kind", "from", "to", "reason_code", "reason"],
        }},
        "notes": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "format": "uuid"}, "at": _TIME,
                "body": {"type": "string"},
                "corrects_note_id": {"type": ["string", "null"], "format": "uuid"},
            },
            "required": ["id", "at", "body", "corrects_note_id"],
        }},
    },
    "required": [*_CASE["required"], "activation_guards_failing", "timeline", "notes"],
}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "api:cases_list": {
        "summary": "Cases the user may read (pseudonyms only)",
        "parameters": [{"name": "state", "in": "query", "required": False,
                        "description": "Only cases in this state (\"\": every state)",
                        "schema": {"enum": [*(s.value for s in CaseState), ""]}}],
        "responses": {
            "200": json_doc("Cases", {"type": "object",
                                      "properties": {"cases": {"type": "array", "items": _CASE}},
                                      "required": ["cases"]}),
            **FAILURES,
        },
    },
    "api:cases_create": {
        "summary": "Open a case from an intake interview",
        "requestBody": json_body(_INTAKE),
        "responses": {
            "201": json_doc("Opened (in ASSESSMENT, or REFERRED for a witness or a minor)",
                            _CASE),
            **{k: v for k, v in WRITE_FAILURES.items() if k != "404"},
        },
    },
    "api:cases_get": {
        "summary": "One case with its timeline and notes (audited read)",
        "parameters": _CASE_ID,
        "responses": {"200": json_doc("The case", _CASE_DETAIL), **FAILURES, **_CASE_404},
    },
    "api:cases_transition": {
        "summary": "Move a case to another state; guards are enforced",
        "parameters": _CASE_ID,
        "requestBody": json_body(_TRANSITION),
        "responses": {"200": json_doc("Moved", _CASE), **WRITE_FAILURES},
    },
    "api:cases_note_add": {
        "summary": "Add a journal note (append-only)",
        "parameters": _CASE_ID,
        "requestBody": json_body(_NOTE),
        "responses": {
            "201": json_doc("Added", {"type": "object",
                                      "properties": {"id": {"type": "string", "format": "uuid"}},
                                      "required": ["id"]}),
            **{k: v for k, v in WRITE_FAILURES.items() if k != "409"},
        },
    },
}
