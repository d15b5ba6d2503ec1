"""HTTP for protection measures and the action plan (pages). No SQL, no crypto here.

Each page is one audited read. A refused change re-renders the page with the reason (409 or
422); the change ran in a SAVEPOINT that is rolled back, so nothing of it is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.cases.service import Deps
from helpline.cases.views import user_names
from helpline.errors import InvalidInput, RuleViolation
from helpline.measures import action_plan, labels, schemas, service
from helpline.measures.action_plan import GoalView
from helpline.measures.service import MeasureView
from helpline.models.cases import Case
from helpline.persons import repository as persons_repository
from helpline.persons import service as persons
from helpline.persons.web import case_path, deps, keep_audit_of_refusal, path_id, render
from helpline.relocation.common import organisations
from helpline.web.forms import read_form

LABELS = {
    "measure_kind": labels.MEASURE_KIND,
    "measure_state": labels.MEASURE_STATE,
    "life_area": labels.LIFE_AREA,
    "goal_state": labels.GOAL_STATE,
    "action_state": labels.ACTION_STATE,
    "errors": labels.ERRORS,
    "rules": labels.RULES,
}


@dataclass(frozen=True)
class MeasuresSection:
    measures: list[MeasureView]
    goals: list[GoalView]


async def case_section(deps: Deps, case: Case) -> MeasuresSection:
    """For the case page: kinds, states and dates; nothing decrypted (no notes, no wording)."""
    return MeasuresSection(
        await service.measure_views(deps, case, with_notes=False),
        await action_plan.summary(deps, case),
    )


def _values(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


async def _attempt(
    request: Request, d: Deps, case: Case, work: Callable[[], Awaitable[object]],
    page: Callable[..., Awaitable[Response]], *, section: str, values: dict[str, str],
    url_name: str,
) -> Response:
    try:
        async with d.db.begin_nested():  # a refused change leaves nothing behind
            await work()
    except RuleViolation as exc:
        return await page(request, d, case, status=409, rule=exc.rules[0])
    except InvalidInput as exc:
        return await page(request, d, case, status=422, errors={section: exc.errors},
                          values={section: values})
    url = str(request.url_for(url_name, case_id=case.id).path)
    return RedirectResponse(url + "#" + section, status_code=303)


async def _common(request: Request, d: Deps, case: Case, status: int) -> dict[str, Any]:
    if status >= 400:
        await d.db.refresh(case)
        keep_audit_of_refusal(request)
    return {"case": case, "case_url": case_path(request, case.id), "labels": LABELS,
            "organisations": await organisations(d.db)}


# --- protection measures ----------------------------------------------------------------------


async def _measures_page(
    request: Request, d: Deps, case: Case, *, status: int = 200, rule: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Response:
    context = await _common(request, d, case, status)
    context.update(
        measures=await service.read_measures(d, case),  # the page's one audited read
        persons=await persons_repository.persons_of_case(d.db, case.id),
        rule=rule, errors=errors or {}, values=values or {},
    )
    return render(request, "measures/page.html", context, status)


async def show_measures(request: Request) -> Response:
    d, case = await _case(request)
    return await _measures_page(request, d, case)


async def add_measure(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    change, errors = schemas.parse_measure(form, new=True)

    async def work() -> None:
        if change is None:
            raise InvalidInput(errors)
        await service.add_measure(d, case, change)

    return await _attempt(request, d, case, work, _measures_page, section="new_measure",
                          values=_values(form), url_name="measures:show")


async def update_measure(request: Request) -> Response:
    d, case = await _case(request)
    measure = await service.find_measure(d, case, path_id(request, "measure_id"))
    form = await read_form(request)
    change, errors = schemas.parse_measure(form, new=False)

    async def work() -> None:
        if change is None:
            raise InvalidInput(errors)
        await service.update_measure(d, case, measure, change)

    return await _attempt(request, d, case, work, _measures_page, section=measure.id,
                          values=_values(form), url_name="measures:show")


# --- action plan ------------------------------------------------------------------------------


async def _plan_page(
    request: Request, d: Deps, case: Case, *, status: int = 200, rule: str | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
) -> Response:
    context = await _common(request, d, case, status)
    context.update(
        goals=await action_plan.read_action_plan(d, case),  # the page's one audited read
        users=await user_names(d, case.organisation_id),
        rule=rule, errors=errors or {}, values=values or {},
    )
    return render(request, "measures/action_plan.html", context, status)


async def show_action_plan(request: Request) -> Response:
    d, case = await _case(request)
    return await _plan_page(request, d, case)


async def _plan_change(
    request: Request, parse: Callable[..., Any], apply: Callable[..., Awaitable[object]],
    *, new: bool, section: Callable[[Request], str],
) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    change, errors = parse(form, new=new)

    async def work() -> None:
        if change is None:
            raise InvalidInput(errors)
        await apply(d, case, change)

    return await _attempt(request, d, case, work, _plan_page, section=section(request),
                          values=_values(form), url_name="action_plan:show")


async def add_goal(request: Request) -> Response:
    return await _plan_change(request, schemas.parse_goal, action_plan.add_goal, new=True,
                              section=lambda r: "new_goal")


async def update_goal(request: Request) -> Response:
    goal_id = path_id(request, "goal_id")

    async def apply(d: Deps, case: Case, change: Any) -> None:
        await action_plan.update_goal(d, case, await action_plan.find_goal(d, case, goal_id),
                                      change)

    return await _plan_change(request, schemas.parse_goal, apply, new=False,
                              section=lambda r: goal_id)


async def add_action(request: Request) -> Response:
    goal_id = path_id(request, "goal_id")

    async def apply(d: Deps, case: Case, change: Any) -> None:
        await action_plan.add_action(d, case, await action_plan.find_goal(d, case, goal_id),
                                     change)

    return await _plan_change(request, schemas.parse_action, apply, new=True,
                              section=lambda r: "new_action_" + goal_id)


async def update_action(request: Request) -> Response:
    action_id = path_id(request, "action_id")

    async def apply(d: Deps, case: Case, change: Any) -> None:
        action = await action_plan.find_action(d, case, action_id)
        await action_plan.update_action(d, case, action, change)

    return await _plan_change(request, schemas.parse_action, apply, new=False,
                              section=lambda r: action_id)
