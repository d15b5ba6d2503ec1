"""Protected personal data measures per person, and the case-page section that shows them.

A measure records only that a level applies to a person, its state, dates and the decision's
diary number (encrypted, bound to its row). For a FICTITIOUS_IDENTITY nothing about the new
identity is stored: the model has no column for it and the input has no field (DOMAIN.md §8
rule 5). Each change writes a timeline event and an audit event naming the fields changed, and
the case's level before and after (never values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from helpline import clock
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.db import new_id
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case, CaseState, Person
from helpline.models.protection import MeasureState, ProtectedDataMeasure
from helpline.persons import repository as persons_repository
from helpline.protection import levels, repository
from helpline.protection.levels import ProtectionLevel
from helpline.protection.schemas import MeasureInput

TABLE = "protected_data_measures"
REFERENCE = "decision_reference_enc"
# States reached by applying: an application date is required.
APPLIED_STATES = frozenset({MeasureState.APPLIED, MeasureState.GRANTED, MeasureState.REFUSED})
DECIDED_STATES = frozenset({MeasureState.GRANTED, MeasureState.REFUSED})
PLAIN = ("state", "applied_on", "decided_on", "review_on")


@dataclass(frozen=True)
class MeasureView:
    id: str
    person_id: str
    level: str
    state: str
    counts: bool  # APPLIED or GRANTED: the level is in force for this person
    applied_on: date | None
    decided_on: date | None
    review_on: date | None
    review_due: bool
    decision_reference: str  # "" unless decrypted for a single-person page


@dataclass(frozen=True)
class PersonProtection:
    person_id: str
    pseudonym: str
    role: str
    level: ProtectionLevel
    measures: list[MeasureView]


@dataclass(frozen=True)
class CaseProtection:
    """The case page section and the API: pseudonyms only, no decision references."""

    level: ProtectionLevel
    persons: list[PersonProtection]


def _check(data: MeasureInput) -> None:
    errors: dict[str, str] = {}
    today = clock.today()
    if data.state in APPLIED_STATES and data.applied_on is None:
        errors["applied_on"] = "applied_on_required"
    if data.state in DECIDED_STATES and data.decided_on is None:
        errors["decided_on"] = "decided_on_required"
    for name in ("applied_on", "decided_on"):
        value = getattr(data, name)
        if value is not None and value > today:
            errors[name] = "in_future"
    if data.applied_on and data.decided_on and data.decided_on < data.applied_on:
        errors["decided_on"] = "before_applied"
    if data.review_on and data.decided_on and data.review_on < data.decided_on:
        errors["review_on"] = "before_decided"
    if errors:
        raise InvalidInput(errors)


async def _reference(deps: Deps, case: Case, measure: ProtectedDataMeasure) -> str:
    blob = measure.decision_reference_enc
    if blob is None:
        return ""
    return str(await decrypt(deps, case, TABLE, REFERENCE, measure.id, blob))


async def _view(
    deps: Deps, case: Case, measure: ProtectedDataMeasure, *, with_reference: bool
) -> MeasureView:
    return MeasureView(
        id=measure.id,
        person_id=measure.person_id,
        level=measure.level.value,
        state=measure.state.value,
        counts=measure.state in levels.COUNTING_STATES,
        applied_on=measure.applied_on,
        decided_on=measure.decided_on,
        review_on=measure.review_on,
        review_due=bool(
            measure.review_on
            and measure.review_on <= clock.today()
            and measure.state in levels.COUNTING_STATES
        ),
        decision_reference=await _reference(deps, case, measure) if with_reference else "",
    )


async def case_protection(deps: Deps, case: Case) -> CaseProtection:
    """Every person of the case with their measures and effective level (no audit event: the
    caller writes one for its whole read)."""
    measures = await repository.measures_of_case(deps.db, case.id)
    persons = await _persons(deps, case)
    by_person: dict[str, list[MeasureView]] = {p.id: [] for p in persons}
    for measure in measures:
        view = await _view(deps, case, measure, with_reference=False)
        by_person.setdefault(measure.person_id, []).append(view)
    rows = [
        PersonProtection(
            person_id=p.id,
            pseudonym=p.pseudonym,
            role=p.role.value,
            level=levels.effective_level((m.level, m.state) for m in by_person[p.id]),
            measures=by_person[p.id],
        )
        for p in persons
    ]
    return CaseProtection(max((r.level for r in rows), default=ProtectionLevel.NONE), rows)


async def _persons(deps: Deps, case: Case) -> list[Person]:
    return list(await persons_repository.persons_of_case(deps.db, case.id))


async def measures_for_person(deps: Deps, case: Case, person: Person) -> list[MeasureView]:
    """One person's measures with decision references, for the person's protection page."""
    measures = [
        m for m in await repository.measures_of_case(deps.db, case.id) if m.person_id == person.id
    ]
    views = [await _view(deps, case, m, with_reference=True) for m in measures]
    await audit(
        deps,
        case,
        "protection.measures.read",
        purpose="case work",
        fields=["level", "state", "dates", "decision_reference"],
        details={"person_id": person.id},
    )
    return views


async def set_measure(
    deps: Deps, case: Case, person: Person, data: MeasureInput
) -> ProtectedDataMeasure:
    """Record or change the person's measure of ``data.level`` (one per person and level)."""
    if case.state is CaseState.CLOSED:
        raise RuleViolation("case_closed")
    _check(data)
    before_level = await levels.case_sensitivity(deps.db, case.id)
    measure = await repository.measure_of(deps.db, case.id, person.id, data.level.value)
    created = measure is None
    if measure is None:
        measure = ProtectedDataMeasure(
            id=new_id(),
            case_id=case.id,
            organisation_id=case.organisation_id,
            person_id=person.id,
            level=data.level,
            created_by_id=deps.actor.id,
            created_at=clock.now(),
        )
    before_state = None if created else measure.state.value
    changed = [name for name in PLAIN if created or getattr(measure, name) != getattr(data, name)]
    for name in PLAIN:
        setattr(measure, name, getattr(data, name))
    if created or await _reference(deps, case, measure) != data.decision_reference:
        measure.decision_reference_enc = (
            await encrypt(deps, case, TABLE, REFERENCE, measure.id, data.decision_reference)
            if data.decision_reference
            else None
        )
        changed += ["decision_reference"] if data.decision_reference or not created else []
    if not changed:
        return measure
    if not created:
        measure.updated_by_id, measure.updated_at = deps.actor.id, clock.now()
    deps.db.add(measure)
    await deps.db.flush()
    after_level = await levels.case_sensitivity(deps.db, case.id)
    await add_event(deps, case, "PROTECTED_DATA_MEASURE", reason_code=data.level.value)
    await audit(
        deps,
        case,
        "protection.measure_created" if created else "protection.measure_updated",
        fields=sorted(changed),
        details={
            "person_id": person.id,
            "measure_id": measure.id,
            "level": data.level.value,
            "state_before": before_state,
            "state": data.state.value,
            "case_level_before": before_level.name,
            "case_level": after_level.name,
        },
    )
    return measure
