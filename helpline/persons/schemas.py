"""Input of the persons domain, parsed and checked at the boundary.

The same parser serves the form and the JSON API. Errors are codes per field (labels.ERRORS);
``values`` keeps what the user typed, identity number included, so a refused form loses nothing
(the number goes back into its field only, never into a message).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from helpline.cases.schemas import parse_enum
from helpline.models import audit as audit_model
from helpline.models.cases import IdType, PersonRole, RelationKind
from helpline.persons import identity

NAME_MAX = 100
LANGUAGE_MAX = 40
NOTES_MAX = 5000
PURPOSE_MAX = audit_model.PURPOSE_MAX  # the audit event stores it
OLDEST = 120

Errors = dict[str, str]


def text_of(data: Mapping[str, object], name: str) -> str:
    value = data.get(name)
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():  # JSON Schema's integer 1985.0
        return str(int(value))
    return value.strip() if isinstance(value, str) else ""


def bounded(
    data: Mapping[str, object], name: str, limit: int, errors: Errors, *, required: bool = False
) -> str:
    value = text_of(data, name)
    if len(value) > limit:
        errors[name] = "too_long"
    elif required and not value:
        errors[name] = "required"
    return value


def flag(data: Mapping[str, object], name: str) -> bool:
    return data.get(name) in (True, "on", "true", "1", "yes")


@dataclass(frozen=True)
class RelationInput:
    related_person_id: str
    kind: RelationKind
    lives_with: bool = False


@dataclass(frozen=True)
class PersonInput:
    role: PersonRole
    given_name: str
    family_name: str
    id_type: IdType
    # Normalised number to store; None with keep_id_number=True leaves the stored one as it is.
    id_number: str | None
    keep_id_number: bool
    birth_year: int | None
    interpreter_needed: bool
    interpreter_language: str
    notes: str
    relation: RelationInput | None = None


@dataclass
class PersonForm:
    values: dict[str, object]
    errors: Errors = field(default_factory=dict)
    data: PersonInput | None = None


FORM_FIELDS = (
    "role", "given_name", "family_name", "id_type", "id_number", "birth_year",
    "interpreter_language", "notes", "relation_to", "relation_kind",
)


def parse_person(
    data: Mapping[str, object], *, today: date, stored_id_type: IdType | None = None
) -> PersonForm:
    """``stored_id_type``: editing a person whose number of that type is stored; an empty
    number field with the same type then keeps it (the page never shows the number)."""
    values: dict[str, object] = {name: text_of(data, name) for name in FORM_FIELDS}
    values["interpreter_needed"] = flag(data, "interpreter_needed")
    values["lives_with"] = flag(data, "lives_with")
    errors: Errors = {}
    role = parse_enum(PersonRole, values["role"], "role", errors)
    values["id_type"] = values["id_type"] or IdType.NONE.value
    id_type = parse_enum(IdType, values["id_type"], "id_type", errors)
    given = bounded(data, "given_name", NAME_MAX, errors)
    family = bounded(data, "family_name", NAME_MAX, errors)
    number, keep = _id_number(id_type, str(values["id_number"]), today, stored_id_type, errors)
    birth_year = _birth_year(str(values["birth_year"]), today, errors)
    born = identity.birth_date(id_type, number) if isinstance(id_type, IdType) else None
    if born is not None and "birth_year" not in errors:
        if birth_year is None:
            birth_year = born.year
            values["birth_year"] = str(born.year)
        elif birth_year != born.year:
            errors["birth_year"] = "birth_year_mismatch"
    interpreter = bool(values["interpreter_needed"])
    language = bounded(data, "interpreter_language", LANGUAGE_MAX, errors, required=interpreter)
    notes = bounded(data, "notes", NOTES_MAX, errors)
    relation = parse_relation(data, errors, optional=True)
    if errors or not isinstance(role, PersonRole) or not isinstance(id_type, IdType):
        return PersonForm(values, errors)
    person = PersonInput(
        role=role, given_name=given, family_name=family, id_type=id_type, id_number=number,
        keep_id_number=keep, birth_year=birth_year, interpreter_needed=interpreter,
        interpreter_language=language if interpreter else "", notes=notes, relation=relation,
    )
    return PersonForm(values, errors, person)


def _id_number(
    id_type: object, raw: str, today: date, stored: IdType | None, errors: Errors
) -> tuple[str | None, bool]:
    if not isinstance(id_type, IdType):
        return None, False
    if not raw and stored is not None and stored is id_type and id_type is not IdType.NONE:
        return None, True
    try:
        return identity.validate(id_type, raw, today=today), False
    except identity.IdentityError as exc:
        errors["id_number"] = exc.code
        return None, False


def _birth_year(raw: str, today: date, errors: Errors) -> int | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        errors["birth_year"] = "invalid_year"
        return None
    year = int(raw)
    if not today.year - OLDEST <= year <= today.year:
        errors["birth_year"] = "invalid_year"
        return None
    return year


def parse_relation(
    data: Mapping[str, object], errors: Errors, *, optional: bool
) -> RelationInput | None:
    """``relation_to`` (a person id on the case) and ``relation_kind``: "this person is the
    <kind> of <relation_to>". Both empty is no relation when ``optional``."""
    other, kind_value = text_of(data, "relation_to"), text_of(data, "relation_kind")
    if optional and not other and not kind_value:
        return None
    kind = parse_enum(RelationKind, kind_value, "relation_kind", errors)
    if not other:
        errors["relation_to"] = "required"
    elif len(other) != 36:
        errors["relation_to"] = "unknown_person"
    if not isinstance(kind, RelationKind) or "relation_to" in errors:
        return None
    return RelationInput(related_person_id=other, kind=kind, lives_with=flag(data, "lives_with"))


@dataclass(frozen=True)
class SearchInput:
    kind: str  # SWEDISH or FOREIGN
    normalised: str
    purpose: str


SEARCH_KINDS = ("SWEDISH", "FOREIGN")


def parse_search(data: Mapping[str, object], *, today: date) -> tuple[SearchInput | None, Errors]:
    errors: Errors = {}
    kind = text_of(data, "kind") or "SWEDISH"
    if kind not in SEARCH_KINDS:
        errors["kind"] = "invalid"
    purpose = bounded(data, "purpose", PURPOSE_MAX, errors, required=True)
    raw = text_of(data, "number")
    normalised = ""
    if not raw:
        errors["number"] = "required"
    elif kind == "FOREIGN":
        normalised = identity.normalise_foreign(raw[: identity.FOREIGN_MAX * 2])
        if not normalised:
            errors["number"] = "foreign_id_format"
    elif kind == "SWEDISH":
        try:
            normalised = identity.normalise_swedish(raw[:40], today=today)
        except identity.IdentityError as exc:
            errors["number"] = exc.code
    searched = IdType.FOREIGN if kind == "FOREIGN" else IdType.PERSONNUMMER
    if "purpose" not in errors and identity.number_in_text(searched, normalised, purpose):
        # The purpose goes to the audit log in clear text: it must not carry the number.
        errors["purpose"] = "contains_id_number"
    if errors:
        return None, errors
    return SearchInput(kind=kind, normalised=normalised, purpose=purpose), errors


def parse_purpose(data: Mapping[str, object]) -> tuple[str, Errors]:
    errors: Errors = {}
    purpose = bounded(data, "purpose", PURPOSE_MAX, errors, required=True)
    return purpose, errors
