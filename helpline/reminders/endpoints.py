"""HTTP for reminders: "Mina bevakningar" (the page) and the JSON API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline import clock
from helpline.audit import record
from helpline.persons import service as persons
from helpline.persons.web import deps, path_id, render
from helpline.reminders import labels, service


async def _audit_read(
    request: Request, shown: int, *, days: int, case_id: str | None = None
) -> None:
    """One event per read of a reminder list (DOMAIN.md §8.10: every read is logged): it shows
    case references and pseudonyms across cases."""
    user = request.state.user
    await record(
        request.state.db, context=request.state.audit, action="reminder.list_read",
        organisation_id=user.organisation_id, object_type="case" if case_id else None,
        object_id=case_id, fields=["case.reference", "case.pseudonym", "reminder.due_on"],
        details={"reminders_shown": shown, "horizon_days": days},
    )


def _mine(request: Request) -> bool:
    return request.query_params.get("mine", "") in ("1", "on", "true")


async def my_reminders(request: Request) -> Response:
    days = service.horizon(request.query_params.get("days"))
    only_mine = _mine(request)
    found = await service.reminders_for(
        request.state.db, request.state.user, today=clock.today(), horizon_days=days,
        only_mine=only_mine,
    )
    context = {
        "reminders": found, "days": days, "only_mine": only_mine, "labels": labels,
        "overdue": sum(1 for r in found if r.overdue),
    }
    await _audit_read(request, len(found), days=days)
    return render(request, "reminders/list.html", context)


async def api_reminders(request: Request) -> Response:
    days = service.horizon(request.query_params.get("days"))
    found = await service.reminders_for(
        request.state.db, request.state.user, today=clock.today(), horizon_days=days,
        only_mine=_mine(request),
    )
    await _audit_read(request, len(found), days=days)
    return JSONResponse({"today": clock.today().isoformat(), "horizon_days": days,
                         "reminders": [r.as_json() for r in found]})


async def api_case_reminders(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    days = service.horizon(request.query_params.get("days"))
    found = await service.reminders_for_case(
        d.db, d.actor, case.id, today=clock.today(), horizon_days=days
    )
    await _audit_read(request, len(found), days=days, case_id=case.id)
    return JSONResponse({"today": clock.today().isoformat(), "horizon_days": days,
                         "reminders": [r.as_json() for r in found]})
