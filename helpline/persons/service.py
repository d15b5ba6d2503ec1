"""Persons on a case: add, edit, relations, the identity-number reveal and the search.

Names, identity numbers and notes are encrypted under the case's data key, bound to the person's
row and column. Identity numbers also get a keyed blind index for equality search. Every change
writes a timeline event and an audit event naming the fields changed (never their values);
every protected read through these functions writes exactly one audit event, except
``persons_for_case``, whose caller (the case page) writes one for the whole page.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field, replace

import crypto
from helpline import clock
from helpline.audit import AuditResult, record
from helpline.cases.access import get_readable_case
from helpline.cases.reference import new_pseudonym
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.db import new_id
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case, CaseState, IdType, Person, PersonRelation
from helpline.persons import identity, repository
from helpline.persons.schemas import PersonInput, RelationInput, SearchInput
from helpline.protection.levels import ProtectionLevel, household_levels

TABLE = "persons"
ENCRYPTED = {"given_name": "given_name_enc", "family_name": "family_name_enc", "notes": "notes_enc"}
PLAIN = ("role", "birth_year", "interpreter_needed", "interpreter_language")


@dataclass(frozen=True)
class RelationView:
    id: str
    person_id: str
    person_pseudonym: str
    kind: str
    related_person_id: str
    related_pseudonym: str
    lives_with: bool


@dataclass(frozen=True)
class PersonView:
    id: str
    pseudonym: str
    role: str
    given_name: str
    family_name: str
    id_type: str
    id_number_masked: str | None
    birth_year: int | None
    minor: bool | None
    interpreter_needed: bool
    interpreter_language: str
    notes: str
    relations: list[RelationView] = field(default_factory=list)
    name_protected: bool = False


@dataclass(frozen=True)
class PersonChoice:
    """A person as lists and selects show them: pseudonym and role, nothing decrypted."""

    id: str
    pseudonym: str
    role: str


@dataclass(frozen=True)
class SearchHit:
    case_id: str
    case_reference: str
    person_id: str
    pseudonym: str


async def readable_case(deps: Deps, case_id: str) -> Case:
    """The case if the acting user may read it; missing and forbidden are both NotFound."""
    case = await get_readable_case(deps.db, deps.actor, case_id)
    if case is None:
        raise NotFound()
    return case


async def person_of(deps: Deps, case: Case, person_id: str) -> Person:
    person = await repository.person_on_case(deps.db, case.id, person_id)
    if person is None:
        raise NotFound()
    return person


def require_open(case: Case) -> None:
    if case.state is CaseState.CLOSED:
        raise RuleViolation("case_closed")


async def _decrypt(deps: Deps, case: Case, person: Person, column: str) -> str:
    blob = getattr(person, column)
    if blob is None:
        return ""
    return str(await decrypt(deps, case, TABLE, column, person.id, blob))


async def _encrypt(deps: Deps, case: Case, person: Person, column: str, value: str) -> None:
    blob = await encrypt(deps, case, TABLE, column, person.id, value) if value else None
    setattr(person, column, blob)


async def stored_id_number(deps: Deps, case: Case, person: Person) -> str | None:
    return await _decrypt(deps, case, person, "id_number_enc") or None


async def person_choices(deps: Deps, case: Case) -> list[PersonChoice]:
    persons = await repository.persons_of_case(deps.db, case.id)
    return [PersonChoice(p.id, p.pseudonym, p.role.value) for p in persons]


async def _relation_views(deps: Deps, case: Case, persons: list[Person]) -> list[RelationView]:
    names = {p.id: p.pseudonym for p in persons}
    return [
        RelationView(
            id=r.id,
            person_id=r.person_id,
            person_pseudonym=names.get(r.person_id, ""),
            kind=r.kind.value,
            related_person_id=r.related_person_id,
            related_pseudonym=names.get(r.related_person_id, ""),
            lives_with=r.lives_with,
        )
        for r in await repository.relations_of_case(deps.db, case.id)
    ]


async def _view(
    deps: Deps, case: Case, person: Person, relations: list[RelationView]
) -> PersonView:
    number = await stored_id_number(deps, case, person)
    born = identity.birth_date(person.id_type, number)
    return PersonView(
        id=person.id,
        pseudonym=person.pseudonym,
        role=person.role.value,
        given_name=await _decrypt(deps, case, person, "given_name_enc"),
        family_name=await _decrypt(deps, case, person, "family_name_enc"),
        id_type=person.id_type.value,
        id_number_masked=identity.mask(person.id_type, number),
        birth_year=person.birth_year,
        minor=identity.is_minor(person.birth_year, today=clock.today(), born=born),
        interpreter_needed=person.interpreter_needed,
        interpreter_language=person.interpreter_language or "",
        notes=await _decrypt(deps, case, person, "notes_enc"),
        relations=[r for r in relations if person.id in (r.person_id, r.related_person_id)],
    )


async def persons_for_case(deps: Deps, case: Case) -> list[PersonView]:
    """Decrypted views of the case's persons (masked identity numbers) for the case page.

    Writes NO audit event: the case page writes one event for its whole read.
    """
    persons = list(await repository.persons_of_case(deps.db, case.id))
    relations = await _relation_views(deps, case, persons)
    # Household members of a protected person count as protected (see household_levels).
    levels = await household_levels(deps.db, case.id)
    views = [await _view(deps, case, person, relations) for person in persons]
    # Names, the masked number (a date of birth), the birth year and notes of persons with any
    # protection level, and of those living with them, stay on their own (audited) page: even
    # a confidentiality marking does not say which fact is sensitive, and protection can cover
    # family members living with the person (DOMAIN.md §4).
    return [
        replace(
            view, given_name="", family_name="", id_number_masked=None, birth_year=None,
            notes="", name_protected=True,
        )
        if levels.get(view.id, ProtectionLevel.NONE).sensitive
        else view
        for view in views
    ]


async def read_person(deps: Deps, case: Case, person_id: str) -> PersonView:
    """One person, decrypted (number masked), for the person page: one audit event."""
    person = await person_of(deps, case, person_id)
    persons = list(await repository.persons_of_case(deps.db, case.id))
    view = await _view(deps, case, person, await _relation_views(deps, case, persons))
    await audit(
        deps, case, "person.read",
        fields=["given_name", "family_name", "id_number_masked", "notes"],
        details={"person_id": person.id},
    )
    return view


class NamesNumber(InvalidInput):
    """The stated purpose repeats the identity number it asks for. Finding that out decrypted
    the number, and the answer tells whether a guess is right, so the attempt was audited
    (without the purpose): keep that event although the answer is a 422."""


async def reveal_id_number(
    deps: Deps, case: Case, person_id: str, *, purpose: str
) -> tuple[Person, str | None]:
    """The full identity number, for a stated purpose: one audit event with that purpose."""
    if not purpose.strip():
        raise InvalidInput({"purpose": "required"})
    person = await person_of(deps, case, person_id)
    number = await stored_id_number(deps, case, person)
    if identity.number_in_text(person.id_type, number, purpose):
        # The purpose goes to the audit log in clear text: it must not carry the number. The
        # refusal confirms a guessed number, so it is a consultation too: audited, without
        # the purpose (as the vault's refusals).
        await audit(
            deps, case, "person.id_number.reveal_refused", fields=["id_number"],
            result=AuditResult.DENIED, details={"person_id": person.id},
        )
        raise NamesNumber({"purpose": "contains_id_number"})
    await audit(
        deps, case, "person.id_number.revealed", purpose=purpose, fields=["id_number"],
        details={"person_id": person.id, "id_type": person.id_type.value},
    )
    return person, identity.display(person.id_type, number) if number else None


async def _free_pseudonym(deps: Deps, case: Case) -> str:
    taken = {p.pseudonym for p in await repository.persons_of_case(deps.db, case.id)}
    for _ in range(20):
        pseudonym = new_pseudonym()
        if pseudonym not in taken:
            return pseudonym
    raise RuntimeError("could not draw a free pseudonym")  # 270 000 of them: never in practice


async def _check_relation(
    deps: Deps, case: Case, person_id: str, relation: RelationInput, field_name: str
) -> None:
    if relation.related_person_id == person_id:
        raise InvalidInput({field_name: "same_person"})
    if await repository.person_on_case(deps.db, case.id, relation.related_person_id) is None:
        raise InvalidInput({field_name: "unknown_person"})
    if await repository.relation_exists(
        deps.db, person_id=person_id, related_person_id=relation.related_person_id,
        kind=relation.kind.value,
    ):
        raise InvalidInput({"relation_kind": "relation_exists"})


def _add_relation_row(case: Case, person_id: str, relation: RelationInput) -> PersonRelation:
    return PersonRelation(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id,
        person_id=person_id, related_person_id=relation.related_person_id,
        kind=relation.kind, lives_with=relation.lives_with,
    )


async def add_person(deps: Deps, case: Case, data: PersonInput) -> Person:
    require_open(case)
    person_id = new_id()
    if data.relation is not None:
        await _check_relation(deps, case, person_id, data.relation, "relation_to")
    person = Person(
        id=person_id, case_id=case.id, organisation_id=case.organisation_id, role=data.role,
        pseudonym=await _free_pseudonym(deps, case), id_type=data.id_type,
        birth_year=data.birth_year, interpreter_needed=data.interpreter_needed,
        interpreter_language=data.interpreter_language or None, created_at=clock.now(),
    )
    written = [name for name in PLAIN if getattr(person, name) not in (None, "", False)]
    for name, column in ENCRYPTED.items():
        await _encrypt(deps, case, person, column, getattr(data, name))
        written += [name] if getattr(data, name) else []
    await _set_id_number(deps, case, person, data.id_type, data.id_number)
    written += ["id_type"] + (["id_number"] if data.id_number else [])
    deps.db.add(person)
    await deps.db.flush()
    if data.relation is not None:
        deps.db.add(_add_relation_row(case, person.id, data.relation))
        written.append("relation")
    await add_event(deps, case, "PERSON_ADDED", reason_code=data.role.value)
    await audit(
        deps, case, "person.created", fields=sorted(written),
        details={"person_id": person.id, "role": data.role.value},
    )
    return person


async def _set_id_number(
    deps: Deps, case: Case, person: Person, id_type: IdType, number: str | None
) -> None:
    person.id_type = id_type
    await _encrypt(deps, case, person, "id_number_enc", number or "")
    person.id_index = identity.index_of(deps.keys, id_type, number)


async def update_person(deps: Deps, case: Case, person: Person, data: PersonInput) -> list[str]:
    """Apply the edit; returns the names of the fields that changed (nothing written if none)."""
    require_open(case)
    if data.relation is not None:
        await _check_relation(deps, case, person.id, data.relation, "relation_to")
    changed = [name for name in PLAIN if getattr(person, name) != _plain_value(data, name)]
    for name in changed:
        setattr(person, name, _plain_value(data, name))
    for name, column in ENCRYPTED.items():
        if await _decrypt(deps, case, person, column) != getattr(data, name):
            await _encrypt(deps, case, person, column, getattr(data, name))
            changed.append(name)
    changed += await _update_id_number(deps, case, person, data)
    if data.relation is not None:
        deps.db.add(_add_relation_row(case, person.id, data.relation))
        changed.append("relation")
    if changed:
        await add_event(deps, case, "PERSON_UPDATED")
        await audit(
            deps, case, "person.updated", fields=sorted(changed), details={"person_id": person.id}
        )
    return sorted(changed)


def _plain_value(data: PersonInput, name: str) -> object:
    value = getattr(data, name)
    return value or None if name == "interpreter_language" else value


async def _update_id_number(
    deps: Deps, case: Case, person: Person, data: PersonInput
) -> list[str]:
    if data.keep_id_number and data.id_type is person.id_type:
        return []
    before_type, before = person.id_type, await stored_id_number(deps, case, person)
    if before_type is data.id_type and before == data.id_number:
        return []
    await _set_id_number(deps, case, person, data.id_type, data.id_number)
    return (["id_type"] if before_type is not data.id_type else []) + (
        ["id_number"] if before != data.id_number else []
    )


async def add_relation(deps: Deps, case: Case, person: Person, relation: RelationInput) -> None:
    require_open(case)
    await _check_relation(deps, case, person.id, relation, "relation_to")
    deps.db.add(_add_relation_row(case, person.id, relation))
    await add_event(deps, case, "PERSON_RELATION_ADDED", reason_code=relation.kind.value)
    await audit(
        deps, case, "person.relation_added", fields=["relation"],
        details={"person_id": person.id, "related_person_id": relation.related_person_id,
                 "kind": relation.kind.value},
    )


async def remove_relation(deps: Deps, case: Case, relation_id: str) -> None:
    require_open(case)
    relation = await repository.relation_on_case(deps.db, case.id, relation_id)
    if relation is None:
        raise NotFound()
    await deps.db.delete(relation)
    await add_event(deps, case, "PERSON_RELATION_REMOVED", reason_code=relation.kind.value)
    await audit(
        deps, case, "person.relation_removed", fields=["relation"],
        details={"person_id": relation.person_id, "related_person_id": relation.related_person_id,
                 "kind": relation.kind.value},
    )


async def search_by_identity_number(deps: Deps, data: SearchInput) -> list[SearchHit]:
    """Blind index -> candidates among readable cases -> exact comparison after decryption.

    One audit event with the purpose, the number of hits and the cases shown; never the number.
    """
    foreign = data.kind == "FOREIGN"
    blind = identity.foreign_index(deps.keys) if foreign else identity.personnummer_index(deps.keys)
    types = (IdType.FOREIGN,) if foreign else identity.SWEDISH_TYPES
    candidates = await repository.search_candidates(
        deps.db, deps.actor, index=blind.compute(data.normalised), id_types=types
    )
    hits = [
        SearchHit(case.id, case.reference, person.id, person.pseudonym)
        for person, case in candidates
        if await _matches(deps, case, person, data.normalised, foreign=foreign)
    ]
    await record(
        deps.db, context=deps.context, action="person.searched",
        organisation_id=deps.actor.organisation_id, object_type="person_search",
        purpose=data.purpose, fields=["id_number"],
        details={"kind": data.kind, "hits": len(hits),
                 "case_ids": sorted({hit.case_id for hit in hits})},
    )
    return hits


async def _matches(deps: Deps, case: Case, person: Person, wanted: str, *, foreign: bool) -> bool:
    try:
        stored = await stored_id_number(deps, case, person)
    except crypto.DecryptionError:  # a shredded case: nothing left to find
        return False
    if stored is None:
        return False
    value = identity.normalise_foreign(stored) if foreign else stored
    return hmac.compare_digest(value.encode("utf-8"), wanted.encode("utf-8"))
