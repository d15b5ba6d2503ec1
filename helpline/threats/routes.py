"""Routes of the threat-assessment domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read`` and changes ``cases:write``; the case is looked up through the
user's readable set (missing and forbidden are both 404), and the service decides who may do
what (only a supervisor who did not write the version may return or approve it). Approval
demands a recent sign-in. The dashboard is the supervisors' (``threats:review``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import BLANK, choice_schema, required_text_schema, text_schema
from helpline.authz import Permission
from helpline.models.cases import AssessmentState, ThreatLevel
from helpline.threats import api as threats_api
from helpline.threats import endpoints as threats
from helpline.threats.catalogue import (
    CATALOGUES,
    ActorKind,
    Imminence,
    Likelihood,
    Measure,
    Rating,
    Severity,
    Timing,
    Trigger,
)
from helpline.threats.rules import Status
from helpline.threats.schemas import (
    LONG_TEXTS,
    MAX_COMMENT,
    MAX_LABEL,
    MAX_LONG,
    MAX_ROWS,
)
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

# --- OpenAPI operations (merged into helpline.api.openapi.OPERATIONS) --------------------------

_CASE_ID = {"name": "case_id", "in": "path", "required": True,
            "schema": {"type": "string", "format": "uuid"}}
# As threats.api._number reads it: 1 to 5 ASCII digits (anything else, or no such version: 404).
_VERSION_NO = {"name": "version", "in": "path", "required": True,
               "description": "The version number (1, 2, ...)",
               "schema": {"type": "string", "pattern": "^[0-9]{1,5}$"}}
_NOT_FOUND = {"404": json_doc("No such case or version readable by the user", ERROR)}


def _values(kind: Iterable[enum.StrEnum]) -> list[str]:
    return [member.value for member in kind]


# The document as threats.schemas.parse_document reads it: codes one of their lists ("" or
# null: not given), texts up to their limits, at most MAX_ROWS actors and scenarios.
_FACTOR = {
    "type": "object",
    "properties": {
        "rating": choice_schema(Rating, optional=True),
        "timing": choice_schema(Timing, optional=True),
        "comment": text_schema(MAX_COMMENT),
    },
}
_ACTOR_FIELDS = {
    "kind": choice_schema(ActorKind, optional=True),
    "label": text_schema(MAX_LABEL),
    "intent": choice_schema(Rating, optional=True),
    "capability": choice_schema(Rating, optional=True),
    "description": text_schema(MAX_COMMENT),
}
_NOTHING = {"enum": ["", None]}
_BLANK_TEXT = {"anyOf": [{"type": "null"}, {"type": "string", "pattern": BLANK}]}
_ACTOR = {
    "type": "object",
    "properties": _ACTOR_FIELDS,
    # An actor names its kind, unless the row is left wholly empty (then it is dropped).
    "allOf": [{"x-error": "required", "x-field": "kind", "anyOf": [
        {"properties": {"kind": {"enum": _values(ActorKind)}}, "required": ["kind"]},
        {"properties": {"kind": _NOTHING, "intent": _NOTHING, "capability": _NOTHING,
                        "label": _BLANK_TEXT, "description": _BLANK_TEXT}},
    ]}],
}
_SCENARIO = {
    "type": "object",
    "properties": {
        "what": text_schema(MAX_COMMENT),
        "who": text_schema(MAX_COMMENT),
        "likelihood": choice_schema(Likelihood, optional=True),
        "imminence": choice_schema(Imminence, optional=True),
        "severity": choice_schema(Severity, optional=True),
    },
}
_FACTOR_CODES = sorted({code for c in CATALOGUES.values() for code in c.codes})
_DOCUMENT = {
    "type": "object",
    "properties": {
        "overall_level": choice_schema(ThreatLevel, optional=True),
        "acute": {"type": "boolean"},
        "factors": {
            "type": ["object", "null"],
            "description": "By factor code of the version's catalogue",
            "propertyNames": {"enum": _FACTOR_CODES},
            "additionalProperties": _FACTOR,
        },
        "actors": {"type": ["array", "null"], "maxItems": MAX_ROWS, "items": _ACTOR},
        "scenarios": {"type": ["array", "null"], "maxItems": MAX_ROWS, "items": _SCENARIO},
        "measures": {"type": ["array", "null"],
                     "items": choice_schema(Measure, optional=True)},
        **{name: text_schema(MAX_LONG) for name in LONG_TEXTS},
    },
}
_START = {
    "type": "object",
    "properties": {"trigger": choice_schema(Trigger)},
    "required": ["trigger"],
}
_RETURN = {
    "type": "object",
    "properties": {"comment": required_text_schema(MAX_LONG)},
    "required": ["comment"],
}

_DAY = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time"}
_LEVEL = {"enum": [*_values(ThreatLevel), None]}
_VERSION = {
    "type": "object",
    "description": "A version's metadata: codes, dates and ids, never free text",
    "properties": {
        "version": {"type": "integer", "minimum": 1},
        "state": {"enum": _values(AssessmentState)},
        "overall_level": _LEVEL,
        "acute": {"type": "boolean"},
        "author_id": {"type": "string", "format": "uuid"},
        "reviewer_id": {"type": ["string", "null"], "format": "uuid"},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "submitted_at": {"type": ["string", "null"], "format": "date-time"},
        "approved_at": {"type": ["string", "null"], "format": "date-time"},
        "review_due_on": {"type": ["string", "null"], "format": "date"},
        "catalogue": {"type": ["string", "null"]},
        "trigger": {"enum": [*_values(Trigger), None]},
        "based_on_version": {"type": ["integer", "null"]},
    },
    "required": ["version", "state", "overall_level", "acute", "author_id", "reviewer_id",
                 "created_at", "submitted_at", "approved_at", "review_due_on", "catalogue",
                 "trigger", "based_on_version"],
}
_VERSION_DETAIL = {
    **_VERSION,
    "description": "A version with its decrypted content",
    "properties": {
        **_VERSION["properties"],
        "document": _DOCUMENT,
        "returned_comment": {"type": "string"},
        "level_lowered": {"type": "boolean"},
    },
    "required": [*_VERSION["required"], "document", "returned_comment", "level_lowered"],
}
_ROW = {
    "type": "object",
    "properties": {
        "case_id": {"type": "string", "format": "uuid"},
        "reference": {"type": "string"},
        "pseudonym": {"type": "string"},
        "version": {"type": ["integer", "null"]},
        "overall_level": _LEVEL,
        "acute": {"type": "boolean"},
        "date": {"anyOf": [_DAY, _TIME, {"type": "null"}],
                 "description": "Submitted at (review queue) or review due on (the others)"},
        "days_left": {"type": ["integer", "null"]},
    },
    "required": ["case_id", "reference", "pseudonym", "version", "overall_level", "acute",
                 "date", "days_left"],
}
_ROWS = {"type": "array", "items": _ROW}
_DASHBOARD = {
    "type": "object",
    "properties": {
        "today": _DAY,
        "due_soon_days": {"type": "integer"},
        "counts": {
            "type": "object",
            "properties": {key: {"type": "integer", "minimum": 0}
                           for key in (*_values(ThreatLevel), "OVERDUE", "MISSING")},
            "required": [*_values(ThreatLevel), "OVERDUE", "MISSING"],
        },
        **{name: _ROWS for name in ("review_queue", "overdue", "due_soon", "acute", "missing")},
    },
    "required": ["today", "due_soon_days", "counts", "review_queue", "overdue", "due_soon",
                 "acute", "missing"],
}
_INCOMPLETE = {
    **ERROR,
    "description": "A rule refused the change (rules named); an incomplete submission also "
                   "names the fields",
    "properties": {**ERROR["properties"], "rules": {"type": "array", "items": {"type": "string"}},
                   "fields": {"type": "object"}},
}
# A change: the shared answers (401, 403, 400, 413, 415, 422), 404 and a refusal's 409.
_CHANGE_FAILURES = {**WRITE_FAILURES, **_NOT_FOUND}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "threats:api_dashboard": {
        "summary": "Supervisor dashboard: review queue, overdue and due soon, acute, counts "
                   "(pseudonyms only)",
        "responses": {"200": json_doc("The dashboard", _DASHBOARD), **FAILURES},
    },
    "threats:api_list": {
        "summary": "Versions of a case's threat assessment and its status (no free text)",
        "parameters": [_CASE_ID],
        "responses": {
            "200": json_doc("The versions, oldest first", {
                "type": "object",
                "properties": {"status": {"enum": _values(Status)},
                               "versions": {"type": "array", "items": _VERSION}},
                "required": ["status", "versions"]}),
            **FAILURES, **_NOT_FOUND,
        },
    },
    "threats:api_start": {
        "summary": "Start an assessment or a reassessment",
        "parameters": [_CASE_ID],
        "requestBody": json_body(_START),
        "responses": {"201": json_doc("The new draft version", _VERSION), **_CHANGE_FAILURES},
    },
    "threats:api_get": {
        "summary": "One version with its decrypted content (audited read)",
        "parameters": [_CASE_ID, _VERSION_NO],
        "responses": {"200": json_doc("The version", _VERSION_DETAIL), **FAILURES, **_NOT_FOUND},
    },
    "threats:api_save": {
        "summary": "Replace the content of a draft or returned version",
        "parameters": [_CASE_ID, _VERSION_NO],
        "requestBody": json_body(_DOCUMENT),
        "responses": {"200": json_doc("Saved", _VERSION), **_CHANGE_FAILURES},
    },
    "threats:api_submit": {
        "summary": "Submit a draft for review (every factor rated)",
        "parameters": [_CASE_ID, _VERSION_NO],
        "responses": {
            "200": json_doc("Submitted", _VERSION),
            **FAILURES, **_NOT_FOUND,
            "409": json_doc("A rule refused the submission", _INCOMPLETE),
        },
    },
    "threats:api_return": {
        "summary": "Return a submitted version for revision, with a comment",
        "parameters": [_CASE_ID, _VERSION_NO],
        "requestBody": json_body(_RETURN),
        "responses": {"200": json_doc("Returned", _VERSION), **_CHANGE_FAILURES},
    },
}
