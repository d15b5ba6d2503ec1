"""What the threat-assessment pages show, gathered per read.

A page that decrypts (one version, the edit form, a comparison) writes exactly one audit event
naming what it read, in the request's transaction. The case-page section decrypts nothing: it is
part of the case page's own audited read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from helpline import clock
from helpline.audit import record
from helpline.cases import repository as case_repository
from helpline.cases.access import can_supervise
from helpline.cases.service import Deps, audit
from helpline.cases.views import user_names
from helpline.errors import NotFound
from helpline.models.cases import AssessmentState, Case, ThreatAssessment, ThreatLevel
from helpline.threats import repository, rules, service
from helpline.threats.catalogue import Catalogue, Trigger
from helpline.threats.schemas import AssessmentInput, FactorInput
from helpline.threats.status import overdue_and_due_soon


@dataclass(frozen=True)
class SectionData:
    """The case page's threat section: status, the current and open versions, history."""

    status: rules.Status
    current: ThreatAssessment | None
    open_version: ThreatAssessment | None
    versions: list[ThreatAssessment]
    due_soon: bool
    can_start: bool
    triggers: tuple[Trigger, ...] = tuple(Trigger)


class ThreatsSection:
    name = "threats"

    async def load(self, deps: Deps, case: Case) -> SectionData:
        versions = list(await repository.versions(deps.db, case.id))
        current = next((v for v in versions if v.state is AssessmentState.APPROVED), None)
        open_version = next((v for v in versions if v.state in rules.OPEN), None)
        today = clock.today()
        status = rules.status_of(current.review_due_on if current else None, today=today)
        due_soon = bool(
            current and current.review_due_on
            and status is rules.Status.CURRENT
            and (current.review_due_on - today).days <= rules.DUE_SOON_DAYS
        )
        return SectionData(
            status=status,
            current=current,
            open_version=open_version,
            versions=versions,
            due_soon=due_soon,
            can_start=open_version is None and case.state in repository.OPEN_CASE_STATES,
        )


@dataclass
class VersionPage:
    case: Case
    assessment: ThreatAssessment
    data: AssessmentInput
    catalogue: Catalogue
    names: dict[str, str]
    returned_comment: str
    previous: ThreatAssessment | None  # the approved version this one would supersede
    lowered: bool
    can_edit: bool
    can_review: bool
    is_contributor: bool
    trigger: str | None
    based_on_version: int | None


async def _version_or_404(deps: Deps, case: Case, number: int) -> ThreatAssessment:
    assessment = await repository.version(deps.db, case.id, number)
    if assessment is None:
        raise NotFound()
    return assessment


async def is_editable(deps: Deps, case: Case, number: int) -> bool:
    """Whether the version may still be edited, read without decrypting (or auditing) it:
    the edit pages decide this before they read, so a refusal reads once, as the page shown."""
    return (await _version_or_404(deps, case, number)).state in rules.EDITABLE


async def version_page(
    deps: Deps, case: Case, number: int, *, purpose: str = "threat assessment"
) -> VersionPage:
    assessment = await _version_or_404(deps, case, number)
    data = await service.read_content(deps, case, assessment)
    previous = None
    if assessment.state in rules.OPEN:
        previous = await repository.latest_approved(deps.db, case.id)
    elif assessment.content.get("based_on_version"):
        previous = await repository.version(
            deps.db, case.id, int(assessment.content["based_on_version"])
        )
    before = (previous.overall_level, previous.acute) if previous else None
    is_contributor = deps.actor.id in service.contributors(assessment)
    page = VersionPage(
        case=case,
        assessment=assessment,
        data=data,
        catalogue=service.catalogue_of(assessment),
        names=await user_names(deps, case.organisation_id),
        returned_comment=await service.returned_comment(deps, case, assessment),
        previous=previous,
        lowered=rules.is_lowered(before, (data.overall_level, data.acute)),
        can_edit=assessment.state in rules.EDITABLE,
        can_review=(
            assessment.state is AssessmentState.SUBMITTED
            and can_supervise(deps.actor, case)
            and not is_contributor
        ),
        is_contributor=is_contributor,
        trigger=assessment.content.get("trigger"),
        based_on_version=assessment.content.get("based_on_version"),
    )
    await audit(deps, case, "threat_assessment.read", purpose=purpose,
                fields=["threat_assessment.content"], details={"version": number})
    return page


@dataclass(frozen=True)
class Cell:
    rating: str | None
    timing: str | None
    comment: str


@dataclass(frozen=True)
class FactorDiff:
    code: str
    label: str
    a: Cell
    b: Cell

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass(frozen=True)
class FieldDiff:
    name: str  # msgid of the field's label
    a: Any
    b: Any

    @property
    def changed(self) -> bool:
        return self.a != self.b


@dataclass
class Comparison:
    case: Case
    a: ThreatAssessment
    b: ThreatAssessment
    data_a: AssessmentInput
    data_b: AssessmentInput
    factors: list[FactorDiff]
    fields: list[FieldDiff]
    names: dict[str, str] = field(default_factory=dict)

    @property
    def actors_changed(self) -> bool:
        return self.data_a.actors != self.data_b.actors

    @property
    def scenarios_changed(self) -> bool:
        return self.data_a.scenarios != self.data_b.scenarios


def _cell(factor: FactorInput | None) -> Cell:
    if factor is None:
        return Cell(None, None, "")
    return Cell(
        factor.rating.value if factor.rating else None,
        factor.timing.value if factor.timing else None,
        factor.comment,
    )


FIELD_LABELS = (
    ("overall_level", "Overall level"),
    ("acute", "Acute"),
    ("measures", "Recommended measures"),
    ("measures_text", "Measures: details"),
    ("protection_need", "Protection need"),
    ("sources", "Information sources"),
    ("level_justification", "Justification for a lowered level"),
)


def _field_value(data: AssessmentInput, name: str) -> Any:
    value = getattr(data, name)
    if name == "overall_level":
        return value.value if value else None
    if name == "measures":
        return tuple(m.value for m in value)
    return value


async def compare(deps: Deps, case: Case, number_a: int, number_b: int) -> Comparison:
    a = await _version_or_404(deps, case, number_a)
    b = await _version_or_404(deps, case, number_b)
    data_a = await service.read_content(deps, case, a)
    data_b = await service.read_content(deps, case, b)
    factors, seen = [], set()
    for cat in (service.catalogue_of(b), service.catalogue_of(a)):
        for factor in cat.factors:
            if factor.code in seen:
                continue
            seen.add(factor.code)
            factors.append(FactorDiff(factor.code, factor.label,
                                      _cell(data_a.factors.get(factor.code)),
                                      _cell(data_b.factors.get(factor.code))))
    fields = [FieldDiff(label, _field_value(data_a, name), _field_value(data_b, name))
              for name, label in FIELD_LABELS]
    comparison = Comparison(case, a, b, data_a, data_b, factors, fields,
                            names=await user_names(deps, case.organisation_id))
    await audit(deps, case, "threat_assessment.compared", purpose="threat assessment review",
                fields=["threat_assessment.content"],
                details={"versions": [number_a, number_b]})
    return comparison


# --- The supervisor's dashboard --------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    reference: str
    pseudonym: str
    version: int | None = None
    level: ThreatLevel | None = None
    acute: bool = False
    when: Any = None  # submitted at (queue) or review due on (due lists)
    author: str = ""
    days_left: int | None = None


@dataclass
class Dashboard:
    queue: list[CaseRow]
    overdue: list[CaseRow]
    due_soon: list[CaseRow]
    acute: list[CaseRow]
    missing: list[CaseRow]
    counts: dict[str, int]
    today: date


async def dashboard(deps: Deps, *, within_days: int = rules.DUE_SOON_DAYS) -> Dashboard:
    user, db = deps.actor, deps.db
    queue = await repository.review_queue(db, user)
    approved = await repository.approved_in_open_cases(db, user)
    missing = await repository.open_cases_without_approval(db, user)
    due = await overdue_and_due_soon(db, user, within_days=within_days)
    case_ids = {c.id for _, c in queue} | {c.id for _, c in approved} | {c.id for c in missing}
    pseudonyms = await case_repository.defector_pseudonyms(db, sorted(case_ids))
    names = await user_names(deps, user.organisation_id)

    def row(case: Case, assessment: ThreatAssessment | None = None, **extra: Any) -> CaseRow:
        return CaseRow(
            case.id, case.reference, pseudonyms.get(case.id, "—"),
            version=assessment.version if assessment else None,
            level=assessment.overall_level if assessment else None,
            acute=assessment.acute if assessment else False, **extra,
        )

    by_id = {c.id: (a, c) for a, c in approved}
    due_rows = [row(by_id[d.case_id][1], by_id[d.case_id][0], when=d.review_due_on,
                    days_left=d.days_left) for d in due]
    counts = {level.value: 0 for level in ThreatLevel}
    for assessment, _ in approved:
        if assessment.overall_level is not None:
            counts[assessment.overall_level.value] += 1
    result = Dashboard(
        queue=[row(c, a, when=a.submitted_at, author=names.get(a.author_id, "—"))
               for a, c in queue],
        overdue=[r for r in due_rows if (r.days_left or 0) < 0],
        due_soon=[r for r in due_rows if (r.days_left or 0) >= 0],
        acute=[row(c, a, when=a.review_due_on) for a, c in approved if a.acute],
        missing=[row(c) for c in missing],
        counts=counts,
        today=clock.today(),
    )
    await audit_dashboard(deps, len(case_ids))
    return result


async def audit_dashboard(deps: Deps, shown: int) -> None:
    await record(deps.db, context=deps.context, action="threat_assessment.dashboard_read",
                 organisation_id=deps.actor.organisation_id, purpose="supervision",
                 fields=["case.pseudonym", "threat_assessment.level"],
                 details={"cases_shown": shown})
