"""HTTP for threat assessments (pages). No SQL, no crypto: the service and views do that.

A refused change leaves nothing behind (it runs in a SAVEPOINT that is rolled back) and answers
with the page again, naming the rules (409) or the fields (422); the page's own audited read is
kept, as in helpline/cases/endpoints.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.cases import views as case_views
from helpline.cases.endpoints import CHOICES as CASE_CHOICES
from helpline.cases.endpoints import deps, readable_case
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case, ThreatAssessment
from helpline.threats import catalogue as values
from helpline.threats import chart, forms, repository, service, views
from helpline.threats.schemas import parse_document
from helpline.web.forms import read_form, text

CHOICES = {
    "ratings": list(values.Rating),
    "timings": list(values.Timing),
    "actor_kinds": list(values.ActorKind),
    "likelihoods": list(values.Likelihood),
    "imminences": list(values.Imminence),
    "severities": list(values.Severity),
    "measure_choices": list(values.Measure),
    "levels": ("LOW", "MODERATE", "HIGH"),
}


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {**CHOICES, "error_rules": [], "errors": {}}
    return request.app.state.templates.render(
        request, "threats/" + name, {**base, **context}, status_code=status
    )


def _number(request: Request) -> int:
    """The version number from the path; anything but 1 to 5 digits is a 404."""
    value = str(request.path_params.get("version", ""))
    if not value.isascii() or not value.isdigit() or len(value) > 5:
        raise NotFound()
    return int(value)


def _version_path(request: Request, case: Case, number: int, suffix: str = "") -> str:
    path = request.url_for("threats:show", case_id=case.id, version=number).path
    return str(path) + suffix


async def _locked_version(request: Request, case: Case) -> ThreatAssessment:
    assessment = await repository.version(
        request.state.db, case.id, _number(request), for_update=True
    )
    if assessment is None:
        raise NotFound()
    return assessment


async def _refused(
    request: Request, case: Case, change: Callable[[], Awaitable[Any]]
) -> RuleViolation | InvalidInput | None:
    """Run ``change`` in a SAVEPOINT; on a refusal roll it back and return the refusal."""
    try:
        async with request.state.db.begin_nested():
            await change()
    except (RuleViolation, InvalidInput) as exc:
        request.state.commit_on_error = True  # keep the page's audited read, nothing else
        # Rolling back the SAVEPOINT expired what the change had touched: load it again here
        # (an implicit lazy load is not possible under asyncio).
        await request.state.db.refresh(case)
        return exc
    return None


def _rules_of(exc: RuleViolation | InvalidInput) -> list[str]:
    return exc.rules if isinstance(exc, RuleViolation) else sorted(exc.errors)


async def show(request: Request) -> Response:
    case = await readable_case(request)
    page = await views.version_page(deps(request), case, _number(request))
    return _render(request, "show.html", {"page": page, "case": case})


async def _show_refused(
    request: Request, case: Case, number: int, exc: RuleViolation | InvalidInput
) -> Response:
    page = await views.version_page(deps(request), case, number)
    status = 409 if isinstance(exc, RuleViolation) else 422
    context = {"page": page, "case": case, "error_rules": _rules_of(exc)}
    return _render(request, "show.html", context, status)


async def start(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    created: list[ThreatAssessment] = []

    async def change() -> None:
        trigger = text(form, "trigger", max_length=40)
        created.append(await service.start_assessment(deps(request), case, trigger=trigger))

    refusal = await _refused(request, case, change)
    if refusal is not None:
        return await _case_page_refused(request, case, refusal)
    return RedirectResponse(_version_path(request, case, created[0].version, "/edit"), 303)


async def _case_page_refused(
    request: Request, case: Case, refusal: RuleViolation | InvalidInput
) -> Response:
    """The case page again, naming the rules, as the case domain answers a refusal."""
    page = await case_views.case_page(
        deps(request), case, extra_sections=request.app.state.case_page_sections
    )
    return request.app.state.templates.render(
        request,
        "cases/show.html",
        {**CASE_CHOICES, "page": page, "case": case, "error_rules": _rules_of(refusal)},
        status_code=409 if isinstance(refusal, RuleViolation) else 422,
    )


async def edit_form(request: Request) -> Response:
    case = await readable_case(request)
    number = _number(request)
    if not await views.is_editable(deps(request), case, number):
        return RedirectResponse(_version_path(request, case, number), 303)
    page = await views.version_page(deps(request), case, number, purpose="editing")
    context = {"page": page, "case": case, "values": forms.values_from(page.data)}
    return _render(request, "edit.html", context)


async def edit_submit(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    d = deps(request)
    number = _number(request)
    submitting = text(form, "action", max_length=10) == "submit"

    async def change() -> None:
        assessment = await _locked_version(request, case)
        document = forms.document_from_form(form, service.catalogue_of(assessment))
        await service.save_draft(d, case, assessment, parse_document(
            document, service.catalogue_of(assessment)))
        if submitting:
            await service.submit(d, case, assessment)

    refusal = await _refused(request, case, change)
    if refusal is None:
        return RedirectResponse(_version_path(request, case, number), 303)
    if not await views.is_editable(d, case, number):
        return await _show_refused(request, case, number, refusal)
    page = await views.version_page(d, case, number, purpose="editing")
    errors = getattr(refusal, "fields", None) or getattr(refusal, "errors", {})
    context = {
        "page": page, "case": case,
        # Invalid fields are marked at the fields; broken rules are named at the top.
        "error_rules": refusal.rules if isinstance(refusal, RuleViolation) else [],
        "errors": {forms.field_name(k): v for k, v in errors.items()},
        "values": forms.values_from_document(
            forms.document_from_form(form, page.catalogue)),
    }
    status = 409 if isinstance(refusal, RuleViolation) else 422
    return _render(request, "edit.html", context, status)


async def return_for_revision(request: Request) -> Response:
    case = await readable_case(request)
    form = await read_form(request)
    number = _number(request)

    async def change() -> None:
        assessment = await _locked_version(request, case)
        comment = text(form, "comment", max_length=5000)
        await service.return_for_revision(deps(request), case, assessment, comment=comment)

    refusal = await _refused(request, case, change)
    if refusal is not None:
        return await _show_refused(request, case, number, refusal)
    return RedirectResponse(_version_path(request, case, number), 303)


async def approve(request: Request) -> Response:
    case = await readable_case(request)
    number = _number(request)

    async def change() -> None:
        assessment = await _locked_version(request, case)
        await service.approve(deps(request), case, assessment)

    refusal = await _refused(request, case, change)
    if refusal is not None:
        return await _show_refused(request, case, number, refusal)
    return RedirectResponse(_version_path(request, case, number), 303)


def _query_int(request: Request, name: str) -> int:
    value = request.query_params.get(name, "")
    if not (value.isascii() and value.isdigit()) or len(value) > 5:
        raise NotFound()
    return int(value)


async def compare(request: Request) -> Response:
    case = await readable_case(request)
    comparison = await views.compare(
        deps(request), case, _query_int(request, "a"), _query_int(request, "b")
    )
    return _render(request, "compare.html", {"cmp": comparison, "case": case})


async def dashboard(request: Request) -> Response:
    board = await views.dashboard(deps(request))
    return _render(request, "dashboard.html", {"board": board, "chart": chart.levels_chart(board)})
