"""HTTP for relocation plans (pages). No SQL, no crypto here.

A refused change (a rule or bad input) re-renders the plan page with the reason, status 409 or
422; the change ran inside a SAVEPOINT that is rolled back, so nothing of it is written, and
only the page's own audited read is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline import clock
from helpline.cases.service import Deps
from helpline.cases.views import user_names
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case
from helpline.models.relocation import PlanState, RelocationPlan, StepKind
from helpline.models.users import Role
from helpline.persons import service as persons
from helpline.persons.web import case_path, deps, keep_audit_of_refusal, path_id, render
from helpline.reference import MUNICIPALITIES
from helpline.relocation import labels, schemas, service
from helpline.relocation.common import organisations
from helpline.web.forms import read_form

LABELS = {
    "plan_state": labels.PLAN_STATE,
    "step_kind": labels.STEP_KIND,
    "step_state": labels.STEP_STATE,
    "actions": labels.ACTIONS,
    "errors": labels.ERRORS,
    "rules": labels.RULES,
}
MUNICIPALITY_CHOICES = sorted(MUNICIPALITIES.items(), key=lambda item: item[1])
ACTIONS_BY_STATE = {
    PlanState.DRAFT: ("submit", "cancel"),
    PlanState.SUBMITTED: ("return", "cancel"),
    PlanState.APPROVED: ("start", "revise", "cancel"),
    PlanState.IN_PROGRESS: ("complete", "revise", "cancel"),
}


def _form_values(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


async def _plan(request: Request) -> tuple[Deps, Case, RelocationPlan]:
    d, case = await _case(request)
    return d, case, await service.find_plan(d, case, path_id(request, "plan_id"))


def _plan_url(request: Request, case: Case, plan_id: str) -> str:
    return str(request.url_for("relocation:show", case_id=case.id, plan_id=plan_id).path)


async def new_plan(request: Request) -> Response:
    d, case = await _case(request)
    values = {"starts_on": clock.today().isoformat()}
    return _new_page(request, case, values, {})


def _new_page(
    request: Request, case: Case, values: dict[str, str], errors: dict[str, str],
    rule: str | None = None,
) -> Response:
    context = {
        "case": case, "case_url": case_path(request, case.id), "values": values,
        "errors": errors, "rule": rule, "labels": LABELS, "municipalities": MUNICIPALITY_CHOICES,
    }
    status = 409 if rule else 422 if errors else 200
    return render(request, "relocation/new.html", context, status)


async def create_plan(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    data, errors = schemas.parse_plan(form)
    if data is None:
        return _new_page(request, case, _form_values(form), errors)
    try:
        async with d.db.begin_nested():
            plan = await service.create_plan(d, case, data)
    except RuleViolation as exc:
        return _new_page(request, case, _form_values(form), {}, exc.rules[0])
    return RedirectResponse(_plan_url(request, case, plan.id), status_code=303)


async def _plan_page(
    request: Request, d: Deps, case: Case, plan: RelocationPlan, *, status: int = 200,
    rule: str | None = None, errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Response:
    if status >= 400:
        await d.db.refresh(case)
        await d.db.refresh(plan)
        keep_audit_of_refusal(request)
    detail = await service.plan_detail(d, case, plan)  # the page's one audited read
    user = request.state.user
    used = {step.kind for step in detail.steps}
    context = {
        "case": case, "case_url": case_path(request, case.id), "plan": detail,
        "labels": LABELS, "municipalities": MUNICIPALITY_CHOICES,
        "organisations": await organisations(d.db),
        "names": await user_names(d, case.organisation_id),
        "free_kinds": [k.value for k in StepKind if k.value not in used],
        "actions": ACTIONS_BY_STATE.get(plan.state, ()),
        "may_approve": plan.state is PlanState.SUBMITTED and user.role is Role.SUPERVISOR
        and user.id not in (plan.author_id, plan.submitted_by_id),
        "rule": rule, "errors": errors or {}, "values": values or {},
    }
    return render(request, "relocation/show.html", context, status)


async def show_plan(request: Request) -> Response:
    d, case, plan = await _plan(request)
    return await _plan_page(request, d, case, plan)


async def _attempt(
    request: Request, d: Deps, case: Case, plan: RelocationPlan,
    work: Callable[[], Awaitable[object]], *, section: str, values: dict[str, str],
) -> Response:
    try:
        async with d.db.begin_nested():  # a refused change leaves nothing behind
            await work()
    except RuleViolation as exc:
        return await _plan_page(request, d, case, plan, status=409, rule=exc.rules[0])
    except InvalidInput as exc:
        return await _plan_page(
            request, d, case, plan, status=422, errors={section: exc.errors},
            values={section: values},
        )
    return RedirectResponse(_plan_url(request, case, plan.id), status_code=303)


async def update_plan(request: Request) -> Response:
    d, case, plan = await _plan(request)
    form = await read_form(request)
    data, errors = schemas.parse_plan(form)
    values = _form_values(form)

    async def work() -> None:
        if data is None:
            raise InvalidInput(errors)
        await service.update_plan(d, case, plan, data)

    return await _attempt(request, d, case, plan, work, section="plan", values=values)


async def add_step(request: Request) -> Response:
    d, case, plan = await _plan(request)
    form = await read_form(request)
    data, errors = schemas.parse_step(form)

    async def work() -> None:
        if data is None:
            raise InvalidInput(errors)
        await service.add_step(d, case, plan, data)

    return await _attempt(request, d, case, plan, work, section="new_step",
                          values=_form_values(form))


async def update_step(request: Request) -> Response:
    d, case, plan = await _plan(request)
    step = await service.find_step(d, plan, path_id(request, "step_id"))
    form = await read_form(request)
    change, errors = schemas.parse_step_change(form)

    async def work() -> None:
        if change is None:
            raise InvalidInput(errors)
        await service.update_step(d, case, plan, step, change)

    return await _attempt(request, d, case, plan, work, section=step.id,
                          values=_form_values(form))


async def transition(request: Request) -> Response:
    d, case, plan = await _plan(request)
    form = await read_form(request)
    action, comment, errors = schemas.parse_transition(form)

    async def work() -> None:
        if errors:
            raise InvalidInput(errors)
        await service.transition(d, case, plan, action=action, comment=comment)

    return await _attempt(request, d, case, plan, work, section="transition",
                          values=_form_values(form))


async def approve(request: Request) -> Response:
    d, case, plan = await _plan(request)
    return await _attempt(
        request, d, case, plan, lambda: service.approve(d, case, plan), section="approve",
        values={},
    )
