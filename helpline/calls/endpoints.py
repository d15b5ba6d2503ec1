"""HTTP for the call log, the callback queue and the duty roster. No SQL, no crypto here."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline import clock
from helpline.authz import Permission
from helpline.calls import labels, roster, schemas, service
from helpline.errors import InvalidInput, RuleViolation
from helpline.web.forms import read_form
from helpline.web.labels import N_

TEMPLATES = "calls/"


def deps(request: Request) -> service.Deps:
    return service.Deps(
        db=request.state.db,
        keys=request.app.state.keys,
        context=request.state.audit,
        now=clock.now(),
    )


def object_id(request: Request, name: str) -> str:
    """A path id that is not a UUID cannot exist: the same 404 as a forbidden one."""
    try:
        return str(uuid.UUID(request.path_params[name]))
    except ValueError:
        raise HTTPException(status_code=404) from None


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {
        "labels": labels.ALL,
        "when": schemas.local_display,
        "can_start_intake": Permission.CASES_WRITE in request.state.permissions,
    }
    return request.app.state.templates.render(
        request, TEMPLATES + name, {**base, **context}, status_code=status
    )


CASE_NOT_FOUND = N_("There is no case with this id that you may read.")


def _keep_audit_of_refusal(request: Request) -> None:
    # A refused form re-renders data it has read: keep that read's audit event (and nothing
    # else is written on this path) although the answer is a 422.
    request.state.commit_on_error = True


# --- call log ----------------------------------------------------------------------------------


async def list_calls(request: Request) -> Response:
    d = deps(request)
    rows = await service.recent_calls(d)
    today = schemas.local_display(d.now)[:10]
    return _render(request, "list.html", {"rows": rows, "today": today})


async def show_call(request: Request) -> Response:
    view = await service.read_call(deps(request), object_id(request, "call_id"))
    if view is None:
        raise HTTPException(status_code=404)
    return _render(request, "show.html", _show_context(view, None))


def _show_context(view: service.CallView, form: schemas.CallForm | None) -> dict[str, Any]:
    call = view.call
    values = form.values if form else {
        "caller_type": call.caller_type or "",
        "channel": call.channel,
        "outcome": call.outcome or "",
        "language": call.language or "",
        "anonymous": call.anonymous,
        "acute_danger_advice": call.acute_danger_advice,
        "summary": view.summary,
        "case_id": call.case_id or "",
    }
    return {"view": view, "call": call, "values": values, "errors": form.errors if form else {}}


async def complete_call(request: Request) -> Response:
    d = deps(request)
    call_id = object_id(request, "call_id")
    form = schemas.parse_call_form(await read_form(request))
    view = await service.read_call(d, call_id) if not form.ok else None
    if not form.ok:
        if view is None:
            raise HTTPException(status_code=404)
        _keep_audit_of_refusal(request)
        return _render(request, "show.html", _show_context(view, form), status=422)
    call = await service.find_call(d, call_id)
    if call is None:
        raise HTTPException(status_code=404)
    try:
        await service.complete_call(d, call, form)
    except InvalidInput:
        # A case this officer may not read (or none with that id): the form again, with what
        # was typed, so the summary is not lost and not written down somewhere else instead.
        form.errors["case_id"] = CASE_NOT_FOUND
        view = await service.read_call(d, call_id)
        assert view is not None  # find_call just found it, in this transaction
        _keep_audit_of_refusal(request)
        return _render(request, "show.html", _show_context(view, form), status=422)
    return RedirectResponse(request.url_for("calls:list").path + "?saved=1", status_code=303)


async def new_call(request: Request) -> Response:
    values = {"received_at": schemas.local_input(clock.now()), "channel": "SWITCHBOARD"}
    return _render(request, "new.html", {"values": values, "errors": {}})


async def create_call(request: Request) -> Response:
    d = deps(request)
    form = schemas.parse_call_form(await read_form(request), manual=True, now=d.now)
    if not form.ok:
        return _render(request, "new.html", {"values": form.values, "errors": form.errors}, 422)
    call = await service.log_call(d, form)
    return RedirectResponse(request.url_for("calls:show", call_id=call.id).path, status_code=303)


async def call_number(request: Request) -> Response:
    found = await service.reveal_number(deps(request), object_id(request, "call_id"))
    if found is None:
        raise HTTPException(status_code=404)
    call, number = found
    return _render(request, "number.html", {"call": call, "number": number})


# --- callbacks ---------------------------------------------------------------------------------


async def list_callbacks(request: Request) -> Response:
    rows = await service.callback_queue(deps(request))
    return _render(request, "callbacks.html", {"rows": rows})


async def show_callback(
    request: Request, *, errors: dict[str, str] | None = None, already_done: bool = False
) -> Response:
    view = await service.read_callback(deps(request), object_id(request, "callback_id"))
    if view is None:
        raise HTTPException(status_code=404)
    status = 409 if already_done else 422 if errors else 200
    context = {"view": view, "errors": errors or {}, "already_done": already_done}
    return _render(request, "callback.html", context, status)


async def complete_callback(request: Request) -> Response:
    d = deps(request)
    outcome, errors = schemas.parse_callback_outcome(await read_form(request))
    callback_id = object_id(request, "callback_id")
    if errors or outcome is None:
        _keep_audit_of_refusal(request)
        return await show_callback(request, errors=errors)
    callback = await service.find_callback(d, callback_id)
    if callback is None:
        raise HTTPException(status_code=404)
    try:
        await service.complete_callback(d, callback, outcome)
    except RuleViolation:
        # Someone else marked it done first: show what they recorded (nothing was written).
        _keep_audit_of_refusal(request)
        return await show_callback(request, already_done=True)
    return RedirectResponse(request.url_for("callbacks:list").path, status_code=303)


# --- duty roster -------------------------------------------------------------------------------


async def show_roster(
    request: Request, *, form: schemas.ShiftForm | None = None
) -> Response:
    d = deps(request)
    shifts = await roster.view(d)
    context = {
        "shifts": shifts,
        "officers": await roster.officers(d),
        "on_duty_now": any(s.on_duty for s in shifts),
        "values": form.values if form else {},
        "errors": form.errors if form else {},
    }
    return _render(request, "roster.html", context, 422 if form else 200)


async def add_shift(request: Request) -> Response:
    d = deps(request)
    officer_ids = {officer.id for officer in await roster.officers(d)}
    form = schemas.parse_shift_form(await read_form(request), officer_ids=officer_ids, now=d.now)
    problem = None if form.errors else await roster.overlap_problem(d, form)
    if problem:
        form.errors["starts_at"] = problem
    if form.errors:
        _keep_audit_of_refusal(request)
        return await show_roster(request, form=form)
    await roster.add_shift(d, form)
    return RedirectResponse(request.url_for("roster:show").path, status_code=303)


async def remove_shift(request: Request) -> Response:
    if not await roster.remove_shift(deps(request), object_id(request, "shift_id")):
        raise HTTPException(status_code=404)
    return RedirectResponse(request.url_for("roster:show").path, status_code=303)
