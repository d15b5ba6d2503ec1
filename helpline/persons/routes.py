"""Routes of the persons domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; which case a user may touch is decided
per request by the readable set (missing and forbidden are both 404). Revealing a full
identity number needs a recent sign-in (SECURITY.md §4).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.api.schema import EDGE, FILLED
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.models.cases import IdType, PersonRole, RelationKind
from helpline.persons import api as persons_api
from helpline.persons import endpoints as persons
from helpline.persons import identity, schemas
from helpline.persons import labels as persons_labels
from helpline.persons.service import persons_for_case
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ, WRITE = Permission.CASES_READ, Permission.CASES_WRITE
POST = ["POST"]
_PERSON = "/cases/{case_id}/persons/{person_id}"

ROUTES: list[BaseRoute] = [
    page("/persons/search", persons.search_form, name="persons:search_form", access=READ),
    page("/persons/search", persons.search, name="persons:search", access=READ, methods=POST),
    page("/cases/{case_id}/persons/new", persons.new_person, name="persons:new", access=WRITE),
    page(
        "/cases/{case_id}/persons/new",
        persons.create_person,
        name="persons:create",
        access=WRITE,
        methods=POST,
    ),
    page(_PERSON, persons.show_person, name="persons:show", access=READ),
    page(_PERSON, persons.update_person, name="persons:update", access=WRITE, methods=POST),
    page(
        _PERSON + "/reveal",
        persons.reveal,
        name="persons:reveal",
        access=READ,
        methods=POST,
        reauth=True,
    ),
    page(
        _PERSON + "/relations",
        persons.add_relation,
        name="persons:add_relation",
        access=WRITE,
        methods=POST,
    ),
    page(
        _PERSON + "/relations/{relation_id}/remove",
        persons.remove_relation,
        name="persons:remove_relation",
        access=WRITE,
        methods=POST,
    ),
    api("/api/v1/cases/{case_id}/persons", persons_api.list_persons, name="persons:api_list",
        access=READ),
    api("/api/v1/cases/{case_id}/persons", persons_api.create_person, name="persons:api_create",
        access=WRITE, methods=POST),
    api("/api/v1/persons/search", persons_api.search, name="persons:api_search", access=READ,
        methods=POST),
]

NAVIGATION: tuple[NavEntry, ...] = (
    ("persons:search_form", "Search by identity number", READ),
)

# --- OpenAPI operations (registered by helpline/routes.py) -------------------------------------

_CASE_ID = {"name": "case_id", "in": "path", "required": True, "schema": {"type": "string"}}
_ROLES = [role.value for role in PersonRole]
_ID_TYPES = [kind.value for kind in IdType]
_SWEDISH_TYPES = [kind.value for kind in identity.SWEDISH_TYPES]
# YYMMDD-NNNC, YYMMDD+NNNC, YYMMDDNNNC, YYYYMMDDNNNC or YYYYMMDD-NNNC, a space around the
# separator allowed (crypto.normalise_personnummer's forms; the parser reads 40 characters).
# The date, check digit and serial are checked after.
_SWEDISH_NUMBER = {
    "pattern": rf"^{EDGE}(?:[0-9]{{6}} ?[-+]?|[0-9]{{8}} ?-?) ?[0-9]{{4}}{EDGE}$",
    "maxLength": 40,
    "x-error": "id_format",
}
# A foreign number is free text with a letter or digit (its blind index keeps only those). The
# pattern says so for ASCII; that a character beyond it is a letter or digit (Unicode's
# categories, after NFKC) is checked after: the two regex dialects disagree on "\w".
_FOREIGN_NUMBER = {"pattern": "[0-9A-Za-z]|[^\\x00-\\x7f]", "x-error": "foreign_id_format"}


def _when(condition: dict[str, Any], then: dict[str, Any]) -> dict[str, Any]:
    return {"if": condition, "then": then}


def _given(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The body has ``name`` and it matches ``schema``."""
    return {"properties": {name: schema}, "required": [name]}


def _needs(name: str, *schemas: dict[str, Any]) -> dict[str, Any]:
    """The body must have ``name``, matching every one of ``schemas``."""
    return {"properties": {name: {"allOf": list(schemas)}}, "required": [name]}


_PERSON_SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "pseudonym": {"type": "string"},
        "role": {"type": "string", "enum": _ROLES},
        "id_type": {
            "type": ["string", "null"], "enum": [*_ID_TYPES, None],
            "description": (
                "null for a person with any protection level and for a household member "
                "(lives_with, either direction) of such a person"
            ),
        },
        "birth_year": {
            "type": ["integer", "null"],
            "description": (
                "null when unknown, for a person with any protection level and for a "
                "household member (lives_with, either direction) of such a person"
            ),
        },
        "interpreter_needed": {"type": "boolean"},
    },
    "required": ["id", "pseudonym", "role", "id_type", "birth_year", "interpreter_needed"],
}
_PERSON_INPUT = {
    "type": "object",
    "properties": {
        "role": {"type": "string", "minLength": 1, "enum": _ROLES},
        "given_name": {"type": "string", "maxLength": schemas.NAME_MAX},
        "family_name": {"type": "string", "maxLength": schemas.NAME_MAX},
        "id_type": {
            "type": "string", "enum": [*_ID_TYPES, ""], "description": "Empty or absent: NONE",
        },
        "id_number": {
            "type": "string", "maxLength": identity.FOREIGN_MAX,
            "description": "Required for PERSONNUMMER, SAMORDNINGSNUMMER and FOREIGN; empty or "
                           "absent for NONE. A Swedish number's date and check digit must be "
                           "right and match its type (day + 60 for a samordningsnummer).",
        },
        "birth_year": {
            "type": ["integer", "string", "null"],
            "description": "Four digits, within the last 120 years; a Swedish number's year if "
                           "both are given. Empty, null or absent: unknown (or the number's).",
            "allOf": [{"x-error": "invalid_year", "anyOf": [
                {"type": "integer", "minimum": 1000, "maximum": 9999},
                {"type": "string", "pattern": f"^{EDGE}(?:[0-9]{{4}})?{EDGE}$"},
                {"type": "null"},
            ]}],
        },
        "interpreter_needed": {"type": "boolean"},
        "interpreter_language": {
            "type": "string", "maxLength": schemas.LANGUAGE_MAX,
            "description": "Required when interpreter_needed is true",
        },
        "notes": {"type": "string", "maxLength": schemas.NOTES_MAX},
        "relation_to": {
            "type": "string",
            "description": "A person of this case (with relation_kind: this person is the "
                           "<relation_kind> of <relation_to>); empty or absent: no relation",
            "allOf": [{"x-error": "unknown_person",
                       "anyOf": [{"maxLength": 0}, {"format": "uuid"}]}],
        },
        "relation_kind": {"type": "string", "enum": [kind.value for kind in RelationKind] + [""]},
        "lives_with": {"type": "boolean"},
    },
    "required": ["role"],
    "allOf": [
        _when(_given("id_type", {"enum": _SWEDISH_TYPES}),
              _needs("id_number", FILLED, _SWEDISH_NUMBER)),
        _when(_given("id_type", {"const": IdType.FOREIGN.value}),
              _needs("id_number", FILLED, _FOREIGN_NUMBER)),
        _when({"properties": {"id_type": {"enum": [IdType.NONE.value, ""]}}},
              {"properties": {"id_number": {"maxLength": 0, "x-error": "id_not_expected"}}}),
        _when(_given("interpreter_needed", {"const": True}),
              _needs("interpreter_language", FILLED)),
        _when(_given("relation_to", {"minLength": 1}), _needs("relation_kind", {"minLength": 1})),
        _when(_given("relation_kind", {"minLength": 1}), _needs("relation_to", {"minLength": 1})),
    ],
}
_SEARCH_INPUT = {
    "type": "object",
    "properties": {
        "number": {
            "type": "string", "allOf": [FILLED],
            "description": "SWEDISH: a personnummer or samordningsnummer (date and check digit "
                           "checked); FOREIGN: the number as written",
        },
        "kind": {"type": "string", "enum": [*schemas.SEARCH_KINDS, ""],
                 "description": "Empty or absent: SWEDISH"},
        "purpose": {
            "type": "string", "maxLength": schemas.PURPOSE_MAX, "allOf": [FILLED],
            "description": "Kept in the audit log: must not contain the number searched for, "
                           "in any form (contains_id_number)",
        },
    },
    "required": ["number", "purpose"],
    "allOf": [
        _when({"properties": {"kind": {"enum": ["SWEDISH", ""]}}},
              {"properties": {"number": _SWEDISH_NUMBER}}),
        _when(_given("kind", {"const": "FOREIGN"}), {"properties": {"number": {
            "maxLength": identity.FOREIGN_MAX * 2, **_FOREIGN_NUMBER,
        }}}),
    ],
}
_HIT = {
    "type": "object",
    "properties": {
        "case_id": {"type": "string", "format": "uuid"},
        "case_reference": {"type": "string"},
        "person_id": {"type": "string", "format": "uuid"},
        "pseudonym": {"type": "string"},
    },
    "required": ["case_id", "case_reference", "person_id", "pseudonym"],
}


OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "persons:api_list": {
        "summary": "The persons on a case: pseudonyms and roles, never names (audited); "
                   "no identity type or birth year for a protected person",
        "parameters": [_CASE_ID],
        "responses": {
            "200": json_doc("Persons in the order they were added", {
                "type": "object",
                "properties": {"persons": {"type": "array", "items": _PERSON_SUMMARY}},
                "required": ["persons"],
            }),
            "404": json_doc("No such case readable by the user", ERROR),
            **FAILURES,
        },
    },
    "persons:api_create": {
        "summary": "Add a person to a case (names, number and notes are stored encrypted)",
        "parameters": [_CASE_ID],
        "requestBody": json_body(_PERSON_INPUT),
        "responses": {
            "201": json_doc("Added", {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "format": "uuid"}, "pseudonym": {"type": "string"},
                },
                "required": ["id", "pseudonym"],
            }),
            **WRITE_FAILURES,
        },
    },
    "persons:api_search": {
        "summary": "Find persons by identity number among readable cases (audited with purpose)",
        "requestBody": json_body(_SEARCH_INPUT),
        "responses": {
            "200": json_doc("Case references and pseudonyms only", {
                "type": "object",
                "properties": {"hits": {"type": "array", "items": _HIT}},
                "required": ["hits"],
            }),
            **{k: v for k, v in WRITE_FAILURES.items() if k not in ("404", "409")},
        },
    },
}

CASE_PAGE_SECTIONS = (CasePageSection("persons", persons_for_case, persons_labels),)
