"""SQL for users, sessions and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.users import ApiToken, User, UserSession


async def user_by_email(db: AsyncSession, email: str, *, lock: bool = False) -> User | None:
    """``lock``: hold the row until the commit (FOR UPDATE; SQLite's writers are serial
    anyway), for changes computed from what was read, such as the failed sign-in count."""
    statement = select(User).where(User.email == email.strip().lower())
    if lock:
        statement = statement.with_for_update(of=User)  # not the eagerly joined rows
    return (await db.execute(statement)).scalar_one_or_none()


async def session_by_hash(db: AsyncSession, token_hash: bytes) -> UserSession | None:
    return (
        await db.execute(select(UserSession).where(UserSession.token_hash == token_hash))
    ).scalar_one_or_none()


async def token_by_hash(db: AsyncSession, token_hash: bytes) -> ApiToken | None:
    return (
        await db.execute(select(ApiToken).where(ApiToken.token_hash == token_hash))
    ).scalar_one_or_none()


async def revoke_user_sessions(db: AsyncSession, user_id: str, *, now: datetime) -> None:
    await db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
