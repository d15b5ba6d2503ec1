"""The persons JSON API: list (pseudonyms only), add, and search by identity number. Same
service layer as the pages; errors are raised and mapped to JSON by helpline.errors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline import clock
from helpline.cases.service import audit
from helpline.errors import InvalidInput
from helpline.persons import repository, schemas, service
from helpline.persons.web import deps, path_id
from helpline.protection.levels import ProtectionLevel, household_levels
from helpline.web.forms import read_json


async def list_persons(request: Request) -> Response:
    d = deps(request)
    case = await service.readable_case(d, path_id(request, "case_id"))
    persons = await repository.persons_of_case(d.db, case.id)
    # Household members of a protected person count as protected (see household_levels).
    levels = await household_levels(d.db, case.id)
    await audit(d, case, "person.listed", fields=["pseudonym", "role"])

    def protected(person_id: str) -> bool:
        # Any protection level: even a confidentiality marking does not say which fact is
        # sensitive (DOMAIN.md §4), so nothing identifying leaves with a protected person, nor
        # with one living with them (protection can cover the household, DOMAIN.md §4).
        return levels.get(person_id, ProtectionLevel.NONE).sensitive

    body = [
        {
            "id": p.id,
            "pseudonym": p.pseudonym,
            "role": p.role.value,
            "id_type": None if protected(p.id) else p.id_type.value,
            "birth_year": None if protected(p.id) else p.birth_year,
            "interpreter_needed": p.interpreter_needed,
        }
        for p in persons
    ]
    return JSONResponse({"persons": body})


async def create_person(request: Request) -> Response:
    d = deps(request)
    case = await service.readable_case(d, path_id(request, "case_id"))
    form = schemas.parse_person(await read_json(request), today=clock.today())
    if form.data is None:
        raise InvalidInput(form.errors)
    person = await service.add_person(d, case, form.data)
    return JSONResponse({"id": person.id, "pseudonym": person.pseudonym}, status_code=201)


async def search(request: Request) -> Response:
    data, errors = schemas.parse_search(await read_json(request), today=clock.today())
    if data is None:
        raise InvalidInput(errors)
    hits = await service.search_by_identity_number(deps(request), data)
    return JSONResponse(
        {
            "hits": [
                {
                    "case_id": h.case_id,
                    "case_reference": h.case_reference,
                    "person_id": h.person_id,
                    "pseudonym": h.pseudonym,
                }
                for h in hits
            ]
        }
    )
