"""Input of the protection domain, parsed at the boundary; the same parsers serve forms and JSON.

Errors are codes per field (labels.ERRORS); ``values`` keeps what the user typed so a refused form
loses nothing. A measure accepts exactly the fields below: there is no field, and no free text,
that could hold a new identity (DOMAIN.md §8 rule 5), and JSON with any other key is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from helpline.models import audit as audit_model
from helpline.models.protection import LocationKind, MeasureLevel, MeasureState

Errors = dict[str, str]
E = TypeVar("E", MeasureLevel, MeasureState, LocationKind)
T = TypeVar("T")

MEASURE_FIELDS = frozenset(
    {"level", "state", "applied_on", "decided_on", "review_on", "decision_reference"}
)
REFERENCE_MAX = 40
# A decision reference is a diary number ("Dnr 2026/1234", "UM-2026-12345"): a digit, few letters.
REFERENCE_CHARS = re.compile(r"^[0-9A-Za-zÅÄÖåäö .:/_-]+$")
REFERENCE_MAX_LETTERS = 6
PURPOSE_MAX = audit_model.PURPOSE_MAX  # the audit log's purpose column
PURPOSE_MIN = 5
LOCATION_MAX = 500
NOTES_MAX = 2000


def text_of(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def _date(data: Mapping[str, object], name: str, errors: Errors) -> date | None:
    value = text_of(data, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "invalid_date"
        return None


def _choice(data: Mapping[str, object], name: str, kind: type[E], errors: Errors) -> E | None:
    value = text_of(data, name)
    if not value:
        errors[name] = "required"
        return None
    if value not in kind.__members__:
        errors[name] = "invalid"
        return None
    return kind(value)


@dataclass(frozen=True)
class MeasureInput:
    level: MeasureLevel
    state: MeasureState
    applied_on: date | None
    decided_on: date | None
    review_on: date | None
    decision_reference: str


@dataclass
class Parsed(Generic[T]):  # noqa: UP046 - Python 3.11
    values: dict[str, str]
    errors: Errors = field(default_factory=dict)
    data: T | None = None


def check_reference(reference: str) -> str | None:
    """The error code for a decision reference that is not a plain diary number, or None."""
    if not reference:
        return None
    if len(reference) > REFERENCE_MAX:
        return "too_long"
    letters = sum(char.isalpha() for char in reference)
    if (
        not REFERENCE_CHARS.match(reference)
        or not any(char.isdigit() for char in reference)
        or letters > REFERENCE_MAX_LETTERS
    ):
        return "reference_format"
    return None


def parse_measure(data: Mapping[str, object], *, strict_keys: bool = False) -> Parsed[MeasureInput]:
    values = {name: text_of(data, name) for name in MEASURE_FIELDS}
    parsed: Parsed[MeasureInput] = Parsed(values)
    errors = parsed.errors
    if strict_keys:  # JSON: a key that is not a field of the measure is refused, not ignored
        errors.update({key[:40]: "not_allowed" for key in data if key not in MEASURE_FIELDS})
    level = _choice(data, "level", MeasureLevel, errors)
    state = _choice(data, "state", MeasureState, errors)
    dates = {name: _date(data, name, errors) for name in ("applied_on", "decided_on", "review_on")}
    reference = values["decision_reference"]
    if problem := check_reference(reference):
        errors["decision_reference"] = problem
    if not errors and level is not None and state is not None:
        parsed.data = MeasureInput(level, state, decision_reference=reference, **dates)
    return parsed


@dataclass(frozen=True)
class EntryInput:
    kind: LocationKind
    person_id: str | None
    address: str
    whereabouts: str
    notes: str
    valid_from: date | None
    valid_to: date | None
    named_user_ids: tuple[str, ...]


def _bounded(data: Mapping[str, object], name: str, limit: int, errors: Errors) -> str:
    value = text_of(data, name)
    if len(value) > limit:
        errors[name] = "too_long"
    return value


def parse_entry(data: Mapping[str, object], named: list[str]) -> Parsed[EntryInput]:
    names = ("kind", "person_id", "address", "whereabouts", "notes", "valid_from", "valid_to")
    parsed: Parsed[EntryInput] = Parsed({name: text_of(data, name) for name in names})
    errors = parsed.errors
    kind = _choice(data, "kind", LocationKind, errors)
    address = _bounded(data, "address", LOCATION_MAX, errors)
    whereabouts = _bounded(data, "whereabouts", LOCATION_MAX, errors)
    notes = _bounded(data, "notes", NOTES_MAX, errors)
    if not address and not whereabouts and "address" not in errors:
        errors["address"] = "location_required"
    valid_from = _date(data, "valid_from", errors)
    valid_to = _date(data, "valid_to", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "before_start"
    if not errors and kind is not None:
        parsed.data = EntryInput(
            kind=kind,
            person_id=parsed.values["person_id"] or None,
            address=address,
            whereabouts=whereabouts,
            notes=notes,
            valid_from=valid_from,
            valid_to=valid_to,
            named_user_ids=tuple(dict.fromkeys(n.strip() for n in named if n.strip())),
        )
    return parsed


def parse_statement(data: Mapping[str, object], name: str) -> tuple[str, Errors]:
    """A stated purpose (vault read) or reason (break-glass): required, short, logged."""
    value = text_of(data, name)
    if not value:
        return value, {name: "required"}
    if len(value) < PURPOSE_MIN:
        return value, {name: "too_short"}
    if len(value) > PURPOSE_MAX:
        return value, {name: "too_long"}
    return value, {}
