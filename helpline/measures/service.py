"""Protection measures (skyddsåtgärder): safety advice, protected housing, alarm, contact ban,
patrols, a new phone, a referral to witness protection... each with a responsible organisation,
a state and dates.

Dates hang together: an end or review date is never before the start; a measure IN_PLACE has
started; an ENDED one has an end date. An ENDED or REFUSED measure is history and is not changed
(record a new one). The free-text note is encrypted; kinds, states and dates are not, so that
reminders and the case page can use them without decrypting anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from helpline import clock
from helpline.cases.service import Deps, add_event, audit
from helpline.db import new_id
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.measures import repository
from helpline.measures.schemas import UNCHANGED, MeasureChange, value
from helpline.models.cases import Case
from helpline.models.relocation import ProtectionMeasure, ProtectionMeasureState
from helpline.persons import repository as persons_repository
from helpline.relocation.common import (
    check_organisation,
    organisation_names,
    require_open_case,
    require_protection_may_start,
    seal,
    unseal,
)

TABLE = "protection_measures"
CLOSED = (ProtectionMeasureState.ENDED, ProtectionMeasureState.REFUSED)


@dataclass(frozen=True)
class MeasureView:
    id: str
    kind: str
    state: str
    person_id: str | None
    person_pseudonym: str
    responsible_organisation_id: str
    responsible_organisation: str
    starts_on: date | None
    ends_on: date | None
    review_on: date | None
    review_overdue: bool
    note: str  # "" unless read with ``with_notes`` (the measures page, audited)

    @property
    def closed(self) -> bool:
        return self.state in {s.value for s in CLOSED}


async def measure_views(deps: Deps, case: Case, *, with_notes: bool) -> list[MeasureView]:
    measures = list(await repository.measures_of_case(deps.db, case.id))
    pseudonyms = {p.id: p.pseudonym for p in await persons_repository.persons_of_case(
        deps.db, case.id)}
    names = await organisation_names(deps.db, {m.responsible_organisation_id for m in measures})
    today = clock.today()
    views = []
    for m in measures:
        note = await unseal(deps, case, TABLE, "note_enc", m.id, m.note_enc) if with_notes else ""
        views.append(MeasureView(
            id=m.id, kind=m.kind.value, state=m.state.value, person_id=m.person_id,
            person_pseudonym=pseudonyms.get(m.person_id or "", ""),
            responsible_organisation_id=m.responsible_organisation_id,
            responsible_organisation=names.get(m.responsible_organisation_id, ""),
            starts_on=m.starts_on, ends_on=m.ends_on, review_on=m.review_on,
            review_overdue=bool(m.review_on and m.review_on < today and m.state not in CLOSED),
            note=note,
        ))
    return views


async def read_measures(deps: Deps, case: Case) -> list[MeasureView]:
    """The measures with their notes: one audited read."""
    views = await measure_views(deps, case, with_notes=True)
    await audit(deps, case, "measures.read", purpose="case work", fields=["measures.note"])
    return views


async def find_measure(deps: Deps, case: Case, measure_id: str) -> ProtectionMeasure:
    measure = await repository.measure_on_case(deps.db, case.id, measure_id)
    if measure is None:
        raise NotFound()
    return measure


def _check_dates(measure: ProtectionMeasure, change: MeasureChange) -> dict[str, Any]:
    """The measure's dates and state after the change, checked together."""
    after = {
        name: value(getattr(change, name), getattr(measure, name))
        for name in ("state", "starts_on", "ends_on", "review_on")
    }
    errors: dict[str, str] = {}
    start = after["starts_on"]
    for name in ("ends_on", "review_on"):
        if start and after[name] and after[name] < start:
            errors[name] = "before_start"
    if after["state"] is ProtectionMeasureState.IN_PLACE and not start:
        errors["starts_on"] = "required"
    if after["state"] is ProtectionMeasureState.ENDED and not after["ends_on"]:
        errors["ends_on"] = "required"
    if errors:
        raise InvalidInput(errors)
    return after


async def _apply(
    deps: Deps, case: Case, measure: ProtectionMeasure, change: MeasureChange
) -> None:
    for name, new in _check_dates(measure, change).items():
        setattr(measure, name, new)
    if change.responsible_organisation_id is not UNCHANGED:
        await check_organisation(
            deps.db, change.responsible_organisation_id, "responsible_organisation_id"
        )
        measure.responsible_organisation_id = change.responsible_organisation_id
    if change.note is not UNCHANGED:
        measure.note_enc = (
            await seal(deps, case, TABLE, "note_enc", measure.id, change.note)
            if change.note else None
        )
    measure.updated_at = clock.now()


async def add_measure(deps: Deps, case: Case, change: MeasureChange) -> ProtectionMeasure:
    require_open_case(case)
    if change.state is ProtectionMeasureState.IN_PLACE:
        require_protection_may_start(case)
    if change.person_id and not await persons_repository.person_on_case(
        deps.db, case.id, change.person_id
    ):
        raise InvalidInput({"person_id": "unknown_person"})
    now = clock.now()
    measure = ProtectionMeasure(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id,
        person_id=change.person_id, kind=change.kind, state=change.state,
        responsible_organisation_id=change.responsible_organisation_id,
        created_by_id=deps.actor.id, created_at=now, updated_at=now,
    )
    await _apply(deps, case, measure, change)
    deps.db.add(measure)
    await deps.db.flush()
    await _record(deps, case, measure, "added")
    return measure


async def update_measure(
    deps: Deps, case: Case, measure: ProtectionMeasure, change: MeasureChange
) -> None:
    require_open_case(case)
    if measure.state in CLOSED:
        raise RuleViolation("measure_closed")
    if change.state is ProtectionMeasureState.IN_PLACE and (
        measure.state is not ProtectionMeasureState.IN_PLACE
    ):
        require_protection_may_start(case)
    await _apply(deps, case, measure, change)
    await _record(deps, case, measure, "updated")


async def _record(deps: Deps, case: Case, measure: ProtectionMeasure, what: str) -> None:
    await add_event(deps, case, "PROTECTION_MEASURE_" + what.upper())
    await audit(
        deps, case, "measures." + what,
        details={"measure_id": measure.id, "kind": measure.kind.value,
                 "state": measure.state.value},
    )
