"""Routes of consent and conditions (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; the case (or, for the API's revocation,
the consent) is looked up through the user's readable set: missing and forbidden are 404.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.consent import api as consent_api
from helpline.consent import endpoints as consent
from helpline.consent import labels as consent_labels
from helpline.consent.conditions import conditions_for_case
from helpline.consent.service import consent_summary
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


def _enum(*values: str) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


_DATE = {"type": "string", "format": "date"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
_CATEGORIES = _enum(
    "IDENTITY", "THREAT_ASSESSMENT", "CRIMINAL_HISTORY", "HEALTH_SUBSTANCE", "FINANCES",
    "LOCATION", "FAMILY", "ACTION_PLAN",
)
_PURPOSES = _enum(
    "POLICE_REGISTER_CHECKS", "INFO_EXCHANGE_EXIT", "HANDOVER_RECEIVING_MUNICIPALITY",
    "PROTECTED_DATA_APPLICATION",
)
_CONDITIONS = _enum(
    "NO_CRIME", "NO_DRUGS", "DRUG_TESTS", "MEETINGS", "NO_CONTACT_WITH_MILIEU",
    "FOLLOW_SAFETY_ADVICE",
)
_CONSEQUENCES = _enum("WARNING", "CONDITIONS_REVIEWED", "PROTECTION_REDUCED", "PROGRAMME_ENDED")
_CONSENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "person_id": {"type": "string"}, "pseudonym": {"type": "string"},
        "version": {"type": "integer"},
        "state": _enum("GIVEN", "REFUSED", "REVOKED", "SUPERSEDED"),
        "effective_state": {"type": "string"}, "in_force": {"type": "boolean"},
        "form": {"type": "string"},
        "recipients": {"type": "array", "items": {"type": "object"}},
        "categories": _STRINGS, "purposes": _STRINGS, "valid_from": _DATE, "valid_to": _DATE,
        "revoked_at": {"type": ["string", "null"]},
        "revocation_method": {"type": ["string", "null"]},
    },
    "required": ["id", "person_id", "version", "state", "effective_state", "valid_to"],
}
_CONSENT_INPUT = {
    "type": "object",
    "properties": {
        "person_id": {"type": "string", "format": "uuid"},
        "state": _enum("GIVEN", "REFUSED"),
        "form": _enum("WRITTEN", "ORAL"),
        "recipients": {"type": "array", "items": {"type": "string", "format": "uuid"}},
        "categories": {"type": "array", "items": _CATEGORIES},
        "purposes": {"type": "array", "items": _PURPOSES},
        "valid_from": _DATE,
        "valid_to": _DATE,
        "guardian_person_id": {"type": "string", "format": "uuid"},
    },
    "required": [
        "person_id", "state", "form", "recipients", "categories", "purposes", "valid_from",
        "valid_to",
    ],
}
_REVOCATION = {
    "type": "object",
    "properties": {
        "method": _enum("WRITTEN", "ORAL", "PHONE", "VIA_REPRESENTATIVE"),
        "note": {"type": "string", "maxLength": 2000},
    },
    "required": ["method"],
}
_AGREEMENTS = {
    "type": "object",
    "properties": {"agreements": {"type": "array", "items": {"type": "object"}}},
    "required": ["agreements"],
}
_AGREEMENT_INPUT = {
    "type": "object",
    "properties": {"signed_on": _DATE, "conditions": {"type": "array", "items": _CONDITIONS}},
    "required": ["signed_on", "conditions"],
}
_BREACH_INPUT = {
    "type": "object",
    "properties": {
        "occurred_on": _DATE, "condition": _CONDITIONS, "consequence": _CONSEQUENCES,
        "description": {"type": "string", "maxLength": 2000},
    },
    "required": ["occurred_on", "condition", "consequence", "description"],
}
_CREATED = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
_NOT_FOUND = {"404": json_doc("No such case readable by the user", {"type": "object"})}

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
