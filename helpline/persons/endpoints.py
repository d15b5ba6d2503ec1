"""HTTP for persons on a case and the identity-number search (pages). No SQL, no crypto here."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline import clock
from helpline.cases.service import Deps
from helpline.errors import InvalidInput
from helpline.models.cases import Case
from helpline.persons import labels, schemas, service
from helpline.persons.web import (
    back_to_case,
    case_path,
    deps,
    keep_audit_of_refusal,
    path_id,
    render,
)
from helpline.web.forms import read_form

LABELS = {
    "role": labels.ROLE,
    "id_type": labels.ID_TYPE,
    "relation": labels.RELATION,
    "search_kind": labels.SEARCH_KIND,
    "errors": labels.ERRORS,
}


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"labels": LABELS, "errors": {}, "values": {}}
    return render(request, "persons/" + name, {**base, **context}, status)


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await service.readable_case(d, path_id(request, "case_id"))


# --- add ---------------------------------------------------------------------------------------


async def new_person(request: Request) -> Response:
    d, case = await _case(request)
    context = {"case": case, "others": await service.person_choices(d, case),
               "case_url": case_path(request, case.id), "values": {"id_type": "NONE"}}
    return _render(request, "new.html", context)


async def create_person(request: Request) -> Response:
    d, case = await _case(request)
    form = schemas.parse_person(await read_form(request), today=clock.today())
    if form.data is not None:
        try:
            await service.add_person(d, case, form.data)
            return back_to_case(request, case.id)
        except InvalidInput as exc:
            form.errors.update(exc.errors)
    context = {"case": case, "others": await service.person_choices(d, case),
               "case_url": case_path(request, case.id), "values": form.values,
               "errors": form.errors}
    return _render(request, "new.html", context, 422)


# --- show and edit -----------------------------------------------------------------------------


def _edit_values(view: service.PersonView) -> dict[str, object]:
    return {
        "role": view.role, "given_name": view.given_name, "family_name": view.family_name,
        "id_type": view.id_type, "id_number": "", "birth_year": view.birth_year or "",
        "interpreter_needed": view.interpreter_needed,
        "interpreter_language": view.interpreter_language, "notes": view.notes,
    }


async def _person_page(
    request: Request,
    d: Deps,
    case: Case,
    person_id: str,
    *,
    values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
    relation_errors: dict[str, str] | None = None,
    relation_values: dict[str, object] | None = None,
) -> Response:
    view = await service.read_person(d, case, person_id)  # the page's one audit event
    refused = bool(errors or relation_errors)
    if refused:
        keep_audit_of_refusal(request)
    context = {
        "case": case, "person": view, "others": await service.person_choices(d, case),
        "case_url": case_path(request, case.id), "values": values or _edit_values(view),
        "errors": errors or {}, "relation_errors": relation_errors or {},
        "relation_values": relation_values or {},
    }
    return _render(request, "show.html", context, 422 if refused else 200)


async def show_person(request: Request) -> Response:
    d, case = await _case(request)
    return await _person_page(request, d, case, path_id(request, "person_id"))


async def update_person(request: Request) -> Response:
    d, case = await _case(request)
    person = await service.person_of(d, case, path_id(request, "person_id"))
    stored_type = person.id_type if person.id_number_enc is not None else None
    form = schemas.parse_person(
        await read_form(request), today=clock.today(), stored_id_type=stored_type
    )
    if form.data is not None:
        try:
            await service.update_person(d, case, person, form.data)
            return back_to_case(request, case.id)
        except InvalidInput as exc:
            form.errors.update(exc.errors)
    return await _person_page(
        request, d, case, person.id, values=form.values, errors=form.errors
    )


async def add_relation(request: Request) -> Response:
    d, case = await _case(request)
    person = await service.person_of(d, case, path_id(request, "person_id"))
    form = await read_form(request)
    errors: dict[str, str] = {}
    relation = schemas.parse_relation(form, errors, optional=False)
    if relation is not None:
        try:
            await service.add_relation(d, case, person, relation)
            url = request.url_for("persons:show", case_id=case.id, person_id=person.id).path
            return RedirectResponse(str(url), status_code=303)
        except InvalidInput as exc:
            errors.update(exc.errors)
    values = {name: schemas.text_of(form, name) for name in ("relation_to", "relation_kind")}
    values["lives_with"] = schemas.flag(form, "lives_with")
    return await _person_page(
        request, d, case, person.id, relation_errors=errors, relation_values=values
    )


async def remove_relation(request: Request) -> Response:
    d, case = await _case(request)
    person = await service.person_of(d, case, path_id(request, "person_id"))
    await service.remove_relation(d, case, path_id(request, "relation_id"))
    url = request.url_for("persons:show", case_id=case.id, person_id=person.id).path
    return RedirectResponse(str(url), status_code=303)


async def reveal(request: Request) -> Response:
    d, case = await _case(request)
    person = await service.person_of(d, case, path_id(request, "person_id"))
    purpose, errors = schemas.parse_purpose(await read_form(request))
    context: dict[str, Any] = {"case": case, "person": person, "values": {"purpose": purpose},
                               "case_url": case_path(request, case.id)}
    if errors:
        return _render(request, "reveal.html", {**context, "errors": errors}, 422)
    try:
        person, number = await service.reveal_id_number(d, case, person.id, purpose=purpose)
    except service.NamesNumber as exc:  # the form keeps the purpose typed
        keep_audit_of_refusal(request)  # the refusal's audit event, nothing else
        return _render(request, "reveal.html", {**context, "errors": exc.errors}, 422)
    return _render(request, "reveal.html", {**context, "number": number, "revealed": True})


# --- search ------------------------------------------------------------------------------------


async def search_form(request: Request) -> Response:
    return _render(request, "search.html", {"values": {"kind": "SWEDISH"}, "hits": None})


async def search(request: Request) -> Response:
    form = await read_form(request)
    data, errors = schemas.parse_search(form, today=clock.today())
    values = {name: schemas.text_of(form, name) for name in ("kind", "number", "purpose")}
    if data is None:
        return _render(request, "search.html", {"values": values, "errors": errors,
                                                "hits": None}, 422)
    hits = await service.search_by_identity_number(deps(request), data)
    # The number is not echoed back after a search: the results page may stay on screen.
    values["number"] = ""
    return _render(request, "search.html", {"values": values, "hits": hits})

