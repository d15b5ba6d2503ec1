"""SQL of the protection domain. Reads inside one case take a case the caller has already
fetched through the readable set (helpline.cases.access); organisation-wide reads filter by the
acting user's organisation (and row-level security repeats that on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.access import CASE_ROLES, ORGANISATION_WIDE
from helpline.models.audit import AuditEvent
from helpline.models.cases import Case, CaseTeamMember, Person
from helpline.models.protection import (
    LocationVaultAccess,
    LocationVaultEntry,
    ProtectedDataMeasure,
    ProtectionAlert,
)
from helpline.models.users import User

VAULT_ACTIONS = (
    "vault.read", "vault.read_denied", "vault.read_refused", "vault.break_glass",
    "vault.break_glass_refused", "vault.access_changed",
)


def _is_id(value: str) -> bool:
    return len(value) == 36


# --- measures ----------------------------------------------------------------------------------


async def measures_of_case(db: AsyncSession, case_id: str) -> Sequence[ProtectedDataMeasure]:
    statement = (
        select(ProtectedDataMeasure)
        .where(ProtectedDataMeasure.case_id == case_id)
        .order_by(ProtectedDataMeasure.person_id, ProtectedDataMeasure.level)
    )
    return (await db.execute(statement)).scalars().all()


async def measure_of(
    db: AsyncSession, case_id: str, person_id: str, level: str
) -> ProtectedDataMeasure | None:
    statement = select(ProtectedDataMeasure).where(
        ProtectedDataMeasure.case_id == case_id,
        ProtectedDataMeasure.person_id == person_id,
        ProtectedDataMeasure.level == level,
    )
    return (await db.execute(statement)).scalar_one_or_none()


# --- vault -------------------------------------------------------------------------------------


async def entries_of_case(db: AsyncSession, case_id: str) -> Sequence[LocationVaultEntry]:
    statement = (
        select(LocationVaultEntry)
        .where(LocationVaultEntry.case_id == case_id)
        .order_by(LocationVaultEntry.label_number)
    )
    return (await db.execute(statement)).scalars().all()


async def entry_on_case(db: AsyncSession, case_id: str, entry_id: str) -> LocationVaultEntry | None:
    if not _is_id(entry_id):
        return None
    statement = select(LocationVaultEntry).where(
        LocationVaultEntry.id == entry_id, LocationVaultEntry.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def next_label_number(db: AsyncSession, case_id: str) -> int:
    statement = select(func.max(LocationVaultEntry.label_number)).where(
        LocationVaultEntry.case_id == case_id
    )
    return int((await db.execute(statement)).scalar() or 0) + 1


async def named_users(db: AsyncSession, entry_ids: Sequence[str]) -> dict[str, set[str]]:
    """entry_id → the user ids named on it."""
    if not entry_ids:
        return {}
    statement = select(LocationVaultAccess.entry_id, LocationVaultAccess.user_id).where(
        LocationVaultAccess.entry_id.in_(list(entry_ids))
    )
    named: dict[str, set[str]] = {entry_id: set() for entry_id in entry_ids}
    for entry_id, user_id in (await db.execute(statement)).all():
        named[entry_id].add(user_id)
    return named


async def is_named(db: AsyncSession, entry_id: str, user_id: str) -> bool:
    statement = select(LocationVaultAccess.user_id).where(
        LocationVaultAccess.entry_id == entry_id, LocationVaultAccess.user_id == user_id
    )
    return (await db.execute(statement)).first() is not None


async def access_rows(db: AsyncSession, entry_id: str) -> Sequence[LocationVaultAccess]:
    statement = select(LocationVaultAccess).where(LocationVaultAccess.entry_id == entry_id)
    return (await db.execute(statement)).scalars().all()


async def case_readers(db: AsyncSession, case: Case) -> Sequence[User]:
    """Active users who may read the case (need to know): only they can be named on an entry."""
    on_team = (
        select(CaseTeamMember.user_id).where(CaseTeamMember.case_id == case.id).scalar_subquery()
    )
    statement = (
        select(User)
        .where(
            User.organisation_id == case.organisation_id,
            User.disabled_at.is_(None),
            User.role.in_(list(CASE_ROLES)),
            or_(
                User.role.in_(list(ORGANISATION_WIDE)),
                User.id == case.responsible_officer_id,
                User.id.in_(on_team),
            ),
        )
        .order_by(User.display_name, User.id)
    )
    return (await db.execute(statement)).scalars().all()


async def pseudonyms(db: AsyncSession, case_id: str) -> dict[str, str]:
    statement = select(Person.id, Person.pseudonym).where(Person.case_id == case_id)
    return {person_id: pseudonym for person_id, pseudonym in (await db.execute(statement)).all()}


# --- supervisors' log and alerts ---------------------------------------------------------------


async def vault_events(
    db: AsyncSession, organisation_id: str, *, limit: int
) -> Sequence[AuditEvent]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id, AuditEvent.action.in_(VAULT_ACTIONS))
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all()


async def purposes_of(
    db: AsyncSession, organisation_id: str, seqs: Sequence[int]
) -> dict[int, str]:
    """The stated purpose or reason of each of these audit events, by seq."""
    if not seqs:
        return {}
    rows = await db.execute(
        select(AuditEvent.seq, AuditEvent.purpose).where(
            AuditEvent.organisation_id == organisation_id, AuditEvent.seq.in_(list(seqs))
        )
    )
    return {seq: purpose or "" for seq, purpose in rows.all()}


async def alerts(
    db: AsyncSession, organisation_id: str, *, limit: int
) -> Sequence[ProtectionAlert]:
    statement = (
        select(ProtectionAlert)
        .where(ProtectionAlert.organisation_id == organisation_id)
        .order_by(ProtectionAlert.acknowledged_at.is_not(None), ProtectionAlert.created_at.desc())
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all()


async def alert_of(db: AsyncSession, organisation_id: str, alert_id: str) -> ProtectionAlert | None:
    if not _is_id(alert_id):
        return None
    statement = select(ProtectionAlert).where(
        ProtectionAlert.id == alert_id, ProtectionAlert.organisation_id == organisation_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def case_references(db: AsyncSession, case_ids: Sequence[str]) -> dict[str, str]:
    if not case_ids:
        return {}
    statement = select(Case.id, Case.reference).where(Case.id.in_(list(set(case_ids))))
    return {case_id: reference for case_id, reference in (await db.execute(statement)).all()}


async def entry_labels(db: AsyncSession, entry_ids: Sequence[str]) -> dict[str, tuple[str, int]]:
    if not entry_ids:
        return {}
    statement = select(
        LocationVaultEntry.id, LocationVaultEntry.kind, LocationVaultEntry.label_number
    ).where(LocationVaultEntry.id.in_(list(set(entry_ids))))
    return {
        entry_id: (str(kind), number) for entry_id, kind, number in (await db.execute(statement))
    }
