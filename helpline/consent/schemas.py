"""Input of consent and conditions, parsed and checked at the boundary (form or JSON)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from helpline.models.cases import ConsentState
from helpline.persons.schemas import Errors, bounded, text_of

DESCRIPTION_MAX = 2000
NOTE_MAX = 2000


class DataCategory(enum.StrEnum):
    IDENTITY = "IDENTITY"
    THREAT_ASSESSMENT = "THREAT_ASSESSMENT"
    CRIMINAL_HISTORY = "CRIMINAL_HISTORY"
    HEALTH_SUBSTANCE = "HEALTH_SUBSTANCE"
    FINANCES = "FINANCES"
    LOCATION = "LOCATION"
    FAMILY = "FAMILY"
    ACTION_PLAN = "ACTION_PLAN"


class ConsentPurpose(enum.StrEnum):
    POLICE_REGISTER_CHECKS = "POLICE_REGISTER_CHECKS"
    INFO_EXCHANGE_EXIT = "INFO_EXCHANGE_EXIT"
    HANDOVER_RECEIVING_MUNICIPALITY = "HANDOVER_RECEIVING_MUNICIPALITY"
    PROTECTED_DATA_APPLICATION = "PROTECTED_DATA_APPLICATION"


class ConsentForm(enum.StrEnum):
    WRITTEN = "WRITTEN"
    ORAL = "ORAL"


class RevocationMethod(enum.StrEnum):
    WRITTEN = "WRITTEN"
    ORAL = "ORAL"
    PHONE = "PHONE"
    VIA_REPRESENTATIVE = "VIA_REPRESENTATIVE"


class Condition(enum.StrEnum):
    NO_CRIME = "NO_CRIME"
    NO_DRUGS = "NO_DRUGS"
    DRUG_TESTS = "DRUG_TESTS"
    MEETINGS = "MEETINGS"
    NO_CONTACT_WITH_MILIEU = "NO_CONTACT_WITH_MILIEU"
    FOLLOW_SAFETY_ADVICE = "FOLLOW_SAFETY_ADVICE"


class Consequence(enum.StrEnum):
    WARNING = "WARNING"
    CONDITIONS_REVIEWED = "CONDITIONS_REVIEWED"
    PROTECTION_REDUCED = "PROTECTION_REDUCED"
    PROGRAMME_ENDED = "PROGRAMME_ENDED"


DECISIONS = (ConsentState.GIVEN, ConsentState.REFUSED)


def list_of(data: Mapping[str, object], name: str) -> list[str]:
    """Repeated form fields or a JSON array of strings (other items are dropped)."""
    getlist = getattr(data, "getlist", None)
    raw = getlist(name) if getlist is not None else data.get(name)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        return []
    return [item.strip() for item in raw[:50] if isinstance(item, str) and item.strip()]


def choices(
    kind: type[enum.StrEnum], data: Mapping[str, object], name: str, errors: Errors
) -> tuple[str, ...]:
    """At least one member of ``kind``, in the enum's order, without duplicates."""
    picked = list_of(data, name)
    allowed = {member.value for member in kind}
    if not picked:
        errors[name] = "required"
    elif any(item not in allowed for item in picked):
        errors[name] = "invalid"
    return tuple(member.value for member in kind if member.value in picked)


def one_of(
    kind: type[enum.StrEnum], data: Mapping[str, object], name: str, errors: Errors
) -> str:
    value = text_of(data, name)
    if not value:
        errors[name] = "required"
    elif value not in {member.value for member in kind}:
        errors[name] = "invalid"
    return value


def day(data: Mapping[str, object], name: str, errors: Errors) -> date | None:
    value = text_of(data, name)
    if not value:
        errors[name] = "required"
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "invalid_date"
        return None


def uuid_field(data: Mapping[str, object], name: str, errors: Errors, *, required: bool) -> str:
    value = text_of(data, name)
    if not value:
        if required:
            errors[name] = "required"
    elif len(value) != 36:
        errors[name] = "unknown_person"
    return value


@dataclass(frozen=True)
class ConsentInput:
    person_id: str
    state: ConsentState
    form: str
    recipients: tuple[str, ...]
    categories: tuple[str, ...]
    purposes: tuple[str, ...]
    valid_from: date
    valid_to: date
    guardian_person_id: str | None = None


def parse_consent(
    data: Mapping[str, object], *, today: date
) -> tuple[ConsentInput | None, dict[str, object], Errors]:
    errors: Errors = {}
    person_id = uuid_field(data, "person_id", errors, required=True)
    state = text_of(data, "state")
    if state not in {s.value for s in DECISIONS}:
        errors["state"] = "required" if not state else "invalid"
    form = one_of(ConsentForm, data, "form", errors)
    recipients = tuple(dict.fromkeys(list_of(data, "recipients")))
    if not recipients:
        errors["recipients"] = "required"
    elif any(len(r) != 36 for r in recipients):
        errors["recipients"] = "unknown_organisation"
    categories = choices(DataCategory, data, "categories", errors)
    purposes = choices(ConsentPurpose, data, "purposes", errors)
    valid_from, valid_to = day(data, "valid_from", errors), day(data, "valid_to", errors)
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "before_valid_from"
    elif valid_to and valid_to < today:
        errors["valid_to"] = "in_past"
    guardian = uuid_field(data, "guardian_person_id", errors, required=False)
    values: dict[str, object] = {
        "person_id": person_id, "state": state, "form": form, "recipients": list(recipients),
        "categories": list_of(data, "categories"), "purposes": list_of(data, "purposes"),
        "valid_from": text_of(data, "valid_from"), "valid_to": text_of(data, "valid_to"),
        "guardian_person_id": guardian,
    }
    if errors or valid_from is None or valid_to is None:
        return None, values, errors
    consent = ConsentInput(
        person_id=person_id, state=ConsentState(state), form=form, recipients=recipients,
        categories=categories, purposes=purposes, valid_from=valid_from, valid_to=valid_to,
        guardian_person_id=guardian or None,
    )
    return consent, values, errors


@dataclass(frozen=True)
class RevocationInput:
    method: str
    note: str


def parse_revocation(data: Mapping[str, object]) -> tuple[RevocationInput | None, Errors]:
    errors: Errors = {}
    method = one_of(RevocationMethod, data, "method", errors)
    note = bounded(data, "note", NOTE_MAX, errors)
    return (None if errors else RevocationInput(method, note)), errors


@dataclass(frozen=True)
class AgreementInput:
    signed_on: date
    conditions: tuple[str, ...]


def parse_agreement(
    data: Mapping[str, object], *, today: date
) -> tuple[AgreementInput | None, Errors]:
    errors: Errors = {}
    signed_on = day(data, "signed_on", errors)
    if signed_on and signed_on > today:
        errors["signed_on"] = "in_future"
    conditions = choices(Condition, data, "conditions", errors)
    if errors or signed_on is None:
        return None, errors
    return AgreementInput(signed_on, conditions), errors


@dataclass(frozen=True)
class BreachInput:
    occurred_on: date
    condition: str
    consequence: str
    description: str


def parse_breach(data: Mapping[str, object], *, today: date) -> tuple[BreachInput | None, Errors]:
    errors: Errors = {}
    occurred_on = day(data, "occurred_on", errors)
    if occurred_on and occurred_on > today:
        errors["occurred_on"] = "in_future"
    condition = one_of(Condition, data, "condition", errors)
    consequence = one_of(Consequence, data, "consequence", errors)
    description = bounded(data, "description", DESCRIPTION_MAX, errors, required=True)
    if errors or occurred_on is None:
        return None, errors
    return BreachInput(occurred_on, condition, consequence, description), errors
