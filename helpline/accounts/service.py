"""Creating organisations and users, each with its audit event."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock
from helpline.audit import AuditAction, AuditContext, record
from helpline.auth import service as auth_service
from helpline.auth.passwords import hash_password
from helpline.keys import KeyService, user_scope
from helpline.models.org import Organisation, OrganisationType, Unit
from helpline.models.reference import Municipality
from helpline.models.users import Role, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    pass


async def create_organisation(
    db: AsyncSession,
    *,
    context: AuditContext,
    name: str,
    type: OrganisationType,
    kommunkod: str | None = None,
) -> Organisation:
    if type is OrganisationType.MUNICIPAL_SOCIAL_SERVICES:
        if kommunkod is None or await db.get(Municipality, kommunkod) is None:
            raise AccountError("a municipality needs one of the 290 SCB municipality codes")
    elif kommunkod is not None:
        raise AccountError("only a municipality carries a municipality code")
    organisation = Organisation(name=name.strip(), type=type, kommunkod=kommunkod)
    db.add(organisation)
    await db.flush()
    await record(
        db,
        context=context,
        action=AuditAction.ORGANISATION_CREATED,
        organisation_id=organisation.id,
        object_type="organisation",
        object_id=organisation.id,
    )
    return organisation


async def create_unit(db: AsyncSession, *, organisation: Organisation, name: str) -> Unit:
    unit = Unit(organisation_id=organisation.id, name=name.strip())
    db.add(unit)
    await db.flush()
    return unit


async def create_user(
    db: AsyncSession,
    *,
    context: AuditContext,
    organisation: Organisation,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    unit: Unit | None = None,
) -> User:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise AccountError("not an e-mail address")
    if (await db.execute(select(User.id).where(User.email == email))).first():
        raise AccountError("a user with that e-mail address exists")
    _check_role_fits(role, organisation.type)
    user = User(
        organisation_id=organisation.id,
        organisation=organisation,
        unit_id=unit.id if unit else None,
        email=email,
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
        failed_logins=0,
        language="sv",
    )
    db.add(user)
    await db.flush()
    await record(
        db,
        context=context,
        action=AuditAction.USER_CREATED,
        organisation_id=organisation.id,
        object_type="user",
        object_id=user.id,
        details={"role": str(role)},
    )
    return user


_POLICE_ONLY = {Role.POLICE_CASE_OFFICER, Role.SUPERVISOR}
_MUNICIPAL_ONLY = {Role.MUNICIPAL_CASE_WORKER, Role.MUNICIPAL_COORDINATOR}


def _check_role_fits(role: Role, type: OrganisationType) -> None:
    if role in _POLICE_ONLY and type is not OrganisationType.POLICE:
        raise AccountError(f"{role} belongs to a police organisation")
    if role in _MUNICIPAL_ONLY and type is not OrganisationType.MUNICIPAL_SOCIAL_SERVICES:
        raise AccountError(f"{role} belongs to a municipality's social services")


async def organisation_by_name(db: AsyncSession, name: str) -> Organisation | None:
    return (
        await db.execute(select(Organisation).where(Organisation.name == name))
    ).scalar_one_or_none()


async def set_totp_secret(
    db: AsyncSession, *, keys: KeyService, user: User, secret: str, enrolled: bool
) -> None:
    """Store a TOTP secret (encrypted, bound to the user row); for provisioning and demo data."""
    user.totp_secret = await keys.encrypt(
        db, scope=user_scope(user.id), binding=auth_service.totp_binding(user), value=secret
    )
    user.totp_enrolled_at = clock.now() if enrolled else None
    await db.flush()
