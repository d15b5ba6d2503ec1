"""Who may read which case: the one access helper every case query builds on.

Need to know (DOMAIN.md §2): inside its organisation a case is readable by its responsible
officer, its named team and the organisation's supervisors (coordinators, in a municipality).
Auditors and administrators never read case content. A case outside the readable set is
indistinguishable from a missing one: both are ``None`` here and 404 at the boundary.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.db import WRITE_REQUEST
from helpline.models.cases import Case, CaseTeamMember
from helpline.models.users import Role, User

# Roles that read every case of their own organisation.
ORGANISATION_WIDE = frozenset({Role.SUPERVISOR, Role.MUNICIPAL_COORDINATOR})
# Roles that work cases at all.
CASE_ROLES = frozenset(
    {
        Role.POLICE_CASE_OFFICER,
        Role.SUPERVISOR,
        Role.MUNICIPAL_CASE_WORKER,
        Role.MUNICIPAL_COORDINATOR,
    }
)


def readable_condition(user: User) -> ColumnElement[bool]:
    if user.role not in CASE_ROLES or not user.is_active:
        return false()
    # A crypto-shredded case has nothing left to read, and no write may give it a new key.
    same_organisation = (Case.organisation_id == user.organisation_id) & Case.shredded_at.is_(None)
    if user.role in ORGANISATION_WIDE:
        return same_organisation
    on_team = (
        select(CaseTeamMember.case_id)
        .where(CaseTeamMember.case_id == Case.id, CaseTeamMember.user_id == user.id)
        .exists()
    )
    return same_organisation & or_(Case.responsible_officer_id == user.id, on_team)


def readable_cases(user: User) -> Select[tuple[Case]]:
    """Every read of cases starts here."""
    return select(Case).where(readable_condition(user))


async def get_readable_case(db: AsyncSession, user: User, case_id: str) -> Case | None:
    """In a request that may write, the case row is also locked until the commit (FOR NO KEY
    UPDATE: inserts of its child rows are not held up). Every change to a case then takes its
    case first, as key rotation and shredding do: they run one after another, never deadlock,
    and a write that waited for a shredding finds the case gone (404), not a new key."""
    if len(case_id) != 36:
        return None
    statement = readable_cases(user).where(Case.id == case_id)
    if db.info.get(WRITE_REQUEST):
        statement = statement.with_for_update(of=Case, key_share=True)
    return (await db.execute(statement)).scalar_one_or_none()


async def may_read(db: AsyncSession, user_id: str, case: Case) -> bool:
    """Whether the user with this id may read the case now, by the same condition as every
    read. For naming someone on a part of a case (an action's responsible user), who is then
    reminded of it by the case's reference and pseudonym."""
    user = await db.get(User, user_id)
    return user is not None and await get_readable_case(db, user, case.id) is not None


def can_supervise(user: User, case: Case) -> bool:
    return user.role is Role.SUPERVISOR and user.organisation_id == case.organisation_id
