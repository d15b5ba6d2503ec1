"""The consent and conditions JSON API. Same service layer as the pages; errors are raised and
mapped to JSON by helpline.errors (422 fields, 409 rules, 404 for a case not readable)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline import clock
from helpline.cases.service import audit
from helpline.consent import conditions, schemas, service
from helpline.consent.conditions import AgreementView
from helpline.consent.service import ConsentView
from helpline.errors import InvalidInput
from helpline.persons import service as persons
from helpline.persons.web import deps, path_id
from helpline.web.forms import read_json


def consent_json(view: ConsentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "person_id": view.person_id,
        "pseudonym": view.person_pseudonym,
        "version": view.version,
        "state": view.state,
        "effective_state": view.effective_state,
        "in_force": view.in_force,
        "form": view.form,
        "recipients": [{"id": org_id, "name": name} for org_id, name in view.recipients],
        "categories": view.categories,
        "purposes": view.purposes,
        "valid_from": view.valid_from.isoformat(),
        "valid_to": view.valid_to.isoformat(),
        "revoked_at": view.revoked_at.isoformat() if view.revoked_at else None,
        "revocation_method": view.revocation_method,
    }


async def list_consents(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    views = await service.consent_summary(d, case)
    await audit(d, case, "consent.listed")
    return JSONResponse({"consents": [consent_json(v) for v in views]})


async def create_consent(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    data, _, errors = schemas.parse_consent(await read_json(request), today=clock.today())
    if data is None:
        raise InvalidInput(errors)
    consent = await service.record_consent(d, case, data)
    return JSONResponse(consent_json(await service.consent_view(d, case, consent)), 201)


async def revoke_consent(request: Request) -> Response:
    d = deps(request)
    consent, case = await service.readable_consent(d, path_id(request, "consent_id"))
    data, errors = schemas.parse_revocation(await read_json(request))
    if data is None:
        raise InvalidInput(errors)
    await service.revoke_consent(d, case, consent, data)
    return JSONResponse(consent_json(await service.consent_view(d, case, consent)))


def agreement_json(view: AgreementView) -> dict[str, Any]:
    return {
        "id": view.id,
        "signed_on": view.signed_on.isoformat(),
        "conditions": view.conditions,
        "current": view.current,
        "breaches": [
            {
                "id": b.id,
                "occurred_on": b.occurred_on.isoformat(),
                "condition": b.condition,
                "consequence": b.consequence,
                "description": b.description,
            }
            for b in view.breaches
        ],
    }


async def get_conditions(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    views = await conditions.read_conditions(d, case)
    return JSONResponse({"agreements": [agreement_json(v) for v in views]})


async def create_agreement(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    data, errors = schemas.parse_agreement(await read_json(request), today=clock.today())
    if data is None:
        raise InvalidInput(errors)
    agreement = await conditions.record_agreement(d, case, data)
    return JSONResponse({"id": agreement.id}, status_code=201)


async def create_breach(request: Request) -> Response:
    d = deps(request)
    case = await persons.readable_case(d, path_id(request, "case_id"))
    data, errors = schemas.parse_breach(await read_json(request), today=clock.today())
    if data is None:
        raise InvalidInput(errors)
    breach = await conditions.record_breach(d, case, data)
    return JSONResponse({"id": breach.id}, status_code=201)
