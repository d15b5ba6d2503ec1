"""Routes of reminders (joined into the one table in helpline/routes.py)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute

from helpline.api.openapi import FAILURES, json_doc
from helpline.authz import Permission
from helpline.cases.sections import CasePageSection
from helpline.reminders import endpoints as reminders
from helpline.reminders import labels as reminder_labels
from helpline.reminders.service import case_section
from helpline.web.labels import N_
from helpline.web.routing import api, page
from helpline.web.templating import NavEntry

READ = Permission.CASES_READ

ROUTES: list[BaseRoute] = [
    page("/reminders", reminders.my_reminders, name="reminders:list", access=READ),
    api("/api/v1/reminders", reminders.api_reminders, name="reminders:api_list", access=READ),
    api("/api/v1/cases/{case_id}/reminders", reminders.api_case_reminders,
        name="reminders:api_case", access=READ),
]

NAVIGATION: tuple[NavEntry, ...] = (("reminders:list", N_("My reminders"), READ),)

CASE_PAGE_SECTIONS = (CasePageSection("reminders", case_section, reminder_labels),)

_QUERY = [
    {"name": "days", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 0, "maximum": 365, "default": 14}},
]
_REMINDER = {
    "type": "object",
    "properties": {
        "case_id": {"type": "string"}, "case_reference": {"type": "string"},
        "pseudonym": {"type": "string"}, "kind": {"type": "string",
                                                  "enum": list(reminder_labels.KIND)},
        "detail": {"type": ["string", "null"]}, "due_on": {"type": "string", "format": "date"},
        "overdue": {"type": "boolean"}, "days_left": {"type": "integer"},
        "link": {"type": "string"}, "responsible_officer_id": {"type": "string"},
        "responsible_user_id": {"type": ["string", "null"]},
    },
    "required": ["case_id", "case_reference", "pseudonym", "kind", "due_on", "overdue"],
}
_LIST = {
    "type": "object",
    "properties": {"today": {"type": "string", "format": "date"},
                   "horizon_days": {"type": "integer"},
                   "reminders": {"type": "array", "items": _REMINDER}},
    "required": ["today", "horizon_days", "reminders"],
}

OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "reminders:api_list": {
        "summary": "Due and overdue reminders over the cases the user may read (no names)",
        "parameters": [*_QUERY, {"name": "mine", "in": "query", "required": False,
                                 "schema": {"type": "string", "enum": ["1", "0"]}}],
        "responses": {"200": json_doc("Reminders, overdue first", _LIST), **FAILURES},
    },
    "reminders:api_case": {
        "summary": "Due and overdue reminders of one case",
        "parameters": [{"name": "case_id", "in": "path", "required": True,
                        "schema": {"type": "string", "format": "uuid"}}, *_QUERY],
        "responses": {"200": json_doc("Reminders, overdue first", _LIST),
                      "404": json_doc("No such case readable by the user", {"type": "object"}),
                      **FAILURES},
    },
}
