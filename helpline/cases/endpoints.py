"""HTTP for cases (pages): list, intake, case page, transitions, closure, notes, team."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline import clock
from helpline.cases import notes, service, views
from helpline.cases.access import get_readable_case
from helpline.cases.forms import intake_from
from helpline.cases.lifecycle import ClosureReason, ExitReason
from helpline.cases.schemas import InformationGiven, Motivation, Suitability
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case, CaseState, Milieu, ReferralSource
from helpline.web.forms import read_form, text

CHOICES = {
    "motivations": list(Motivation),
    "suitabilities": list(Suitability),
    "information_items": list(InformationGiven),
    "milieus": list(Milieu),
    "referral_sources": list(ReferralSource),
    "states": list(CaseState),
    "exit_reasons": list(ExitReason),
    "closure_reasons": list(ClosureReason),
}


def deps(request: Request) -> service.Deps:
    return service.Deps(request.state.db, request.app.state.keys, request.state.audit)


async def readable_case(request: Request) -> Case:
    case = await get_readable_case(
        request.state.db, request.state.user, str(request.path_params["case_id"])
    )
    if case is None:
        raise NotFound()
    return case


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    return request.app.state.templates.render(
        request, name, {**CHOICES, **context}, status_code=status
    )


def _back_to_case(request: Request, case: Case, anchor: str = "") -> Response:
    url = str(request.url_for("cases:show", case_id=case.id).path) + anchor
    return RedirectResponse(url, status_code=303)


async def case_list(request: Request) -> Response:
    state_value = request.query_params.get("state", "")
    state = CaseState(state_value) if state_value in CaseState.__members__ else None
    officer_id = request.query_params.get("officer", "")[:36] or None
    rows = await views.case_list(deps(request), state=state, officer_id=officer_id)
    officers = await views.user_names(deps(request), request.state.user.organisation_id)
    return _render(
        request,
        "cases/list.html",
        {
            "rows": rows,
            "state": state,
            "officer_id": officer_id,
            "officers": officers,
        },
    )


async def intake_form(request: Request) -> Response:
    values = {
        "held_at": clock.now().astimezone(clock.SWEDEN).strftime("%Y-%m-%dT%H:%M"),
        "call_id": request.query_params.get("call", "")[:36],
    }
    return _render(request, "cases/intake.html", {"values": values, "listed": {}, "errors": {}})


def _form_lists(form: FormData) -> dict[str, list[str]]:
    participants = text(form, "participants", max_length=5000).splitlines()
    information = [v for v in form.getlist("information_given") if isinstance(v, str)]
    return {"participants": participants, "information_given": information}


async def intake_submit(request: Request) -> Response:
    form = await read_form(request)
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    listed = _form_lists(form)
    try:
        data = intake_from(values, listed=listed)
        case = await service.open_case_from_intake(deps(request), data)
    except InvalidInput as exc:
        context = {"values": values, "listed": listed, "errors": exc.errors}
        return _render(request, "cases/intake.html", context, status=422)
    return _back_to_case(request, case)


async def case_show(request: Request) -> Response:
    case = await readable_case(request)
    sections = request.app.state.case_page_sections
    page = await views.case_page(deps(request), case, extra_sections=sections)
    return _render(
        request,
        "cases/show.html",
        {"page": page, "case": case, "error_rules": request.query_params.getlist("rule")},
    )


async def _run(request: Request, case: Case, action: Any) -> Response:
    """Run a change; a refused rule goes back to the case page naming the rule (409)."""
    try:
        async with request.state.db.begin_nested():  # a refused change leaves nothing behind
            await action
    except (RuleViolation, InvalidInput) as exc:
        rules = exc.rules if isinstance(exc, RuleViolation) else sorted(exc.errors)
        page = await views.case_page(
            deps(request), case, extra_sections=request.app.state.case_page_sections
        )
        status = 409 if isinstance(exc, RuleViolation) else 422
        request.state.commit_on_error = True  # keep the read's audit event, nothing else
        return _render(
            request,
            "cases/show.html",
            {"page": page, "case": case, "error_rules": rules},
            status=status,
        )
    return _back_to_case(request, case)


async def case_transition(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    target = text(form, "to", max_length=40)
    if target not in CaseState.__members__:
        raise InvalidInput({"to": "invalid"})
    return await _run(
        request,
        case,
        service.transition(
            deps(request),
            case,
            to=CaseState(target),
            reason_code=text(form, "reason_code", max_length=40) or None,
            reason_text=text(form, "reason", max_length=service.MAX_REASON),
        ),
    )


async def closure_request(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    return await _run(
        request,
        case,
        service.request_closure(
            deps(request),
            case,
            reason_code=text(form, "reason_code", max_length=40),
            reason_text=text(form, "reason", max_length=service.MAX_REASON),
        ),
    )


async def closure_approve(request: Request) -> Response:
    case = await readable_case(request)
    return await _run(request, case, service.approve_closure(deps(request), case))


async def emergency_protection(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    return await _run(
        request,
        case,
        service.start_emergency_protection(
            deps(request), case, reason_text=text(form, "reason", max_length=service.MAX_REASON)
        ),
    )


async def note_add(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    return await _run(
        request,
        case,
        notes.add_note(
            deps(request),
            case,
            body=text(form, "body", max_length=notes.MAX_NOTE + 1),
            corrects_note_id=text(form, "corrects_note_id", max_length=36) or None,
        ),
    )


async def team_add(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    return await _run(
        request,
        case,
        service.add_team_member(deps(request), case, user_id=text(form, "user_id", max_length=36)),
    )
