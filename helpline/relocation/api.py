"""The relocation JSON API: the same service layer and rules as the pages.

The list never carries the target municipality nor who is responsible for the steps; only the
single-plan read does, and it is audited. Approval is not offered here: it needs a recent
sign-in (SECURITY.md §4), which a bearer token cannot show, so it is done in the browser.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.cases.service import Deps, audit
from helpline.errors import InvalidInput
from helpline.models.cases import Case
from helpline.models.relocation import RelocationPlan
from helpline.persons import service as persons
from helpline.persons.web import deps, path_id
from helpline.relocation import schemas, service
from helpline.relocation.service import PlanDetail, PlanSummary
from helpline.web.forms import read_json


def summary_json(plan: PlanSummary) -> dict[str, Any]:
    return {
        "id": plan.id,
        "state": plan.state,
        "from_municipality": plan.from_municipality,
        "starts_on": plan.starts_on.isoformat(),
        "steps_total": plan.steps_total,
        "steps_finished": plan.steps_finished,
        "next_due": {
            "step_id": plan.next_due.id, "kind": plan.next_due.kind,
            "due_on": plan.next_due.due_on.isoformat(), "state": plan.next_due.state,
        } if plan.next_due else None,
        "approved_at": plan.approved_at.isoformat() if plan.approved_at else None,
    }


def detail_json(plan: PlanDetail) -> dict[str, Any]:
    return {
        **summary_json(plan.summary),
        "target_municipality": plan.target_municipality,
        "author_id": plan.author_id,
        "submitted_by_id": plan.submitted_by_id,
        "approved_by_id": plan.approved_by_id,
        "steps": [
            {
                "id": s.id, "kind": s.kind, "state": s.state, "due_on": s.due_on.isoformat(),
                "responsible_organisation_id": s.responsible_organisation_id,
                "completed_on": s.completed_on.isoformat() if s.completed_on else None,
                "note": s.note,
            }
            for s in plan.steps
        ],
    }


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


async def _plan(request: Request) -> tuple[Deps, Case, RelocationPlan]:
    d, case = await _case(request)
    return d, case, await service.find_plan(d, case, path_id(request, "plan_id"))


async def list_plans(request: Request) -> Response:
    d, case = await _case(request)
    plans = await service.plan_summaries(d, case)
    await audit(d, case, "relocation.plans_listed")
    return JSONResponse({"plans": [summary_json(p) for p in plans]})


async def create_plan(request: Request) -> Response:
    d, case = await _case(request)
    data, errors = schemas.parse_plan(await read_json(request))
    if data is None:
        raise InvalidInput(errors)
    plan = await service.create_plan(d, case, data)
    return JSONResponse({"id": plan.id, "state": plan.state.value}, status_code=201)


async def get_plan(request: Request) -> Response:
    d, case, plan = await _plan(request)
    return JSONResponse(detail_json(await service.plan_detail(d, case, plan)))


async def add_step(request: Request) -> Response:
    d, case, plan = await _plan(request)
    data, errors = schemas.parse_step(await read_json(request))
    if data is None:
        raise InvalidInput(errors)
    step = await service.add_step(d, case, plan, data)
    return JSONResponse({"id": step.id}, status_code=201)


async def update_step(request: Request) -> Response:
    d, case, plan = await _plan(request)
    step = await service.find_step(d, plan, path_id(request, "step_id"))
    change, errors = schemas.parse_step_change(await read_json(request))
    if change is None:
        raise InvalidInput(errors)
    await service.update_step(d, case, plan, step, change)
    return JSONResponse({"id": step.id, "state": step.state.value, "plan_state": plan.state.value})


async def transition(request: Request) -> Response:
    d, case, plan = await _plan(request)
    action, comment, errors = schemas.parse_transition(await read_json(request))
    if errors:
        raise InvalidInput(errors)
    await service.transition(d, case, plan, action=action, comment=comment)
    return JSONResponse({"id": plan.id, "state": plan.state.value})
