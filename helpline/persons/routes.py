"""Routes of the persons domain (joined into the one table in helpline/routes.py).

Reads declare ``cases:read``, changes ``cases:write``; which case a user may touch is decided
per request by the readable set (missing and forbidden are both 404). Revealing a full
identity number needs a recent sign-in (SECURITY.md §4).
"""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.persons import api as persons_api
from helpline.persons import endpoints as persons
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
_NULLABLE_STRING = {"type": ["string", "null"]}


_PERSON_SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "pseudonym": {"type": "string"},
        "role": {"type": "string", "enum": ["DEFECTOR", "RELATIVE"]},
        "id_type": {"type": "string"},
        "birth_year": {"type": ["integer", "null"]},
        "interpreter_needed": {"type": "boolean"},
    },
    "required": ["id", "pseudonym", "role", "id_type", "interpreter_needed"],
}
_PERSON_INPUT = {
    "type": "object",
    "properties": {
        "role": {"type": "string", "enum": ["DEFECTOR", "RELATIVE"]},
        "given_name": {"type": "string", "maxLength": 100},
        "family_name": {"type": "string", "maxLength": 100},
        "id_type": {
            "type": "string", "enum": ["PERSONNUMMER", "SAMORDNINGSNUMMER", "NONE", "FOREIGN"]
        },
        "id_number": {"type": "string", "maxLength": 40},
        "birth_year": {"type": ["integer", "string"]},
        "interpreter_needed": {"type": "boolean"},
        "interpreter_language": {"type": "string", "maxLength": 40},
        "notes": {"type": "string", "maxLength": 5000},
        "relation_to": {"type": "string", "format": "uuid"},
        "relation_kind": {
            "type": "string", "enum": ["PARTNER", "CHILD", "PARENT", "SIBLING", "GUARDIAN"]
        },
        "lives_with": {"type": "boolean"},
    },
    "required": ["role"],
}
_SEARCH_INPUT = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "kind": {"type": "string", "enum": ["SWEDISH", "FOREIGN"]},
        "purpose": {"type": "string", "maxLength": 500},
    },
    "required": ["number", "purpose"],
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
        "summary": "The persons on a case: pseudonyms and roles, never names (audited)",
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
                "properties": {"id": {"type": "string"}, "pseudonym": {"type": "string"}},
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
