"""Input of protection measures and the action plan, parsed at the boundary (form or JSON).

Changes are partial: a field that is absent stays as it is; a date field present but empty is
cleared. The pages send every field, the API may send a few.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from helpline.consent.schemas import one_of
from helpline.models.relocation import (
    ActionState,
    GoalState,
    LifeArea,
    ProtectionMeasureKind,
    ProtectionMeasureState,
)
from helpline.persons.schemas import Errors, bounded, text_of
from helpline.relocation.common import NOTE_MAX, optional_day, uuid_text

DESCRIPTION_MAX = 2000
PERSON_MAX = 200
UNCHANGED: Any = object()


def _given(data: Mapping[str, object], name: str) -> bool:
    return name in data


def _state(kind: type, data: Mapping[str, object], errors: Errors) -> Any:
    value = text_of(data, "state")
    if not value:
        return UNCHANGED
    if value not in kind.__members__:
        errors["state"] = "invalid"
        return UNCHANGED
    return kind(value)


def _date(data: Mapping[str, object], name: str, errors: Errors) -> Any:
    return optional_day(data, name, errors) if _given(data, name) else UNCHANGED


def _text(data: Mapping[str, object], name: str, limit: int, errors: Errors) -> Any:
    return bounded(data, name, limit, errors) if _given(data, name) else UNCHANGED


def _organisation(data: Mapping[str, object], errors: Errors) -> Any:
    value = uuid_text(data, "responsible_organisation_id", errors, "unknown_organisation")
    return value or UNCHANGED


@dataclass(frozen=True)
class MeasureChange:
    """Also the input of a new measure (with ``kind`` and every required field given)."""

    kind: Any = UNCHANGED
    person_id: Any = UNCHANGED
    responsible_organisation_id: Any = UNCHANGED
    state: Any = UNCHANGED
    starts_on: Any = UNCHANGED
    ends_on: Any = UNCHANGED
    review_on: Any = UNCHANGED
    note: Any = UNCHANGED


def parse_measure(data: Mapping[str, object], *, new: bool) -> tuple[MeasureChange | None, Errors]:
    errors: Errors = {}
    kind = one_of(ProtectionMeasureKind, data, "kind", errors) if new else UNCHANGED
    person = uuid_text(data, "person_id", errors, "unknown_person")
    change = MeasureChange(
        kind=ProtectionMeasureKind(kind) if new and "kind" not in errors else UNCHANGED,
        person_id=(person or None) if new else UNCHANGED,
        responsible_organisation_id=_organisation(data, errors),
        state=_state(ProtectionMeasureState, data, errors),
        starts_on=_date(data, "starts_on", errors),
        ends_on=_date(data, "ends_on", errors),
        review_on=_date(data, "review_on", errors),
        note=_text(data, "note", NOTE_MAX, errors),
    )
    if new:
        _require(change.responsible_organisation_id, "responsible_organisation_id", errors)
        if change.state is UNCHANGED and "state" not in errors:
            change = _with(change, state=ProtectionMeasureState.PLANNED)
    return (None, errors) if errors else (change, errors)


def _require(given: Any, name: str, errors: Errors) -> None:
    if name not in errors and (given is UNCHANGED or not given):
        errors[name] = "required"


def _with(change: Any, **values: Any) -> Any:
    return type(change)(**{**change.__dict__, **values})


@dataclass(frozen=True)
class GoalChange:
    life_area: Any = UNCHANGED
    description: Any = UNCHANGED
    state: Any = UNCHANGED


def parse_goal(data: Mapping[str, object], *, new: bool) -> tuple[GoalChange | None, Errors]:
    errors: Errors = {}
    area = one_of(LifeArea, data, "life_area", errors) if new else UNCHANGED
    description = _text(data, "description", DESCRIPTION_MAX, errors)
    if new or description is not UNCHANGED:
        _require(description, "description", errors)
    change = GoalChange(
        life_area=LifeArea(area) if new and "life_area" not in errors else UNCHANGED,
        description=description,
        state=GoalState.OPEN if new else _state(GoalState, data, errors),
    )
    return (None, errors) if errors else (change, errors)


@dataclass(frozen=True)
class ActionChange:
    description: Any = UNCHANGED
    responsible_organisation_id: Any = UNCHANGED
    responsible_user_id: Any = UNCHANGED
    responsible_person: Any = UNCHANGED
    state: Any = UNCHANGED
    due_on: Any = UNCHANGED
    follow_up_on: Any = UNCHANGED


def parse_action(data: Mapping[str, object], *, new: bool) -> tuple[ActionChange | None, Errors]:
    errors: Errors = {}
    description = _text(data, "description", DESCRIPTION_MAX, errors)
    if new or description is not UNCHANGED:
        _require(description, "description", errors)
    user = uuid_text(data, "responsible_user_id", errors, "unknown_user")
    change = ActionChange(
        description=description,
        responsible_organisation_id=_organisation(data, errors),
        responsible_user_id=(user or None) if _given(data, "responsible_user_id") else UNCHANGED,
        responsible_person=_text(data, "responsible_person", PERSON_MAX, errors),
        state=_state(ActionState, data, errors),
        due_on=_date(data, "due_on", errors),
        follow_up_on=_date(data, "follow_up_on", errors),
    )
    if new:
        _require(change.responsible_organisation_id, "responsible_organisation_id", errors)
        if change.state is UNCHANGED and "state" not in errors:
            change = _with(change, state=ActionState.PLANNED)
    return (None, errors) if errors else (change, errors)


def value(change_value: Any, current: date | str | None) -> Any:
    """The field's new value, or ``current`` when it is not being changed."""
    return current if change_value is UNCHANGED else change_value
