"""The calls JSON API (``/api/v1/calls``): list, read, complete. Same service layer as the pages;
the caller number is never part of the API."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.calls import schemas, service
from helpline.calls.endpoints import deps, object_id
from helpline.models.calls import HelplineCall
from helpline.web.forms import read_json


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _call_summary(call: HelplineCall, *, callback: bool) -> dict[str, Any]:
    return {
        "id": call.id,
        "received_at": _iso(call.received_at),
        "channel": str(call.channel),
        "status": str(call.status) if call.status else None,
        "caller_type": str(call.caller_type) if call.caller_type else None,
        "outcome": str(call.outcome) if call.outcome else None,
        "completed": call.completed_at is not None,
        "callback_requested": callback,
        "caller_withheld": call.caller_withheld,
    }


async def list_calls(request: Request) -> Response:
    rows = await service.recent_calls(deps(request))
    return JSONResponse({"calls": [_call_summary(r.call, callback=r.callback) for r in rows]})


async def get_call(request: Request) -> Response:
    view = await service.read_call(deps(request), object_id(request, "call_id"))
    if view is None:
        raise HTTPException(status_code=404)
    call = view.call
    body = _call_summary(call, callback=view.callback is not None)
    body.update(
        answered_at=_iso(call.answered_at),
        ended_at=_iso(call.ended_at),
        duration_seconds=call.duration_seconds,
        language=call.language,
        anonymous=call.anonymous,
        acute_danger_advice=call.acute_danger_advice,
        summary=view.summary,
        case_id=call.case_id,
        earlier_calls=[earlier.id for earlier in view.earlier],
    )
    return JSONResponse(body)




async def complete_call(request: Request) -> Response:
    d = deps(request)
    call_id = object_id(request, "call_id")
    form = schemas.parse_call_form(await read_json(request))
    call = await service.find_call(d, call_id)
    if call is None:
        raise HTTPException(status_code=404)
    if not form.ok:
        return JSONResponse({"error": "invalid_input", "fields": form.errors}, status_code=422)
    await service.complete_call(d, call, form)
    return JSONResponse({"id": call.id, "completed": True, "outcome": str(call.outcome)})
