"""Routes of the calls domain (joined into the one table in helpline/routes.py).

Pages and the API declare their permission through ``page()``/``api()``. Twilio's webhooks are
a third kind, built by ``twilio_webhook()``: no cookies, no CSRF, no session, and nothing runs
before the request's Twilio signature has been verified. They carry
``access = Access.TWILIO_SIGNED`` and ``twilio_signed = True`` for the route walker.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from helpline.api.openapi import ERROR, FAILURES, WRITE_FAILURES, json_body, json_doc
from helpline.audit import AuditContext
from helpline.authz import Access, Permission
from helpline.calls import api as calls_api
from helpline.calls import endpoints as calls
from helpline.calls import twilio, webhooks
from helpline.web.routing import DeclaredRoute, Endpoint, api, page
from helpline.web.templating import NavEntry

log = logging.getLogger("helpline.calls.twilio")


def twilio_webhook(
    path: str,
    endpoint: Endpoint,
    *,
    name: str,
    methods: Sequence[str] = ("POST", "GET"),
    own_transactions: bool = False,
) -> DeclaredRoute:
    """``own_transactions``: the endpoint writes through transactions of its own (the call
    recorder's), so the request gets no session (see ``DBSessionMiddleware``)."""
    async def handler(request: Request) -> Response:
        request.state.user, request.state.session = None, None
        request.state.permissions = frozenset()
        request.state.audit = AuditContext(actor=None, request_id=request.state.request_id)
        request.state.lang = "sv"
        settings = request.app.state.settings
        token = settings.twilio_auth_token
        try:
            request.state.twilio_params = await twilio.authentic_parameters(
                request, token=str(token) if token else None, base_url=settings.public_base_url
            )
        except twilio.NotAuthentic:
            log.warning("request %s: webhook not signed by Twilio", request.state.request_id)
            return Response(status_code=403)
        except twilio.BodyTooLarge:
            return Response(status_code=413)
        try:
            return await endpoint(request)
        except twilio.BadParameters:
            return Response(status_code=400)

    route = DeclaredRoute(path, handler, name=name, methods=list(methods))
    route.access, route.reauth, route.is_api = Access.TWILIO_SIGNED, False, False
    route.twilio_signed = True  # type: ignore[attr-defined]
    route.own_transactions = own_transactions  # type: ignore[attr-defined]
    return route


ROUTES: list[BaseRoute] = [
    twilio_webhook("/twilio/voice", webhooks.voice, name="twilio:voice", own_transactions=True),
    twilio_webhook("/twilio/voice/status", webhooks.status, name="twilio:status"),
    twilio_webhook("/twilio/voice/dial-result", webhooks.dial_result, name="twilio:dial_result"),
    twilio_webhook("/twilio/voice/gather", webhooks.gather, name="twilio:gather"),
    page("/calls", calls.list_calls, name="calls:list", access=Permission.CALLS_LOG),
    page("/calls/new", calls.new_call, name="calls:new", access=Permission.CALLS_LOG),
    page(
        "/calls/new",
        calls.create_call,
        name="calls:create",
        access=Permission.CALLS_LOG,
        methods=["POST"],
    ),
    page("/calls/{call_id}", calls.show_call, name="calls:show", access=Permission.CALLS_LOG),
    page(
        "/calls/{call_id}",
        calls.complete_call,
        name="calls:complete",
        access=Permission.CALLS_LOG,
        methods=["POST"],
    ),
    page(
        "/calls/{call_id}/number",
        calls.call_number,
        name="calls:number",
        access=Permission.CALLS_LOG,
    ),
    page("/callbacks", calls.list_callbacks, name="callbacks:list", access=Permission.CALLS_LOG),
    page(
        "/callbacks/{callback_id}",
        calls.show_callback,
        name="callbacks:show",
        access=Permission.CALLS_LOG,
    ),
    page(
        "/callbacks/{callback_id}",
        calls.complete_callback,
        name="callbacks:complete",
        access=Permission.CALLS_LOG,
        methods=["POST"],
    ),
    page("/roster", calls.show_roster, name="roster:show", access=Permission.ROSTER_MANAGE),
    page(
        "/roster",
        calls.add_shift,
        name="roster:add",
        access=Permission.ROSTER_MANAGE,
        methods=["POST"],
    ),
    page(
        "/roster/{shift_id}/remove",
        calls.remove_shift,
        name="roster:remove",
        access=Permission.ROSTER_MANAGE,
        methods=["POST"],
    ),
    api("/api/v1/calls", calls_api.list_calls, name="calls:api_list", access=Permission.CALLS_LOG),
    api(
        "/api/v1/calls/{call_id}",
        calls_api.get_call,
        name="calls:api_get",
        access=Permission.CALLS_LOG,
    ),
    api(
        "/api/v1/calls/{call_id}/complete",
        calls_api.complete_call,
        name="calls:api_complete",
        access=Permission.CALLS_LOG,
        methods=["POST"],
    ),
]

NAVIGATION: tuple[NavEntry, ...] = (
    ("calls:list", "Calls", Permission.CALLS_LOG),
    ("callbacks:list", "Callbacks", Permission.CALLS_LOG),
    ("roster:show", "Duty roster", Permission.ROSTER_MANAGE),
)

# --- OpenAPI operations (merged into helpline.api.openapi.OPERATIONS) --------------------------

_ID = {"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}
_ENUMS = {
    "caller_type": ["SELF", "RELATIVE", "PROFESSIONAL", "UNKNOWN"],
    "channel": [
        "HELPLINE", "SWITCHBOARD", "SOCIAL_SERVICES", "PRISON_PROBATION", "OTHER_AUTHORITY",
        "WALK_IN",
    ],
    "outcome": ["MEETING_BOOKED", "REFERRED", "NO_ACTION", "CASE_OPENED"],
}
_NULLABLE_STRING = {"type": ["string", "null"]}
_CALL: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "received_at": {"type": "string", "format": "date-time"},
        "channel": {"type": "string", "enum": _ENUMS["channel"]},
        "status": _NULLABLE_STRING,
        "caller_type": _NULLABLE_STRING,
        "outcome": _NULLABLE_STRING,
        "completed": {"type": "boolean"},
        "callback_requested": {"type": "boolean"},
        "caller_withheld": {"type": "boolean"},
    },
    "required": ["id", "received_at", "channel", "completed", "callback_requested"],
}
_CALL_DETAIL: dict[str, Any] = {
    **_CALL,
    "properties": {
        **_CALL["properties"],
        "answered_at": _NULLABLE_STRING,
        "ended_at": _NULLABLE_STRING,
        "duration_seconds": {"type": ["integer", "null"]},
        "language": _NULLABLE_STRING,
        "anonymous": {"type": "boolean"},
        "acute_danger_advice": {"type": "boolean"},
        "summary": {"type": "string"},
        "case_id": _NULLABLE_STRING,
        "earlier_calls": {"type": "array", "items": {"type": "string", "format": "uuid"}},
    },
}
_COMPLETION = {
    "type": "object",
    "properties": {
        "caller_type": {"type": "string", "enum": _ENUMS["caller_type"]},
        "channel": {"type": "string", "enum": _ENUMS["channel"]},
        "outcome": {"type": "string", "enum": _ENUMS["outcome"]},
        "language": {"type": "string", "maxLength": 20},
        "anonymous": {"type": "boolean"},
        "acute_danger_advice": {"type": "boolean"},
        "summary": {"type": "string", "maxLength": 1000},
        # A case to link the call to; "" links none.
        "case_id": {"anyOf": [{"type": "string", "format": "uuid"}, {"const": ""}]},
    },
    # The whole record, as the page's form sends it: a field left out would otherwise be
    # cleared (an omitted summary erased the encrypted one, an omitted case_id unlinked the call).
    "required": [
        "caller_type", "channel", "outcome", "language", "anonymous", "acute_danger_advice",
        "summary", "case_id",
    ],
}


OPENAPI_OPERATIONS: dict[str, dict[str, Any]] = {
    "calls:api_list": {
        "summary": "Today's and recent calls of the user's organisation (no caller numbers)",
        "responses": {
            "200": json_doc(
                "Calls, newest first",
                {
                    "type": "object",
                    "properties": {"calls": {"type": "array", "items": _CALL}},
                    "required": ["calls"],
                },
            ),
            **FAILURES,
        },
    },
    "calls:api_get": {
        "summary": "One call with its summary and earlier calls from the same number (audited)",
        "parameters": [_ID],
        "responses": {
            "200": json_doc("The call", _CALL_DETAIL),
            "404": json_doc("No such call in the organisation", ERROR),
            **FAILURES,
        },
    },
    "calls:api_complete": {
        "summary": "Complete or update the record of a call: every field, set as sent (send the"
        " current summary and case_id to keep them)",
        "parameters": [_ID],
        "requestBody": json_body(_COMPLETION),
        "responses": {
            "200": json_doc(
                "Saved",
                {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "completed": {"type": "boolean"},
                        "outcome": {"type": "string"},
                    },
                    "required": ["id", "completed", "outcome"],
                },
            ),
            **{k: v for k, v in WRITE_FAILURES.items() if k != "409"},
            "404": json_doc("No such call in the organisation", ERROR),
        },
    },
}

