"""Routes of consent and conditions (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case (or, for the API's revocation,
the consent) is looked up through the user's readable set: missing and forbidden are 404.
"""

from __future__ import annotations

import enum
from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import FILLED
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.consent import api as consent_api
from helpline.consent import endpoints as consent
from helpline.consent import labels as consent_labels
from helpline.consent import schemas
from helpline.consent.conditions import conditions_for_case
from helpline.consent.service import consent_summary
from helpline.models.cases import ConsentState
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]
_CONSENT = "/cases/{case_id}/consents/{consent_id}"

ROUTES: list[BaseRoute] = [
    page("/cases/{case_id}/consents/new", consent.new_consent, name="consent:new", access=WRITE),
    page("/cases/{case_id}/consents/new", consent.create_consent, name="consent:create",
         access=WRITE, methods=POST),
    page(_CONSENT + "/revoke", consent.revoke_form, name="consent:revoke_form", access=WRITE),
    page(_CONSENT + "/revoke", consent.revoke, name="consent:revoke", access=WRITE,
         methods=POST),
    page("/cases/{case_id}/persons/{person_id}/consent/print", consent.print_consent,
         name="consent:print", access=READ),
    page("/cases/{case_id}/conditions", consent.show_conditions, name="conditions:show",
         access=READ),
    page("/cases/{case_id}/conditions", consent.create_agreement, name="conditions:create",
         access=WRITE, methods=POST),
    page("/cases/{case_id}/conditions/breaches", consent.create_breach,
         name="conditions:breach", access=WRITE, methods=POST),
    api("/api/v1/cases/{case_id}/consents", consent_api.list_consents, name="consent:api_list",
        access=READ),
    api("/api/v1/cases/{case_id}/consents", consent_api.create_consent,
        name="consent:api_create", access=WRITE, methods=POST),
    api("/api/v1/consents/{consent_id}/revoke", consent_api.revoke_consent,
        name="consent:api_revoke", access=WRITE, methods=POST),
    api("/api/v1/cases/{case_id}/conditions", consent_api.get_conditions,
        name="conditions:api_get", access=READ),
    api("/api/v1/cases/{case_id}/conditions", consent_api.create_agreement,
        name="conditions:api_create", access=WRITE, methods=POST),
    api("/api/v1/cases/{case_id}/conditions/breaches", consent_api.create_breach,
        name="conditions:api_breach", access=WRITE, methods=POST),
]

NAVIGATION: tuple[NavEntry, ...] = ()

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------


def _enum(kind: type[enum.StrEnum], *extra: str) -> dict[str, Any]:
    """One member's value: "" is missing (``required``), another value ``invalid``."""
    return {"type": "string", "minLength": 1, "enum": [m.value for m in kind] + list(extra)}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _some(items: dict[str, Any]) -> dict[str, Any]:
    """At least one item (none is ``required``); the parsers read at most 50."""
    return {"type": "array", "items": items, "maxItems": 50,
            "allOf": [{"minItems": 1, "x-error": "required"}]}


def _uuid(code: str, *, optional: bool = False) -> dict[str, Any]:
    """The id of a row the service looks up (``code`` when it is not an id); optional: "" is
    none. Whether the row exists, on this case, is checked after."""
    own = {"anyOf": [{"maxLength": 0}, {"format": "uuid"}]} if optional else {"format": "uuid"}
    return {"type": "string", **({} if optional else {"minLength": 1}),
            "allOf": [{**own, "x-error": code}]}


_DATE = {"type": "string", "format": "date"}
_CATEGORIES = _enum(schemas.DataCategory)
_PURPOSES = _enum(schemas.ConsentPurpose)
_CONDITIONS = _enum(schemas.Condition)
_CONSENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "person_id": {"type": "string", "format": "uuid"},
        "pseudonym": {"type": "string"},
        "version": {"type": "integer", "minimum": 1},
        "state": {"type": "string", "enum": [s.value for s in ConsentState]},
        "effective_state": {
            "type": "string",
            "enum": [*(s.value for s in ConsentState), "EXPIRED", "NOT_YET_VALID"],
        },
        "in_force": {"type": "boolean"},
        "form": {"type": "string", "enum": [f.value for f in schemas.ConsentForm]},
        "recipients": {"type": "array", "items": {
            "type": "object",
            "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"}},
            "required": ["id", "name"],
        }},
        "categories": {"type": "array", "items": _CATEGORIES},
        "purposes": {"type": "array", "items": _PURPOSES},
        "valid_from": _DATE,
        "valid_to": _DATE,
        "revoked_at": {"type": ["string", "null"], "description": "ISO 8601 date and time"},
        "revocation_method": {
            "type": ["string", "null"],
            "enum": [*(m.value for m in schemas.RevocationMethod), None],
        },
    },
    "required": [
        "id", "person_id", "pseudonym", "version", "state", "effective_state", "in_force", "form",
        "recipients", "categories", "purposes", "valid_from", "valid_to", "revoked_at",
        "revocation_method",
    ],
}
_CONSENT_INPUT = {
    "type": "object",
    "properties": {
        "person_id": {**_uuid("unknown_person"), "description": "A person of this case"},
        "state": {"type": "string", "minLength": 1,
                  "enum": [s.value for s in schemas.DECISIONS]},
        "form": _enum(schemas.ConsentForm),
        "recipients": {
            **_some({"type": "string", "allOf": [
                {"format": "uuid", "x-error": "unknown_organisation"},
            ]}),
            "description": "Organisations the information may go to (ids)",
        },
        "categories": _some(_CATEGORIES),
        "purposes": _some(_PURPOSES),
        "valid_from": _DATE,
        "valid_to": {**_DATE, "description": "Not before valid_from, nor before today"},
        "guardian_person_id": {
            **_uuid("unknown_person", optional=True),
            "description": "For a minor's consent: their guardian, a person of this case",
        },
    },
    "required": [
        "person_id", "state", "form", "recipients", "categories", "purposes", "valid_from",
        "valid_to",
    ],
}
_REVOCATION = {
    "type": "object",
    "properties": {
        "method": _enum(schemas.RevocationMethod),
        "note": {"type": "string", "maxLength": schemas.NOTE_MAX},
    },
    "required": ["method"],
}
_BREACH = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "occurred_on": _DATE,
        "condition": _CONDITIONS,
        "consequence": _enum(schemas.Consequence),
        "description": {"type": "string"},
    },
    "required": ["id", "occurred_on", "condition", "consequence", "description"],
}
_AGREEMENTS = {
    "type": "object",
    "properties": {"agreements": {"type": "array", "items": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "signed_on": _DATE,
            "conditions": {"type": "array", "items": _CONDITIONS},
            "current": {"type": "boolean"},
            "breaches": {"type": "array", "items": _BREACH},
        },
        "required": ["id", "signed_on", "conditions", "current", "breaches"],
    }}},
    "required": ["agreements"],
}
_AGREEMENT_INPUT = {
    "type": "object",
    "properties": {
        "signed_on": {**_DATE, "description": "Not after today"},
        "conditions": _some(_CONDITIONS),
    },
    "required": ["signed_on", "conditions"],
}
_BREACH_INPUT = {
    "type": "object",
    "description": "A breach of the current agreement: its condition, on or after it was signed "
                   "and not after today",
    "properties": {
        "occurred_on": _DATE, "condition": _CONDITIONS, "consequence": _enum(schemas.Consequence),
        "description": {"type": "string", "maxLength": schemas.DESCRIPTION_MAX,
                        "allOf": [FILLED]},
    },
    "required": ["occurred_on", "condition", "consequence", "description"],
}
_CREATED = {
    "type": "object", "properties": {"id": {"type": "string", "format": "uuid"}},
    "required": ["id"],
}
_NOT_FOUND = {"404": json_doc("No such case readable by the user", ERROR)}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "consent:api_list": {
        "summary": "Every consent version of the case's persons, newest first (audited)",
        "parameters": [_path("case_id")],
        "responses": {
            "200": json_doc("Consents", {
                "type": "object",
                "properties": {"consents": {"type": "array", "items": _CONSENT}},
                "required": ["consents"],
            }),
            **_NOT_FOUND, **FAILURES,
        },
    },
    "consent:api_create": {
        "summary": "Record a new consent version (supersedes the person's consent in force)",
        "parameters": [_path("case_id")],
        "requestBody": json_body(_CONSENT_INPUT),
        "responses": {"201": json_doc("Recorded", _CONSENT), **WRITE_FAILURES},
    },
    "consent:api_revoke": {
        "summary": "Revoke a consent; takes effect at once",
        "parameters": [_path("consent_id")],
        "requestBody": json_body(_REVOCATION),
        "responses": {"200": json_doc("Revoked", _CONSENT), **WRITE_FAILURES},
    },
    "conditions:api_get": {
        "summary": "Signed conditions and their breaches, newest first (audited)",
        "parameters": [_path("case_id")],
        "responses": {"200": json_doc("Agreements", _AGREEMENTS), **_NOT_FOUND, **FAILURES},
    },
    "conditions:api_create": {
        "summary": "Record the conditions the person signed",
        "parameters": [_path("case_id")],
        "requestBody": json_body(_AGREEMENT_INPUT),
        "responses": {"201": json_doc("Recorded", _CREATED), **WRITE_FAILURES},
    },
    "conditions:api_breach": {
        "summary": "Record a breach of the current conditions (description encrypted)",
        "parameters": [_path("case_id")],
        "requestBody": json_body(_BREACH_INPUT),
        "responses": {"201": json_doc("Recorded", _CREATED), **WRITE_FAILURES},
    },
}

CASE_PAGE_SECTIONS = (
    CasePageSection("consent", consent_summary, consent_labels),
    CasePageSection("conditions", conditions_for_case, consent_labels),
)
