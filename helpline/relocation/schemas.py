"""Input of relocation plans and steps, parsed at the boundary (form or JSON alike).

Municipality codes are checked against SCB's 290 (``helpline.reference.MUNICIPALITIES``)
before anything is encrypted or stored. Errors are codes per field, never the value typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from helpline.consent.schemas import day, one_of
from helpline.models.relocation import StepKind, StepState
from helpline.persons.schemas import Errors, bounded, text_of
from helpline.reference import MUNICIPALITIES
from helpline.relocation.common import NOTE_MAX, optional_day, uuid_text

TRANSITIONS = ("submit", "return", "start", "complete", "cancel", "revise")


def municipality(data: Mapping[str, object], name: str, errors: Errors) -> str:
    value = text_of(data, name)
    if not value:
        errors[name] = "required"
    elif value not in MUNICIPALITIES:
        errors[name] = "unknown_municipality"
    return value


@dataclass(frozen=True)
class PlanInput:
    from_municipality: str
    target_municipality: str
    starts_on: date


def parse_plan(data: Mapping[str, object]) -> tuple[PlanInput | None, Errors]:
    errors: Errors = {}
    origin = municipality(data, "from_municipality", errors)
    target = municipality(data, "target_municipality", errors)
    starts_on = day(data, "starts_on", errors)
    if errors or starts_on is None:
        return None, errors
    return PlanInput(origin, target, starts_on), errors


@dataclass(frozen=True)
class StepInput:
    kind: StepKind
    responsible_organisation_id: str
    due_on: date
    state: StepState
    note: str


def parse_step(data: Mapping[str, object]) -> tuple[StepInput | None, Errors]:
    errors: Errors = {}
    kind = one_of(StepKind, data, "kind", errors)
    organisation = uuid_text(data, "responsible_organisation_id", errors, "unknown_organisation")
    if not organisation:
        errors["responsible_organisation_id"] = "required"
    due_on = day(data, "due_on", errors)
    state = text_of(data, "state") or StepState.PLANNED.value
    if state not in StepState.__members__:
        errors["state"] = "invalid"
    note = bounded(data, "note", NOTE_MAX, errors)
    if errors or due_on is None:
        return None, errors
    return StepInput(StepKind(kind), organisation, due_on, StepState(state), note), errors


@dataclass(frozen=True)
class StepChange:
    """Only the fields given change (the form sends them all, the API may send a few)."""

    responsible_organisation_id: str | None = None
    due_on: date | None = None
    state: StepState | None = None
    note: str | None = None


def parse_step_change(data: Mapping[str, object]) -> tuple[StepChange | None, Errors]:
    errors: Errors = {}
    organisation = uuid_text(data, "responsible_organisation_id", errors, "unknown_organisation")
    due_on = optional_day(data, "due_on", errors)
    state = text_of(data, "state")
    if state and state not in StepState.__members__:
        errors["state"] = "invalid"
    note = bounded(data, "note", NOTE_MAX, errors) if "note" in data else None
    if errors:
        return None, errors
    return StepChange(
        organisation or None, due_on, StepState(state) if state else None, note
    ), errors


def parse_transition(data: Mapping[str, object]) -> tuple[str, str, Errors]:
    errors: Errors = {}
    action = text_of(data, "action")
    if action not in TRANSITIONS:
        errors["action"] = "unknown_action"
    comment = bounded(data, "comment", NOTE_MAX, errors)
    return action, comment, errors
