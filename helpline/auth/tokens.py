"""Personal access tokens for the JSON API (``Authorization: Bearer hlp_…``)."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.audit import AuditAction, AuditContext, AuditResult, record
from helpline.auth import repository
from helpline.auth.sessions import hash_token
from helpline.models.users import ApiToken, User

log = logging.getLogger("helpline.auth.tokens")

PREFIX = "hlp_"
MAX_DAYS = 365


class TokenError(ValueError):
    pass


async def create_token(
    db: AsyncSession,
    *,
    user: User,
    actor: User | None,
    name: str,
    expires_days: int,
    now: datetime,
) -> tuple[str, ApiToken]:
    if not 1 <= expires_days <= MAX_DAYS:
        raise TokenError(f"expiry must be between 1 and {MAX_DAYS} days")
    if not user.is_active:
        raise TokenError("the user is disabled")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=hash_token(secret),
        user_id=user.id,
        user=user,
        name=name[:100],
        created_at=now,
        expires_at=now + timedelta(days=expires_days),
    )
    db.add(row)
    await db.flush()
    await record(
        db,
        context=AuditContext(actor=actor),
        action=AuditAction.TOKEN_CREATED,
        organisation_id=user.organisation_id,
        object_type="api_token",
        object_id=row.id,
        details={"user_id": user.id, "expires_days": expires_days},
    )
    return secret, row


async def revoke_token(
    db: AsyncSession, *, token_id: str, actor: User | None, now: datetime
) -> bool:
    row = (await db.execute(select(ApiToken).where(ApiToken.id == token_id))).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    await record(
        db,
        context=AuditContext(actor=actor),
        action=AuditAction.TOKEN_REVOKED,
        organisation_id=row.user.organisation_id,
        object_type="api_token",
        object_id=row.id,
    )
    return True


async def resolve_bearer(
    db: AsyncSession, secret: str, *, now: datetime, context: AuditContext
) -> ApiToken | None:
    """The live token for a bearer secret, or None after auditing why a known token was refused
    (in the request's transaction: the caller keeps that event on its 401)."""
    row = None
    if secret.startswith(PREFIX) and len(secret) <= 100:
        row = await repository.token_by_hash(db, hash_token(secret))
    if row is None:
        # A secret that matches no token is logged, not audited: anyone may send one, and a
        # flood of them must not become a flood of audit writes (each takes the chain's head).
        log.warning("API request with an unknown bearer token")
        return None
    reason = _refusal(row, now)
    if reason is None:
        row.last_used_at = now
        return row
    await record(
        db,
        context=context,
        action=AuditAction.TOKEN_REJECTED,
        result=AuditResult.DENIED,
        organisation_id=row.user.organisation_id,
        object_type="api_token",
        object_id=row.id,
        details={"reason": reason},
    )
    return None


def _refusal(row: ApiToken, now: datetime) -> str | None:
    if row.revoked_at is not None:
        return "revoked"
    if now >= row.expires_at:
        return "expired"
    if not row.user.is_active:
        return "user_disabled"
    return None
