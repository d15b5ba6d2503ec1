"""SQL for reading the audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.audit import AuditEvent


async def recent_events(
    db: AsyncSession, *, organisation_id: str, limit: int
) -> Sequence[AuditEvent]:
    """An organisation's auditor sees its own events: those about it or by its users."""
    statement = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.organisation_id == organisation_id,
                AuditEvent.actor_organisation_id == organisation_id,
            )
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    return (await db.execute(statement)).scalars().all()
