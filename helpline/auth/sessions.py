"""Server-side sessions (SECURITY.md §3).

The cookie holds an opaque 256-bit random token; the database holds only its SHA-256 (a hash
is enough for a random token: there is nothing to brute-force). Idle timeout 15 minutes,
absolute 8 hours, a new token at every step of sign-in, revocation at sign-out.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.auth import repository
from helpline.models.users import User, UserSession

COOKIE_NAME = "__Host-helpline-session"
STAGE_PASSWORD = "password"  # noqa: S105 - password accepted, second factor pending
STAGE_FULL = "full"
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


async def start(
    db: AsyncSession, user: User, *, stage: str, now: datetime, policy: SessionPolicy
) -> tuple[str, UserSession]:
    token = secrets.token_urlsafe(32)
    lifetime = policy.absolute if stage == STAGE_FULL else SECOND_FACTOR_WINDOW
    row = UserSession(
        token_hash=hash_token(token),
        user_id=user.id,
        user=user,
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        authenticated_at=now if stage == STAGE_FULL else None,
    )
    db.add(row)
    await db.flush()
    return token, row


async def resolve(
    db: AsyncSession, token: str | None, *, now: datetime, policy: SessionPolicy,
    touch: bool = True,
) -> UserSession | None:
    """The live session for a cookie token, or None; an expired one is revoked on the way.

    ``touch=False`` (a page reloading itself) does not count as activity: an open call list
    must not keep an unattended session alive past the idle timeout."""
    if not token or len(token) > 100:
        return None
    row = await repository.session_by_hash(db, hash_token(token))
    if row is None or row.revoked_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= policy.idle or not row.user.is_active:
        row.revoked_at = now
        return None
    if touch:
        row.last_seen_at = now
    return row


def revoke(row: UserSession, *, now: datetime) -> None:
    row.revoked_at = now
