"""The JSON API for cases: the same service layer and access rules as the pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.cases import notes, service, views
from helpline.cases.endpoints import deps, readable_case
from helpline.cases.forms import intake_from
from helpline.errors import InvalidInput
from helpline.models.cases import Case, CaseState
from helpline.web.forms import read_json


def case_json(case: Case, pseudonym: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "reference": case.reference,
        "state": case.state.value,
        "pseudonym": pseudonym,
        "responsible_officer_id": case.responsible_officer_id,
        "milieu": case.milieu.value if case.milieu else None,
        "eligibility": {
            name: getattr(case, name)
            for name in (
                "definition_met",
                "threat_documented",
                "motivated",
                "is_witness",
                "is_adult",
                "municipality_led",
            )
        },
        "exit_reason": case.exit_reason,
        "closure_reason": case.closure_reason,
        "created_at": case.created_at.isoformat(),
    }


async def list_cases(request: Request) -> Response:
    state_value = request.query_params.get("state", "")
    state = CaseState(state_value) if state_value in CaseState.__members__ else None
    rows = await views.case_list(deps(request), state=state, officer_id=None)
    return JSONResponse({"cases": [case_json(row.case, row.pseudonym) for row in rows]})


def _listed(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput({name: "expected_list_of_strings"})
    return value


async def create_case(request: Request) -> Response:
    body = await read_json(request)
    listed = {name: _listed(body, name) for name in ("participants", "information_given")}
    values = {k: v for k, v in body.items() if k not in listed}
    case = await service.open_case_from_intake(deps(request), intake_from(values, listed=listed))
    return JSONResponse(case_json(case, "—"), status_code=201)


async def get_case(request: Request) -> Response:
    case = await readable_case(request)
    page = await views.case_page(
        deps(request), case, extra_sections=request.app.state.case_page_sections
    )
    body = case_json(case, page.pseudonym)
    body["activation_guards_failing"] = [g.value for g in page.failing_guards]
    body["timeline"] = [
        {
            "at": item.occurred_at.isoformat(),
            "kind": item.kind,
            "from": item.from_state,
            "to": item.to_state,
            "reason_code": item.reason_code,
            "reason": item.reason,
        }
        for item in page.timeline
    ]
    body["notes"] = [
        {
            "id": n.id,
            "at": n.created_at.isoformat(),
            "body": n.body,
            "corrects_note_id": n.corrects_note_id,
        }
        for n in page.notes
    ]
    return JSONResponse(body)


async def transition_case(request: Request) -> Response:
    case = await readable_case(request)
    body = await read_json(request)
    target = body.get("to")
    if target not in CaseState.__members__:
        raise InvalidInput({"to": "invalid"})
    await service.transition(
        deps(request),
        case,
        to=CaseState(target),
        reason_code=str(body["reason_code"]) if body.get("reason_code") else None,
        reason_text=str(body.get("reason") or "")[: service.MAX_REASON],
    )
    return JSONResponse(case_json(case, "—"))


async def add_note(request: Request) -> Response:
    case = await readable_case(request)
    body = await read_json(request)
    note = await notes.add_note(
        deps(request),
        case,
        body=str(body.get("body") or ""),
        corrects_note_id=str(body["corrects_note_id"]) if body.get("corrects_note_id") else None,
    )
    return JSONResponse({"id": note.id}, status_code=201)
