"""The JSON API for threat assessments: the same service, rules and access as the pages.

A refused change answers 409 naming the rules (and, for an incomplete submission, the fields),
invalid input 422 naming the fields; either way the request's transaction is rolled back.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from helpline import clock
from helpline.cases.endpoints import deps, readable_case
from helpline.cases.service import audit
from helpline.errors import NotFound
from helpline.models.cases import Case, ThreatAssessment
from helpline.threats import repository, rules, service, views
from helpline.threats.schemas import parse_document, to_document
from helpline.threats.status import assessment_status
from helpline.web.forms import read_json


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def version_json(assessment: ThreatAssessment) -> dict[str, Any]:
    """Metadata only: codes, dates and ids, never free text."""
    content = assessment.content
    return {
        "version": assessment.version,
        "state": assessment.state.value,
        "overall_level": assessment.overall_level.value if assessment.overall_level else None,
        "acute": assessment.acute,
        "author_id": assessment.author_id,
        "reviewer_id": assessment.reviewer_id,
        "created_at": _iso(assessment.created_at),
        "submitted_at": _iso(assessment.submitted_at),
        "approved_at": _iso(assessment.approved_at),
        "review_due_on": _iso(assessment.review_due_on),
        "catalogue": content.get("catalogue"),
        "trigger": content.get("trigger"),
        "based_on_version": content.get("based_on_version"),
    }


def _number(request: Request) -> int:
    """The version number from the path; anything but 1 to 5 digits is a 404."""
    value = str(request.path_params.get("version", ""))
    if not value.isascii() or not value.isdigit() or len(value) > 5:
        raise NotFound()
    return int(value)


async def _version(request: Request, case: Case, *, for_update: bool = True) -> ThreatAssessment:
    assessment = await repository.version(
        request.state.db, case.id, _number(request), for_update=for_update
    )
    if assessment is None:
        raise NotFound()
    return assessment


async def list_versions(request: Request) -> Response:
    case = await readable_case(request)
    d = deps(request)
    found = await repository.versions(d.db, case.id)
    await audit(d, case, "threat_assessment.listed", fields=["threat_assessment.metadata"])
    return JSONResponse({
        "status": await assessment_status(d.db, case),
        "versions": [version_json(a) for a in found],
    })


async def get_version(request: Request) -> Response:
    case = await readable_case(request)
    page = await views.version_page(deps(request), case, _number(request))
    body = version_json(page.assessment)
    body["document"] = to_document(page.data)
    body["returned_comment"] = page.returned_comment
    body["level_lowered"] = page.lowered
    return JSONResponse(body)


async def start(request: Request) -> Response:
    case = await readable_case(request)
    body = await read_json(request)
    assessment = await service.start_assessment(
        deps(request), case, trigger=str(body.get("trigger") or "")
    )
    return JSONResponse(version_json(assessment), status_code=201)


async def save(request: Request) -> Response:
    case = await readable_case(request)
    body = await read_json(request)
    assessment = await _version(request, case)
    data = parse_document(body, service.catalogue_of(assessment))
    await service.save_draft(deps(request), case, assessment, data)
    return JSONResponse(version_json(assessment))


async def submit(request: Request) -> Response:
    case = await readable_case(request)
    assessment = await _version(request, case)
    try:
        await service.submit(deps(request), case, assessment)
    except service.IncompleteAssessment as exc:
        body = {"error": "rule_violation", "rules": exc.rules, "fields": exc.fields}
        return JSONResponse(body, status_code=409)
    return JSONResponse(version_json(assessment))


async def return_for_revision(request: Request) -> Response:
    case = await readable_case(request)
    body = await read_json(request)
    assessment = await _version(request, case)
    comment = body.get("comment")
    await service.return_for_revision(
        deps(request), case, assessment, comment=comment if isinstance(comment, str) else ""
    )
    return JSONResponse(version_json(assessment))


def _row(row: views.CaseRow) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "reference": row.reference,
        "pseudonym": row.pseudonym,
        "version": row.version,
        "overall_level": row.level.value if row.level else None,
        "acute": row.acute,
        "date": _iso(row.when),
        "days_left": row.days_left,
    }


async def dashboard(request: Request) -> Response:
    board = await views.dashboard(deps(request))
    return JSONResponse({
        "today": clock.today().isoformat(),
        "due_soon_days": rules.DUE_SOON_DAYS,
        "counts": {**board.counts, "OVERDUE": len(board.overdue),
                   "MISSING": len(board.missing)},
        "review_queue": [_row(r) for r in board.queue],
        "overdue": [_row(r) for r in board.overdue],
        "due_soon": [_row(r) for r in board.due_soon],
        "acute": [_row(r) for r in board.acute],
        "missing": [_row(r) for r in board.missing],
    })
