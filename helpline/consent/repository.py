"""SQL for consents and conditions. Cross-case reads build on ``access.readable_condition``;
reads inside a case take a case already fetched through the readable set. Nothing commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.access import readable_condition
from helpline.models.cases import (
    Case,
    ConditionBreach,
    ConditionsAgreement,
    Consent,
    ConsentState,
    Person,
)
from helpline.models.org import Organisation
from helpline.models.users import User


async def consents_of_case(db: AsyncSession, case_id: str) -> Sequence[Consent]:
    statement = (
        select(Consent)
        .where(Consent.case_id == case_id)
        .order_by(Consent.person_id, Consent.version.desc())
    )
    return (await db.execute(statement)).scalars().all()


async def consent_on_case(db: AsyncSession, case_id: str, consent_id: str) -> Consent | None:
    statement = select(Consent).where(Consent.id == consent_id, Consent.case_id == case_id)
    return (await db.execute(statement)).scalar_one_or_none()


async def readable_consent(
    db: AsyncSession, user: User, consent_id: str
) -> tuple[Consent, Case] | None:
    statement = (
        select(Consent, Case)
        .join(Case, Consent.case_id == Case.id)
        .where(readable_condition(user), Consent.id == consent_id)
    )
    row = (await db.execute(statement)).first()
    return (row[0], row[1]) if row else None


async def latest_of_person(db: AsyncSession, person_id: str) -> Consent | None:
    statement = (
        select(Consent)
        .where(Consent.person_id == person_id)
        .order_by(Consent.version.desc())
        .limit(1)
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def lock_person(db: AsyncSession, person: Person) -> None:
    """Serialise new versions of one person's consent (SQLite: BEGIN IMMEDIATE already does)."""
    await db.execute(select(Person.id).where(Person.id == person.id).with_for_update())


async def next_version(db: AsyncSession, person_id: str) -> int:
    statement = select(func.max(Consent.version)).where(Consent.person_id == person_id)
    return int(await db.scalar(statement) or 0) + 1


async def given_consents(db: AsyncSession, person_id: str) -> Sequence[Consent]:
    statement = select(Consent).where(
        Consent.person_id == person_id, Consent.state == ConsentState.GIVEN
    )
    return (await db.execute(statement)).scalars().all()


async def organisations(db: AsyncSession) -> Sequence[Organisation]:
    # Reference data: every organisation's name may be named as a recipient.
    return (await db.execute(select(Organisation).order_by(Organisation.name))).scalars().all()


async def organisation_names(db: AsyncSession, ids: Sequence[str]) -> dict[str, str]:
    if not ids:
        return {}
    statement = select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(ids)))
    return {org_id: name for org_id, name in (await db.execute(statement)).all()}


async def agreements_of_case(db: AsyncSession, case_id: str) -> Sequence[ConditionsAgreement]:
    statement = (
        select(ConditionsAgreement)
        .where(ConditionsAgreement.case_id == case_id)
        .order_by(ConditionsAgreement.signed_on.desc(), ConditionsAgreement.recorded_at.desc())
    )
    return (await db.execute(statement)).scalars().all()


async def breaches_of_case(db: AsyncSession, case_id: str) -> Sequence[ConditionBreach]:
    statement = (
        select(ConditionBreach)
        .where(ConditionBreach.case_id == case_id)
        .order_by(ConditionBreach.occurred_on.desc(), ConditionBreach.recorded_at.desc())
    )
    return (await db.execute(statement)).scalars().all()
