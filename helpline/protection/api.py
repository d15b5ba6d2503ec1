"""The protection JSON API: measures and the case's level, setting a measure, and a named
user's vault read with a stated purpose.

Break-glass is not offered here: a bearer token cannot prove a recent sign-in, and an emergency
read must come with one (SECURITY.md §4). Errors are raised and mapped to JSON by helpline.errors.
"""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline.cases.service import audit
from helpline.errors import InvalidInput
from helpline.persons import service as persons
from helpline.persons.web import deps, path_id
from helpline.protection import measures, schemas
from helpline.protection.measures import MeasureView
from helpline.web.forms import read_json


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _measure(view: MeasureView) -> dict[str, object]:
    return {
        "id": view.id,
        "level": view.level,
        "state": view.state,
        "counts": view.counts,
        "applied_on": _day(view.applied_on),
        "decided_on": _day(view.decided_on),
        "review_on": _day(view.review_on),
        "review_due": view.review_due,
    }


async def get_protection(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    protection = await measures.case_protection(d, case)
    await audit(d, case, "protection.read", purpose="case work", fields=["level", "state", "dates"])
    return JSONResponse(
        {
            "case_level": protection.level.name,
            "persons": [
                {
                    "person_id": p.person_id,
                    "pseudonym": p.pseudonym,
                    "role": p.role,
                    "level": p.level.name,
                    "measures": [_measure(m) for m in p.measures],
                }
                for p in protection.persons
            ],
        }
    )


async def set_measure(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    person = await persons.person_of(d, case, path_id(request, "person_id"))
    parsed = schemas.parse_measure(await read_json(request), strict_keys=True)
    if parsed.data is None:
        raise InvalidInput(parsed.errors)
    measure = await measures.set_measure(d, case, person, parsed.data)
    protection = await measures.case_protection(d, case)
    return JSONResponse(
        {
            "id": measure.id,
            "level": measure.level.value,
            "state": measure.state.value,
            "case_level": protection.level.name,
        }
    )

