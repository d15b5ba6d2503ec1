"""Routes of the protection domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; which case a user may touch is decided per
request by the readable set (missing and forbidden are both 404). Reading a vault entry and
breaking the glass need a sign-in within the last five minutes (``reauth=True``); the vault log
is for supervisors (checked in the service: ``Role.SUPERVISOR``).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import EDGE
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.models.cases import PersonRole
from helpline.models.protection import MeasureLevel, MeasureState
from helpline.protection import api as protection_api
from helpline.protection import endpoints as protection
from helpline.protection import labels as protection_labels
from helpline.protection import measures, schemas
from helpline.protection.levels import ProtectionLevel
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
]
# No API route reads the vault: a bearer token cannot re-authenticate, and the page's read
# demands a sign-in within the last five minutes (SECURITY.md §4). Break-glass likewise.

# Only supervisors open the vault log (the service checks the role as well).
NAVIGATION: tuple[NavEntry, ...] = (
    ("protection:vault_log", "Vault log", Permission.PROTECTION_SUPERVISE),
)

CASE_PAGE_SECTIONS = (CasePageSection("protection", case_protection, protection_labels),)

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------

_STRING = {"type": "string"}
_ID = {"type": "string", "format": "uuid"}
_DATE = {"type": ["string", "null"], "format": "date"}
_CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": _STRING}
_PERSON_ID = {"name": "person_id", "in": "path", "required": True, "schema": _STRING}
_LEVELS = [level.value for level in MeasureLevel]
_STATES = [state.value for state in MeasureState]
_MEASURE = {
    "type": "object",
    "properties": {
        "id": _ID, "level": {"type": "string", "enum": _LEVELS},
        "state": {"type": "string", "enum": _STATES}, "counts": {"type": "boolean"},
        "applied_on": _DATE, "decided_on": _DATE, "review_on": _DATE,
        "review_due": {"type": "boolean"},
    },
    "required": [
        "id", "level", "state", "counts", "applied_on", "decided_on", "review_on", "review_due",
    ],
}
# A measure's date: empty or null is none (the GET answers null).
_DAY = {"type": ["string", "null"], "allOf": [
    {"x-error": "invalid_date", "anyOf": [{"format": "date"}, {"maxLength": 0}]},
]}
# A diary number ("Dnr 2026/1234", "UM-2026-12345"): these characters, a digit, at most
# REFERENCE_MAX_LETTERS letters (so it cannot carry a name). Spelt as one expression without
# look-ahead: i letters before the first digit, at most the rest after it.
_LETTER, _OTHER = "[A-Za-zÅÄÖåäö]", "[ .:/_-]"
_REFERENCE = "^{edge}(?:{any})?{edge}$".format(edge=EDGE, any="|".join(
    rf"(?:{_OTHER}*{_LETTER}){{{before}}}{_OTHER}*[0-9]"
    rf"(?:[0-9 .:/_-]*{_LETTER}){{0,{schemas.REFERENCE_MAX_LETTERS - before}}}[0-9 .:/_-]*"
    for before in range(schemas.REFERENCE_MAX_LETTERS + 1)
))


def _dated(states: frozenset[MeasureState], name: str) -> dict[str, Any]:
    """In one of ``states`` the measure needs the date ``name`` (code ``<name>_required``)."""
    return {
        "if": {"properties": {"state": {"enum": sorted(s.value for s in states)}},
               "required": ["state"]},
        "then": {"properties": {name: {"type": "string", "minLength": 1,
                                       "x-error": f"{name}_required"}},
                 "required": [name], "x-error": f"{name}_required"},
    }


_MEASURE_INPUT = {
    "type": "object",
    "description": "Exactly these fields: there is none for a new identity, and others are "
                   "refused (422). The dates may not be in the future; decided_on is not "
                   "before applied_on, review_on not before decided_on.",
    "properties": {
        "level": {"type": "string", "minLength": 1, "enum": _LEVELS},
        "state": {"type": "string", "minLength": 1, "enum": _STATES},
        "applied_on": {**_DAY, "description": "Required in APPLIED, GRANTED and REFUSED"},
        "decided_on": {**_DAY, "description": "Required in GRANTED and REFUSED"},
        "review_on": _DAY,
        "decision_reference": {
            "type": "string", "maxLength": schemas.REFERENCE_MAX,
            "description": "The decision's diary number: letters (A-Z, ÅÄÖ), digits, spaces and "
                           f".:/_- only, a digit, at most {schemas.REFERENCE_MAX_LETTERS} letters",
            "allOf": [{"pattern": _REFERENCE, "x-error": "reference_format"}],
        },
    },
    "required": ["level", "state"],
    "additionalProperties": False,
    "allOf": [
        _dated(measures.APPLIED_STATES, "applied_on"),
        _dated(measures.DECIDED_STATES, "decided_on"),
    ],
}
_CASE_LEVEL = {"type": "string", "enum": [level.name for level in ProtectionLevel]}

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
                            "person_id": _ID, "pseudonym": _STRING,
                            "role": {"type": "string", "enum": [r.value for r in PersonRole]},
                            "level": _CASE_LEVEL,
                            "measures": {"type": "array", "items": _MEASURE},
                        },
                        "required": ["person_id", "pseudonym", "role", "level", "measures"],
                    }},
                },
                "required": ["case_level", "persons"],
            }),
            "404": json_doc("No such case readable by the user", ERROR),
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
                "properties": {"id": _ID, "level": {"type": "string", "enum": _LEVELS},
                               "state": {"type": "string", "enum": _STATES},
                               "case_level": _CASE_LEVEL},
                "required": ["id", "level", "state", "case_level"],
            }),
            **WRITE_FAILURES,
        },
    },
}
