"""HTTP for consent and conditions (pages). No SQL, no crypto here."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from helpline import clock
from helpline.cases.service import Deps
from helpline.consent import conditions, labels, repository, schemas, service
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case
from helpline.persons import labels as person_labels
from helpline.persons import service as persons
from helpline.persons.web import (
    back_to_case,
    case_path,
    deps,
    keep_audit_of_refusal,
    path_id,
    render,
)
from helpline.web.forms import read_form
from helpline.web.i18n import translations

LABELS = {
    "category": labels.CATEGORY,
    "purpose": labels.PURPOSE,
    "form": labels.FORM,
    "decision": labels.DECISION,
    "state": labels.STATE,
    "method": labels.REVOCATION_METHOD,
    "condition": labels.CONDITION,
    "consequence": labels.CONSEQUENCE,
    "role": person_labels.ROLE,
    "errors": labels.ERRORS,
    "rules": labels.RULES,
}



def _in_swedish(options: dict[str, str]) -> dict[str, str]:
    gettext = translations("sv").gettext
    return {value: gettext(text) for value, text in options.items()}


def _swedish_labels() -> dict[str, dict[str, str]]:
    # The form to be signed is in Swedish whatever the reader's language.
    return {"category": _in_swedish(labels.CATEGORY), "purpose": _in_swedish(labels.PURPOSE)}


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"labels": LABELS, "errors": {}, "values": {}, "rule": None}
    return render(request, "consent/" + name, {**base, **context}, status)


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


# --- consent -----------------------------------------------------------------------------------


async def _consent_form(
    request: Request, d: Deps, case: Case, values: dict[str, object],
    errors: dict[str, str] | None = None,
) -> Response:
    context = {
        "case": case, "case_url": case_path(request, case.id), "values": values,
        "errors": errors or {}, "persons": await persons.person_choices(d, case),
        "organisations": await repository.organisations(d.db),
    }
    return _render(request, "new.html", context, 422 if errors else 200)


async def new_consent(request: Request) -> Response:
    d, case = await _case(request)
    person = request.query_params.get("person", "")[:36]
    values = {"person_id": person, "state": "GIVEN", "form": "WRITTEN",
              "valid_from": clock.today().isoformat(), "recipients": [], "categories": [],
              "purposes": []}
    return await _consent_form(request, d, case, values)


async def create_consent(request: Request) -> Response:
    d, case = await _case(request)
    data, values, errors = schemas.parse_consent(await read_form(request), today=clock.today())
    if data is not None:
        try:
            await service.record_consent(d, case, data)
            return back_to_case(request, case.id)
        except InvalidInput as exc:
            errors.update(exc.errors)
    return await _consent_form(request, d, case, values, errors)


async def print_consent(request: Request) -> Response:
    d, case = await _case(request)
    view = await service.printable_consent(d, case, path_id(request, "person_id"))
    return _render(request, "print.html", {"case": case, "consent": view, "sv": _swedish_labels()})


async def _revoke_page(
    request: Request, d: Deps, case: Case, consent_id: str, *, values: dict[str, object],
    errors: dict[str, str] | None = None, rule: str | None = None, status: int = 200,
) -> Response:
    consent = await service.find_consent(d, case, consent_id)
    await service.audit_read(d, case, consent)  # the page's one audit event
    if status >= 400:
        keep_audit_of_refusal(request)
    context = {"case": case, "case_url": case_path(request, case.id), "values": values,
               "errors": errors or {}, "rule": rule,
               "consent": await service.consent_view(d, case, consent)}
    return _render(request, "revoke.html", context, status)


async def revoke_form(request: Request) -> Response:
    d, case = await _case(request)
    return await _revoke_page(request, d, case, path_id(request, "consent_id"), values={})


async def revoke(request: Request) -> Response:
    d, case = await _case(request)
    consent = await service.find_consent(d, case, path_id(request, "consent_id"))
    form = await read_form(request)
    data, errors = schemas.parse_revocation(form)
    values = {"method": schemas.text_of(form, "method"), "note": schemas.text_of(form, "note")}
    if data is None:
        return await _revoke_page(
            request, d, case, consent.id, values=values, errors=errors, status=422
        )
    try:
        await service.revoke_consent(d, case, consent, data)
    except RuleViolation as exc:
        return await _revoke_page(
            request, d, case, consent.id, values=values, rule=exc.rules[0], status=409
        )
    return back_to_case(request, case.id)


# --- conditions --------------------------------------------------------------------------------


async def _conditions_page(
    request: Request, d: Deps, case: Case, *, values: dict[str, object] | None = None,
    errors: dict[str, str] | None = None, breach_values: dict[str, object] | None = None,
    breach_errors: dict[str, str] | None = None, rule: str | None = None,
) -> Response:
    agreements = await conditions.read_conditions(d, case)  # the page's one audit event
    refused = bool(errors or breach_errors or rule)
    if refused:
        keep_audit_of_refusal(request)
    context = {
        "case": case, "case_url": case_path(request, case.id), "agreements": agreements,
        "values": values or {"signed_on": clock.today().isoformat(), "conditions": []},
        "errors": errors or {}, "breach_values": breach_values or {},
        "breach_errors": breach_errors or {}, "rule": rule,
    }
    status = 409 if rule else 422 if refused else 200
    return _render(request, "conditions.html", context, status)


async def show_conditions(request: Request) -> Response:
    d, case = await _case(request)
    return await _conditions_page(request, d, case)


async def create_agreement(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    data, errors = schemas.parse_agreement(form, today=clock.today())
    if data is not None:
        try:
            await conditions.record_agreement(d, case, data)
            return back_to_case(request, case.id)
        except InvalidInput as exc:
            errors.update(exc.errors)
    values = {"signed_on": schemas.text_of(form, "signed_on"),
              "conditions": schemas.list_of(form, "conditions")}
    return await _conditions_page(request, d, case, values=values, errors=errors)


async def create_breach(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    data, errors = schemas.parse_breach(form, today=clock.today())
    rule = None
    if data is not None:
        try:
            await conditions.record_breach(d, case, data)
            return back_to_case(request, case.id)
        except InvalidInput as exc:
            errors.update(exc.errors)
        except RuleViolation as exc:
            rule = exc.rules[0]
    values = {name: schemas.text_of(form, name)
              for name in ("occurred_on", "condition", "consequence", "description")}
    return await _conditions_page(
        request, d, case, breach_values=values, breach_errors=errors, rule=rule
    )
