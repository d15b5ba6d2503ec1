"""SQL for persons and relations. Reads across cases build on ``access.readable_condition``;
reads inside one case take a case the caller has already fetched through the readable set."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.access import readable_condition
from helpline.models.cases import Case, IdType, Person, PersonRelation
from helpline.models.users import User


async def persons_of_case(db: AsyncSession, case_id: str) -> Sequence[Person]:
    statement = (
        select(Person).where(Person.case_id == case_id).order_by(Person.created_at, Person.id)
    )
    return (await db.execute(statement)).scalars().all()


async def person_on_case(db: AsyncSession, case_id: str, person_id: str) -> Person | None:
    if len(person_id) != 36:
        return None
    statement = select(Person).where(Person.id == person_id, Person.case_id == case_id)
    return (await db.execute(statement)).scalar_one_or_none()


async def relations_of_case(db: AsyncSession, case_id: str) -> Sequence[PersonRelation]:
    statement = (
        select(PersonRelation)
        .where(PersonRelation.case_id == case_id)
        .order_by(PersonRelation.person_id, PersonRelation.kind)
    )
    return (await db.execute(statement)).scalars().all()


async def relation_exists(
    db: AsyncSession, *, person_id: str, related_person_id: str, kind: str
) -> bool:
    statement = select(PersonRelation.id).where(
        PersonRelation.person_id == person_id,
        PersonRelation.related_person_id == related_person_id,
        PersonRelation.kind == kind,
    )
    return (await db.execute(statement)).first() is not None


async def relation_on_case(
    db: AsyncSession, case_id: str, relation_id: str
) -> PersonRelation | None:
    if len(relation_id) != 36:
        return None
    statement = select(PersonRelation).where(
        PersonRelation.id == relation_id, PersonRelation.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def search_candidates(
    db: AsyncSession, user: User, *, index: bytes, id_types: Sequence[IdType]
) -> Sequence[tuple[Person, Case]]:
    """Persons whose blind index equals ``index``, in cases the user may read. The index is
    truncated, so candidates include unrelated people: the caller compares exactly."""
    statement = (
        select(Person, Case)
        .join(Case, Person.case_id == Case.id)
        .where(
            readable_condition(user),
            Person.organisation_id == user.organisation_id,
            Person.id_index == index,
            Person.id_type.in_(list(id_types)),
        )
        .order_by(Case.reference, Person.created_at)
        .limit(500)
    )
    return [(person, case) for person, case in (await db.execute(statement)).all()]
