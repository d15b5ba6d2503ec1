"""HTTP for protected personal data and the location vault (pages). No SQL, no crypto here."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline.cases.service import Deps
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case
from helpline.persons import service as persons
from helpline.persons.web import case_path, deps, keep_audit_of_refusal, path_id, render
from helpline.protection import labels, measures, schemas, vault
from helpline.protection.levels import ProtectionLevel
from helpline.web.forms import read_form

LABELS = {
    "level": labels.LEVEL,
    "state": labels.STATE,
    "kind": labels.KIND,
    "kind_choice": labels.KIND_CHOICE,
    "action": labels.ACTION,
    "rules": labels.RULES,
    "errors": labels.ERRORS,
}


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    base = {"labels": LABELS, "errors": {}, "values": {}, "levels": ProtectionLevel}
    return render(request, "protection/" + name, {**base, **context}, status)


async def _case(request: Request) -> tuple[Deps, Case]:
    d = deps(request)
    return d, await persons.readable_case(d, path_id(request, "case_id"))


def _vault_url(request: Request, case: Case) -> str:
    return str(request.url_for("protection:vault", case_id=case.id).path)


# --- measures on a person ----------------------------------------------------------------------


async def _person_page(
    request: Request,
    d: Deps,
    case: Case,
    person_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    rules: list[str] | None = None,
    status: int = 200,
) -> Response:
    person = await persons.person_of(d, case, person_id)
    views = await measures.measures_for_person(d, case, person)  # the page's one audit event
    if status >= 400:
        keep_audit_of_refusal(request)
    context = {
        "case": case,
        "person": person,
        "measures": views,
        "case_url": case_path(request, case.id),
        "values": values or {"state": "APPLIED"},
        "errors": errors or {},
        "rules": rules or [],
    }
    return _render(request, "person.html", context, status)


async def person_protection(request: Request) -> Response:
    d, case = await _case(request)
    return await _person_page(request, d, case, path_id(request, "person_id"))


async def person_protection_save(request: Request) -> Response:
    d, case = await _case(request)
    person = await persons.person_of(d, case, path_id(request, "person_id"))
    form = schemas.parse_measure(await read_form(request))
    if form.data is not None:
        try:
            async with d.db.begin_nested():  # a refused change leaves nothing behind
                await measures.set_measure(d, case, person, form.data)
            url = request.url_for("protection:person", case_id=case.id, person_id=person.id)
            return RedirectResponse(str(url.path), status_code=303)
        except InvalidInput as exc:
            form.errors.update(exc.errors)
        except RuleViolation as exc:
            return await _person_page(
                request, d, case, person.id, values=form.values, rules=exc.rules, status=409
            )
    return await _person_page(
        request, d, case, person.id, values=form.values, errors=form.errors, status=422
    )


# --- the vault ---------------------------------------------------------------------------------


async def _vault_page(
    request: Request, d: Deps, case: Case, *, rules: list[str] | None = None, status: int = 200
) -> Response:
    page = await vault.vault_page(d, case)  # the page's one audit event (no location data)
    if status >= 400:
        keep_audit_of_refusal(request)
    context = {
        "case": case,
        "page": page,
        "case_url": case_path(request, case.id),
        "rules": rules or [],
    }
    return _render(request, "vault.html", context, status)


async def vault_list(request: Request) -> Response:
    d, case = await _case(request)
    return await _vault_page(request, d, case)


async def _entry_form(
    request: Request,
    d: Deps,
    case: Case,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    # Pseudonyms and the names of the case's readers only: nothing decrypted, nothing audited.
    context = {
        "case": case,
        "persons": await persons.person_choices(d, case),
        "readers": await vault.case_readers(d, case),
        "vault_url": _vault_url(request, case),
        "values": values,
        "errors": errors,
    }
    return _render(request, "new.html", context, status)


async def vault_new(request: Request) -> Response:
    d, case = await _case(request)
    return await _entry_form(request, d, case, {"kind": "ADDRESS", "named": []}, {})


async def vault_create(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    named = [v for v in form.getlist("named") if isinstance(v, str)][:50]
    parsed = schemas.parse_entry(form, named)
    if parsed.data is not None:
        try:
            async with d.db.begin_nested():
                await vault.add_entry(d, case, parsed.data)
            return RedirectResponse(_vault_url(request, case), status_code=303)
        except InvalidInput as exc:
            parsed.errors.update(exc.errors)
        except RuleViolation as exc:
            parsed.errors["form"] = exc.rules[0]
    # What was typed goes back into its fields only, on a no-store page.
    return await _entry_form(
        request, d, case, {**parsed.values, "named": named}, parsed.errors, 422
    )


async def vault_access(request: Request) -> Response:
    d, case = await _case(request)
    form = await read_form(request)
    named = [v for v in form.getlist("named") if isinstance(v, str)][:50]
    try:
        async with d.db.begin_nested():
            await vault.set_named_users(d, case, path_id(request, "entry_id"), named)
    except RuleViolation as exc:
        return await _vault_page(request, d, case, rules=exc.rules, status=409)
    except InvalidInput as exc:
        return await _vault_page(request, d, case, rules=sorted(exc.errors.values()), status=422)
    return RedirectResponse(_vault_url(request, case), status_code=303)


async def _entry_context(request: Request, d: Deps, case: Case) -> dict[str, Any]:
    entry = await vault.entry_of(d, case, path_id(request, "entry_id"))
    return {
        "case": case,
        "entry": entry,
        "vault_url": _vault_url(request, case),
        "case_url": case_path(request, case.id),
    }


async def vault_read(request: Request) -> Response:
    """POST with a purpose: the decrypted entry on a no-store page, or a message and nothing."""
    d, case = await _case(request)
    context = await _entry_context(request, d, case)
    purpose, errors = schemas.parse_statement(await read_form(request), "purpose")
    values = {"purpose": purpose}
    if errors:  # nothing written, nothing shown
        return _render(request, "read.html", {**context, "values": values, "errors": errors}, 422)
    try:
        revealed = await vault.read_entry(d, case, context["entry"].id, purpose=purpose)
    except InvalidInput as exc:
        if isinstance(exc, vault.NamesLocation):
            keep_audit_of_refusal(request)
        return _render(
            request, "read.html", {**context, "values": values, "errors": exc.errors}, 422
        )
    except vault.Forbidden as exc:
        keep_audit_of_refusal(request)  # the refusal's audit event, nothing else
        return _render(request, "read.html", {**context, "values": values, "rule": exc.rule}, 403)
    return _render(request, "read.html", {**context, "revealed": revealed})


async def break_glass_form(request: Request) -> Response:
    d, case = await _case(request)
    return _render(request, "break_glass.html", await _entry_context(request, d, case))


async def break_glass(request: Request) -> Response:
    d, case = await _case(request)
    context = await _entry_context(request, d, case)
    reason, errors = schemas.parse_statement(await read_form(request), "reason")
    values = {"reason": reason}
    if not errors:
        try:
            revealed = await vault.break_glass(d, case, context["entry"].id, reason=reason)
            return _render(request, "read.html", {**context, "revealed": revealed})
        except InvalidInput as exc:
            if isinstance(exc, vault.NamesLocation):
                keep_audit_of_refusal(request)
            errors = exc.errors
        except RuleViolation as exc:
            context["rule"] = exc.rules[0]
            return _render(request, "break_glass.html", {**context, "values": values}, 409)
    return _render(
        request, "break_glass.html", {**context, "values": values, "errors": errors}, 422
    )


# --- the supervisors' vault log ----------------------------------------------------------------


async def vault_log(request: Request, *, rule: str | None = None) -> Response:
    log = await vault.vault_log(deps(request))
    return _render(request, "vault_log.html", {"log": log, "rule": rule}, 409 if rule else 200)


async def alert_acknowledge(request: Request) -> Response:
    try:
        async with request.state.db.begin_nested():
            await vault.acknowledge_alert(deps(request), path_id(request, "alert_id"))
    except RuleViolation as exc:
        request.state.commit_on_error = True  # the log's read event, nothing else
        return await vault_log(request, rule=exc.rules[0])
    return RedirectResponse(str(request.url_for("protection:vault_log").path), status_code=303)
