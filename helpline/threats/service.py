"""Threat-assessment changes: start (or reassess), save a draft, submit, return, approve.

Every change writes a case-timeline event and an audit event in the caller's transaction and
never commits; refused changes raise before writing anything (and the boundary runs them in a
SAVEPOINT as well). Free text is encrypted under the case's data key as one JSON document bound
to (organisation, "threat_assessments", "content_enc", row id); codes and ratings stay readable
in ``content`` so that lists and counts need no decryption. Four eyes: the reviewer is a
supervisor of the case's organisation who neither authored nor edited nor submitted the version.
"""

from __future__ import annotations

from typing import Any

from helpline import clock
from helpline.cases.access import can_supervise
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.db import new_id
from helpline.errors import RuleViolation
from helpline.models.cases import AssessmentState, Case, ThreatAssessment
from helpline.models.org import OrganisationType
from helpline.models.users import Role, User
from helpline.threats import repository, rules
from helpline.threats.catalogue import CURRENT_VERSION, Trigger, catalogue
from helpline.threats.rules import Rule
from helpline.threats.schemas import (
    MAX_LONG,
    AssessmentInput,
    join_from_storage,
    split_for_storage,
)

TABLE, COLUMN = "threat_assessments", "content_enc"
# Keys of ``content`` that describe the version rather than the assessment itself.
META = ("catalogue", "trigger", "based_on_version", "contributors")


class IncompleteAssessment(RuleViolation):
    """Submission refused: the rules broken, and the fields that break them (for the form)."""

    def __init__(self, broken: list[Rule], fields: dict[str, str]) -> None:
        super().__init__(*broken)
        self.fields = fields


def _require_police_case_worker(actor: User, case: Case) -> None:
    if (
        actor.role not in (Role.POLICE_CASE_OFFICER, Role.SUPERVISOR)
        or actor.organisation.type is not OrganisationType.POLICE
        or actor.organisation_id != case.organisation_id
    ):
        raise RuleViolation(Rule.POLICE_CASE_WORKER)


def contributors(assessment: ThreatAssessment) -> set[str]:
    return {assessment.author_id, *assessment.content.get("contributors", [])}


def catalogue_of(assessment: ThreatAssessment):  # type: ignore[no-untyped-def]
    return catalogue(assessment.content.get("catalogue"))


async def _secret(deps: Deps, case: Case, assessment: ThreatAssessment) -> dict[str, Any]:
    if assessment.content_enc is None:
        return {}
    value = await decrypt(deps, case, TABLE, COLUMN, assessment.id, assessment.content_enc)
    return dict(value)


async def read_content(deps: Deps, case: Case, assessment: ThreatAssessment) -> AssessmentInput:
    """Decrypts: the caller writes the read's one audit event."""
    return join_from_storage(
        assessment.content,
        await _secret(deps, case, assessment),
        overall_level=assessment.overall_level,
        acute=assessment.acute,
    )


async def returned_comment(deps: Deps, case: Case, assessment: ThreatAssessment) -> str:
    """The reviewer's last comment when returning this version (decrypts; caller audits)."""
    return str((await _secret(deps, case, assessment)).get("returned_comment", ""))


async def _store(
    deps: Deps,
    case: Case,
    assessment: ThreatAssessment,
    data: AssessmentInput,
    *,
    meta: dict[str, Any],
    returned: str = "",
) -> None:
    content, secret = split_for_storage(data)
    known = set(catalogue(meta["catalogue"]).codes)
    content["factors"] = {k: v for k, v in content["factors"].items() if k in known}
    secret["returned_comment"] = returned
    assessment.content = {**content, **meta}  # a new dict: JSON columns track assignment only
    assessment.overall_level, assessment.acute = data.overall_level, data.acute
    assessment.content_enc = await encrypt(deps, case, TABLE, COLUMN, assessment.id, secret)


def _meta(assessment: ThreatAssessment, *, adding: str | None = None) -> dict[str, Any]:
    meta = {key: assessment.content.get(key) for key in META}
    people = list(meta.get("contributors") or [])
    if adding and adding not in people:
        people.append(adding)
    meta["contributors"] = people
    return meta


def _require_open(case: Case) -> None:
    """Every change to an assessment, not only its start: a closed or routed-away case's
    assessments stay as they were when its work ended."""
    if case.state not in repository.OPEN_CASE_STATES:
        raise RuleViolation(Rule.CASE_NOT_OPEN)


async def start_assessment(deps: Deps, case: Case, *, trigger: str) -> ThreatAssessment:
    """A new DRAFT version; a reassessment starts from a copy of the latest approved one."""
    actor = deps.actor
    _require_police_case_worker(actor, case)
    _require_open(case)
    if trigger not in Trigger.__members__:
        raise RuleViolation(Rule.TRIGGER_GIVEN)
    if await repository.open_version(deps.db, case.id) is not None:
        raise RuleViolation(Rule.OPEN_VERSION_EXISTS)
    base = await repository.latest_approved(deps.db, case.id)
    data = AssessmentInput()
    if base is not None:
        previous = await read_content(deps, case, base)
        data = AssessmentInput(**{**previous.__dict__, "level_justification": ""})
    assessment = ThreatAssessment(
        id=new_id(),
        case_id=case.id,
        organisation_id=case.organisation_id,
        version=await repository.next_version_number(deps.db, case.id),
        state=AssessmentState.DRAFT,
        author_id=actor.id,
        content={},
        created_at=clock.now(),
    )
    meta = {"catalogue": CURRENT_VERSION, "trigger": trigger,
            "based_on_version": base.version if base else None, "contributors": [actor.id]}
    await _store(deps, case, assessment, data, meta=meta)
    deps.db.add(assessment)
    await deps.db.flush()
    await add_event(deps, case, "THREAT_ASSESSMENT_STARTED", reason_code=f"trigger:{trigger}")
    await audit(deps, case, "threat_assessment.started", details={
        "version": assessment.version, "trigger": trigger,
        "based_on_version": meta["based_on_version"]})
    return assessment


async def _reopen_if_returned(deps: Deps, case: Case, assessment: ThreatAssessment) -> None:
    if assessment.state is AssessmentState.RETURNED:
        assessment.state = AssessmentState.DRAFT
        await add_event(deps, case, "THREAT_ASSESSMENT_REOPENED")
        await audit(deps, case, "threat_assessment.reopened",
                    details={"version": assessment.version})


async def save_draft(
    deps: Deps, case: Case, assessment: ThreatAssessment, data: AssessmentInput
) -> None:
    """Replace the content of an editable version; a RETURNED one goes back to DRAFT."""
    _require_police_case_worker(deps.actor, case)
    _require_open(case)
    if assessment.state not in rules.EDITABLE:
        raise RuleViolation(Rule.NOT_EDITABLE)
    returned = await returned_comment(deps, case, assessment)
    await _reopen_if_returned(deps, case, assessment)
    meta = _meta(assessment, adding=deps.actor.id)
    await _store(deps, case, assessment, data, meta=meta, returned=returned)
    await add_event(deps, case, "THREAT_ASSESSMENT_SAVED")
    await audit(deps, case, "threat_assessment.saved", fields=["content", "content_enc"],
                details={"version": assessment.version})


async def submit(deps: Deps, case: Case, assessment: ThreatAssessment) -> None:
    """DRAFT → SUBMITTED, only when complete (every factor rated, a level, justified lowering)."""
    _require_police_case_worker(deps.actor, case)
    _require_open(case)
    if assessment.state not in rules.EDITABLE:
        raise RuleViolation(Rule.NOT_EDITABLE)
    data = await read_content(deps, case, assessment)
    approved = await repository.latest_approved(deps.db, case.id)
    previous = (approved.overall_level, approved.acute) if approved else None
    broken, fields = rules.submission_failures(
        data, catalogue_of(assessment), previous=previous
    )
    if broken:
        raise IncompleteAssessment(broken, fields)
    await _reopen_if_returned(deps, case, assessment)
    assessment.content = _meta(assessment, adding=deps.actor.id) | {
        k: v for k, v in assessment.content.items() if k not in META
    }
    assessment.state, assessment.submitted_at = AssessmentState.SUBMITTED, clock.now()
    await add_event(deps, case, "THREAT_ASSESSMENT_SUBMITTED",
                    reason_code=f"level:{data.overall_level}")
    await audit(deps, case, "threat_assessment.submitted", details={
        "version": assessment.version, "level": str(data.overall_level), "acute": data.acute,
        "lowered": rules.is_lowered(previous, (data.overall_level, data.acute))})


def _check_reviewer(actor: User, case: Case, assessment: ThreatAssessment) -> None:
    _require_open(case)
    if not can_supervise(actor, case):
        raise RuleViolation(Rule.REVIEWER_SUPERVISOR)
    if assessment.state is not AssessmentState.SUBMITTED:
        raise RuleViolation(Rule.NOT_SUBMITTED)
    if actor.id in contributors(assessment):
        raise RuleViolation(Rule.FOUR_EYES)


async def return_for_revision(
    deps: Deps, case: Case, assessment: ThreatAssessment, *, comment: str
) -> None:
    """SUBMITTED → RETURNED with the reviewer's comment (required, encrypted)."""
    _check_reviewer(deps.actor, case, assessment)
    comment = comment.strip()[:MAX_LONG]
    if not comment:
        raise RuleViolation(Rule.RETURN_COMMENT)
    data = await read_content(deps, case, assessment)
    await _store(deps, case, assessment, data, meta=_meta(assessment), returned=comment)
    assessment.state, assessment.reviewer_id = AssessmentState.RETURNED, deps.actor.id
    await add_event(deps, case, "THREAT_ASSESSMENT_RETURNED", reason_text=comment)
    await audit(deps, case, "threat_assessment.returned", details={"version": assessment.version})


async def approve(deps: Deps, case: Case, assessment: ThreatAssessment) -> None:
    """SUBMITTED → APPROVED; the previous approved version becomes SUPERSEDED."""
    _check_reviewer(deps.actor, case, assessment)
    if assessment.overall_level is None:  # submission checked it; never trust one path only
        raise RuleViolation(Rule.LEVEL_SET)
    previous = await repository.latest_approved(deps.db, case.id)
    if previous is not None:
        previous.state = AssessmentState.SUPERSEDED  # the one change an approved row allows
        await deps.db.flush()
    today = clock.today()
    assessment.state, assessment.reviewer_id = AssessmentState.APPROVED, deps.actor.id
    assessment.approved_at = clock.now()
    assessment.review_due_on = rules.review_due_on(
        assessment.overall_level, assessment.acute, approved_on=today
    )
    await add_event(deps, case, "THREAT_ASSESSMENT_APPROVED",
                    reason_code=f"level:{assessment.overall_level}")
    await audit(deps, case, "threat_assessment.approved", details={
        "version": assessment.version, "level": str(assessment.overall_level),
        "acute": assessment.acute, "review_due_on": assessment.review_due_on.isoformat(),
        "superseded_version": previous.version if previous else None})
