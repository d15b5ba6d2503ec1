"""Routes of the protection domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; which case a user may touch is decided per
request by the readable set (missing and forbidden are both 404). Reading a vault entry and
breaking the glass need a sign-in within the last five minutes (``reauth=True``); the vault log
is for supervisors (checked in the service: ``Role.SUPERVISOR``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.protection import api as protection_api
from helpline.protection import endpoints as protection
from helpline.protection import labels as protection_labels
from helpline.protection.measures import case_protection
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]
_PERSON = "/cases/{case_id}/persons/{person_id}/protection"
_VAULT = "/cases/{case_id}/vault"
_ENTRY = _VAULT + "/{entry_id}"

ROUTES: list[BaseRoute] = [
    page(_PERSON, protection.person_protection, name="protection:person", access=READ),
    page(_PERSON, protection.person_protection_save, name="protection:person_save",
         access=WRITE, methods=POST),
    page(_VAULT, protection.vault_list, name="protection:vault", access=READ),
    page(_VAULT + "/new", protection.vault_new, name="protection:vault_new", access=WRITE),
    page(_VAULT + "/new", protection.vault_create, name="protection:vault_create",
         access=WRITE, methods=POST),
    page(_ENTRY + "/access", protection.vault_access, name="protection:vault_access",
         access=WRITE, methods=POST),
    page(_ENTRY + "/read", protection.vault_read, name="protection:vault_read", access=READ,
         methods=POST, reauth=True),
    page(_ENTRY + "/break-glass", protection.break_glass_form,
         name="protection:break_glass_form", access=READ),
    page(_ENTRY + "/break-glass", protection.break_glass, name="protection:break_glass",
         access=READ, methods=POST, reauth=True),
    page("/protection/vault-log", protection.vault_log, name="protection:vault_log",
         access=Permission.PROTECTION_SUPERVISE),
    page("/protection/alerts/{alert_id}/acknowledge", protection.alert_acknowledge,
         name="protection:alert_acknowledge", access=Permission.PROTECTION_SUPERVISE,
         methods=POST),
    api("/api/v1/cases/{case_id}/protection", protection_api.get_protection,
        name="protection:api_get", access=READ),
    api("/api/v1" + _PERSON, protection_api.set_measure, name="protection:api_set_measure",
        access=WRITE, methods=POST),
    api("/api/v1" + _ENTRY + "/read", protection_api.read_entry,
        name="protection:api_vault_read", access=READ, methods=POST),
]

# Only supervisors open the vault log (the service checks the role as well).
NAVIGATION: tuple[NavEntry, ...] = (
    ("protection:vault_log", "Vault log", Permission.PROTECTION_SUPERVISE),
)

CASE_PAGE_SECTIONS = (CasePageSection("protection", case_protection, protection_labels),)

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------

_STRING = {"type": "string"}
_DATE = {"type": ["string", "null"], "format": "date"}
_CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": _STRING}
_PERSON_ID = {"name": "person_id", "in": "path", "required": True, "schema": _STRING}
_ENTRY_ID = {"name": "entry_id", "in": "path", "required": True, "schema": _STRING}
_LEVELS = ["CONFIDENTIALITY_MARKING", "PROTECTED_REGISTRATION", "FICTITIOUS_IDENTITY"]
_STATES = ["NOT_APPLICABLE", "PLANNED", "APPLIED", "GRANTED", "REFUSED", "ENDED"]
_MEASURE = {
    "type": "object",
    "properties": {
        "id": _STRING, "level": {"type": "string", "enum": _LEVELS},
        "state": {"type": "string", "enum": _STATES}, "counts": {"type": "boolean"},
        "applied_on": _DATE, "decided_on": _DATE, "review_on": _DATE,
        "review_due": {"type": "boolean"},
    },
    "required": ["id", "level", "state", "counts"],
}
_MEASURE_INPUT = {
    "type": "object",
    "description": "Exactly these fields: there is none for a new identity, and others are "
                   "refused (422).",
    "properties": {
        "level": {"type": "string", "enum": _LEVELS},
        "state": {"type": "string", "enum": _STATES},
        "applied_on": {"type": "string", "format": "date"},
        "decided_on": {"type": "string", "format": "date"},
        "review_on": {"type": "string", "format": "date"},
        "decision_reference": {"type": "string", "maxLength": 40},
    },
    "required": ["level", "state"],
    "additionalProperties": False,
}
_CASE_LEVEL = {"type": "string", "enum": ["NONE", *_LEVELS]}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "protection:api_get": {
        "summary": "Protected-data measures per person (pseudonyms) and the case's level",
        "parameters": [_CASE_ID],
        "responses": {
            "200": json_doc("The case's level and each person's measures", {
                "type": "object",
                "properties": {
                    "case_level": _CASE_LEVEL,
                    "persons": {"type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "person_id": _STRING, "pseudonym": _STRING, "role": _STRING,
                            "level": _CASE_LEVEL,
                            "measures": {"type": "array", "items": _MEASURE},
                        },
                        "required": ["person_id", "pseudonym", "level", "measures"],
                    }},
                },
                "required": ["case_level", "persons"],
            }),
            "404": json_doc("No such case readable by the user", {"type": "object"}),
            **FAILURES,
        },
    },
    "protection:api_set_measure": {
        "summary": "Record or change a person's protected-data measure (one per level)",
        "parameters": [_CASE_ID, _PERSON_ID],
        "requestBody": json_body(_MEASURE_INPUT),
        "responses": {
            "200": json_doc("Saved", {
                "type": "object",
                "properties": {"id": _STRING, "level": _STRING, "state": _STRING,
                               "case_level": _CASE_LEVEL},
                "required": ["id", "level", "state", "case_level"],
            }),
            **WRITE_FAILURES,
        },
    },
    "protection:api_vault_read": {
        "summary": "Read a location vault entry (named users only, purpose required, audited)",
        "description": "Break-glass is not available through the API (no re-authentication).",
        "parameters": [_CASE_ID, _ENTRY_ID],
        "requestBody": json_body({
            "type": "object",
            "properties": {"purpose": {"type": "string", "minLength": 5, "maxLength": 200}},
            "required": ["purpose"],
        }),
        "responses": {
            "200": json_doc("The entry, decrypted", {
                "type": "object",
                "properties": {
                    "entry_id": _STRING, "label_number": {"type": "integer"}, "kind": _STRING,
                    "valid_from": _DATE, "valid_to": _DATE, "address": _STRING,
                    "whereabouts": _STRING, "notes": _STRING,
                },
                "required": ["entry_id", "label_number", "kind", "address", "whereabouts"],
            }),
            **{k: v for k, v in WRITE_FAILURES.items() if k != "409"},
            "403": json_doc("Not named for this entry (the refusal is logged)", {
                "type": "object", "properties": {"error": _STRING}, "required": ["error"],
            }),
        },
    },
}
