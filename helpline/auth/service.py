"""Sign-in rules: password, second factor, lockout, enrolment, sign-out.

Every outcome writes an audit event in the same transaction. Unknown user, wrong password,
locked and disabled accounts all look the same from outside (one generic failure).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline import rls
from helpline.audit import AuditAction, AuditContext, AuditResult, record
from helpline.auth import repository, sessions, totp
from helpline.auth.passwords import verify_password_in_thread
from helpline.keys import KeyService, user_scope
from helpline.models.users import User, UserSession

LOCKOUT_THRESHOLD = 5
LOCKOUT_DURATION = timedelta(minutes=15)


@dataclass(frozen=True)
class AuthDeps:
    db: AsyncSession
    keys: KeyService
    policy: sessions.SessionPolicy
    context: AuditContext


def totp_binding(user: User) -> crypto.FieldBinding:
    return crypto.FieldBinding(
        organisation=user.organisation_id, table="users", column="totp_secret", row_id=user.id
    )


async def check_password(
    deps: AuthDeps, *, email: str, password: str, now: datetime
) -> User | None:
    user = await repository.user_by_email(deps.db, email)
    stored_hash = user.password_hash if user else None
    # The hash takes a core for a sixth of a second, and may wait for a free one: meanwhile
    # this request must hold neither a connection (the pool's, or SQLite's single one with its
    # write lock) nor the user's row. So the transaction so far (only reads, and the session
    # cookie's last-seen time) ends here, the hash runs off the event loop, and a new one
    # begins: the second place besides the call recorder where a commit is not the request
    # boundary's (helpline.db). Objects stay loaded (expire_on_commit is off).
    await deps.db.commit()
    password_ok = await verify_password_in_thread(stored_hash, password)
    await rls.allow_identity_lookup(deps.db)  # the new transaction, as the route's first did
    if user is not None:
        # Locked until the commit, and read again: guesses sent in parallel each count
        # (PostgreSQL would otherwise let each add one to the same stale count, and never lock).
        await deps.db.refresh(user, with_for_update={"of": User})
    if user is None:
        await _audit_failure(deps, None, reason="unknown_account")
        return None
    if not user.is_active or _is_locked(user, now):
        await _audit_failure(
            deps, user, reason="locked_or_disabled", action=AuditAction.LOGIN_LOCKED
        )
        return None
    if not password_ok:
        await register_failure(deps, user, now=now, reason="password")
        return None
    return user


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and now < user.locked_until


async def register_failure(deps: AuthDeps, user: User, *, now: datetime, reason: str) -> None:
    user.failed_logins += 1
    if user.failed_logins >= LOCKOUT_THRESHOLD:
        user.locked_until = now + LOCKOUT_DURATION
        user.failed_logins = 0
        await _audit_failure(deps, user, reason=reason, action=AuditAction.LOGIN_LOCKED)
        return
    await _audit_failure(deps, user, reason=reason)


async def _audit_failure(
    deps: AuthDeps, user: User | None, *, reason: str, action: str = AuditAction.LOGIN_FAILED
) -> None:
    await record(
        deps.db,
        context=deps.context,
        action=action,
        result=AuditResult.DENIED,
        organisation_id=user.organisation_id if user else None,
        object_type="user" if user else None,
        object_id=user.id if user else None,
        details={"reason": reason},
    )


async def begin_second_factor(
    deps: AuthDeps, user: User, *, now: datetime, replacing: Sequence[UserSession] = ()
) -> str:
    """Password accepted: a short-lived pre-session that can only complete the second factor.
    ``replacing``: the sessions of the browser's old cookie, revoked (and audited as ended)."""
    for old in replacing:
        await logout(deps, old, now=now, reason="signed_in_again")
    token, _ = await sessions.start(
        deps.db, user, stage=sessions.STAGE_PASSWORD, now=now, policy=deps.policy
    )
    await record(
        deps.db,
        context=deps.context,
        action=AuditAction.LOGIN_PASSWORD_OK,
        organisation_id=user.organisation_id,
        object_type="user",
        object_id=user.id,
    )
    return token


async def pending_totp_secret(deps: AuthDeps, user: User) -> str:
    """The secret to enrol: kept (encrypted) on the user until a code confirms it.

    The user's row is locked first: the enrolment page opened twice at once must show one
    secret, not two of which only the last stored would ever work (nor make the user's first
    data key twice, a duplicate key)."""
    await deps.db.refresh(user, with_for_update={"of": User})
    if user.totp_secret is not None:
        return await _decrypt_totp(deps, user)
    secret = totp.new_secret()
    user.totp_secret = await deps.keys.encrypt(
        deps.db, scope=user_scope(user.id), binding=totp_binding(user), value=secret
    )
    return secret


async def _decrypt_totp(deps: AuthDeps, user: User) -> str:
    assert user.totp_secret is not None
    secret = await deps.keys.decrypt(
        deps.db, scope=user_scope(user.id), binding=totp_binding(user), blob=user.totp_secret
    )
    return str(secret)


async def complete_second_factor(
    deps: AuthDeps, pending: UserSession, *, code: str, now: datetime
) -> str | None:
    """Check the code; on success revoke the pre-session and return a new full-session token."""
    user = pending.user
    # The failure count and the last TOTP step, read and held (see check_password).
    await deps.db.refresh(user, with_for_update={"of": User})
    # Read again under that lock: a second submission of this pre-session, sent at the same
    # moment with a code of the next time step, must not make a second full session.
    await deps.db.refresh(pending)
    if pending.revoked_at is not None:
        await _audit_failure(deps, user, reason="pre_session_used")
        return None
    if _is_locked(user, now) or user.totp_secret is None:
        await _audit_failure(deps, user, reason="second_factor_unavailable")
        return None
    step = totp.accepted_step(
        await _decrypt_totp(deps, user), code, now=now, last_step=user.totp_last_step
    )
    if step is None:
        await register_failure(deps, user, now=now, reason="second_factor")
        return None
    return await _finish_login(deps, pending, step=step, now=now)


async def _finish_login(deps: AuthDeps, pending: UserSession, *, step: int, now: datetime) -> str:
    user = pending.user
    user.totp_last_step, user.failed_logins, user.locked_until = step, 0, None
    if user.totp_enrolled_at is None:
        user.totp_enrolled_at = now
        await record(
            deps.db,
            context=deps.context,
            action=AuditAction.TOTP_ENROLLED,
            organisation_id=user.organisation_id,
            object_type="user",
            object_id=user.id,
        )
    sessions.revoke(pending, now=now)
    token, _ = await sessions.start(
        deps.db, user, stage=sessions.STAGE_FULL, now=now, policy=deps.policy
    )
    await record(
        deps.db,
        context=AuditContext(actor=user, request_id=deps.context.request_id),
        action=AuditAction.LOGIN_SUCCEEDED,
        object_type="user",
        object_id=user.id,
    )
    return token


async def logout(
    deps: AuthDeps, session: UserSession, *, now: datetime, reason: str | None = None
) -> None:
    sessions.revoke(session, now=now)
    await record(
        deps.db,
        context=deps.context,
        action=AuditAction.LOGOUT,
        object_type="user",
        object_id=session.user_id,
        details={"reason": reason} if reason else None,
    )


class Reauth(enum.Enum):
    DONE = "done"
    REFUSED = "refused"  # wrong password or code: try again
    SIGNED_OUT = "signed_out"  # the account is locked: the session has ended


async def reauthenticate(
    deps: AuthDeps, session: UserSession, *, password: str, code: str, now: datetime
) -> Reauth:
    """Password and a fresh code again: refreshes the session's authentication time.

    Failures count towards the account's lockout as at sign-in, and a locked account cannot
    re-authenticate: the session ends instead. Otherwise whoever holds a session (a stolen
    cookie, an unlocked screen) could guess codes here without limit."""
    user = session.user
    await deps.db.refresh(user, with_for_update={"of": User})  # as in complete_second_factor
    if _is_locked(user, now):
        await _audit_failure(deps, user, reason="reauth_locked", action=AuditAction.LOGIN_LOCKED)
        await logout(deps, session, now=now)
        return Reauth.SIGNED_OUT
    step = None
    if await verify_password_in_thread(user.password_hash, password) and user.totp_secret:
        secret = await _decrypt_totp(deps, user)
        step = totp.accepted_step(secret, code, now=now, last_step=user.totp_last_step)
    if step is None:
        await register_failure(deps, user, now=now, reason="reauth")
        if _is_locked(user, now):
            await logout(deps, session, now=now)
            return Reauth.SIGNED_OUT
        return Reauth.REFUSED
    user.totp_last_step = step
    user.failed_logins = 0
    session.authenticated_at = now
    # The step-up that opens approval, identity reveal, handover and export: who, and when.
    await record(
        deps.db,
        context=deps.context,
        action=AuditAction.REAUTH_SUCCEEDED,
        object_type="user",
        object_id=user.id,
    )
    return Reauth.DONE
