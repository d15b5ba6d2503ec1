"""The JSON API of protection measures and the action plan: the same services as the pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.cases.service import Deps
from helpline.errors import InvalidInput
from helpline.measures import action_plan, schemas, service
from helpline.measures.action_plan import GoalView
from helpline.measures.service import MeasureView
from helpline.models.cases import Case
from helpline.persons import service as persons
from helpline.persons.web import deps, path_id
from helpline.web.forms import read_json


def _day(value: Any) -> str | None:
    return value.isoformat() if value else None


def measure_json(m: MeasureView) -> dict[str, Any]:
    return {
        "id": m.id, "kind": m.kind, "state": m.state, "person_id": m.person_id,
        "pseudonym": m.person_pseudonym or None,
        "responsible_organisation_id": m.responsible_organisation_id,
        "starts_on": _day(m.starts_on), "ends_on": _day(m.ends_on),
        "review_on": _day(m.review_on), "review_overdue": m.review_overdue, "note": m.note,
    }


def goal_json(g: GoalView) -> dict[str, Any]:
    return {
        "id": g.id, "life_area": g.life_area, "state": g.state, "description": g.description,
        "actions": [
            {
                "id": a.id, "description": a.description,
                "responsible_organisation_id": a.responsible_organisation_id,
                "responsible_user_id": a.responsible_user_id,
                "responsible_person": a.responsible_person, "state": a.state,
                "due_on": _day(a.due_on), "follow_up_on": _day(a.follow_up_on),
                "completed_on": _day(a.completed_on), "overdue": a.overdue,
            }
            for a in g.actions
        ],
    }


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


async def _parsed(request: Request, parse: Any, *, new: bool) -> Any:
    change, errors = parse(await read_json(request), new=new)
    if change is None:
        raise InvalidInput(errors)
    return change


async def list_measures(request: Request) -> Response:
    d, case = await _case(request)
    views = await service.read_measures(d, case)
    return JSONResponse({"measures": [measure_json(m) for m in views]})


async def create_measure(request: Request) -> Response:
    d, case = await _case(request)
    change = await _parsed(request, schemas.parse_measure, new=True)
    measure = await service.add_measure(d, case, change)
    return JSONResponse({"id": measure.id, "state": measure.state.value}, status_code=201)


async def update_measure(request: Request) -> Response:
    d, case = await _case(request)
    measure = await service.find_measure(d, case, path_id(request, "measure_id"))
    change = await _parsed(request, schemas.parse_measure, new=False)
    await service.update_measure(d, case, measure, change)
    return JSONResponse({"id": measure.id, "state": measure.state.value})


async def get_action_plan(request: Request) -> Response:
    d, case = await _case(request)
    goals = await action_plan.read_action_plan(d, case)
    return JSONResponse({"goals": [goal_json(g) for g in goals]})


async def create_goal(request: Request) -> Response:
    d, case = await _case(request)
    change = await _parsed(request, schemas.parse_goal, new=True)
    goal = await action_plan.add_goal(d, case, change)
    return JSONResponse({"id": goal.id}, status_code=201)


async def update_goal(request: Request) -> Response:
    d, case = await _case(request)
    goal = await action_plan.find_goal(d, case, path_id(request, "goal_id"))
    change = await _parsed(request, schemas.parse_goal, new=False)
    await action_plan.update_goal(d, case, goal, change)
    return JSONResponse({"id": goal.id, "state": goal.state.value})


async def create_action(request: Request) -> Response:
    d, case = await _case(request)
    goal = await action_plan.find_goal(d, case, path_id(request, "goal_id"))
    change = await _parsed(request, schemas.parse_action, new=True)
    action = await action_plan.add_action(d, case, goal, change)
    return JSONResponse({"id": action.id}, status_code=201)


async def update_action(request: Request) -> Response:
    d, case = await _case(request)
    action = await action_plan.find_action(d, case, path_id(request, "action_id"))
    change = await _parsed(request, schemas.parse_action, new=False)
    await action_plan.update_action(d, case, action, change)
    return JSONResponse({"id": action.id, "state": action.state.value})
