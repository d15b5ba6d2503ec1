"""SQL for relocation plans and steps. Reads take a case already fetched through the user's
readable set (``helpline.cases.access``); nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.audit import AuditEvent
from helpline.models.relocation import PlanState, RelocationPlan, RelocationStep

FINISHED = (PlanState.COMPLETED, PlanState.CANCELLED)


async def plans_of_case(db: AsyncSession, case_id: str) -> Sequence[RelocationPlan]:
    statement = (
        select(RelocationPlan)
        .where(RelocationPlan.case_id == case_id)
        .order_by(RelocationPlan.created_at.desc())
    )
    return (await db.execute(statement)).scalars().all()


async def plan_on_case(db: AsyncSession, case_id: str, plan_id: str) -> RelocationPlan | None:
    statement = select(RelocationPlan).where(
        RelocationPlan.id == plan_id, RelocationPlan.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def unfinished_plan_exists(db: AsyncSession, case_id: str) -> bool:
    statement = select(RelocationPlan.id).where(
        RelocationPlan.case_id == case_id, RelocationPlan.state.not_in(FINISHED)
    )
    return (await db.execute(statement.limit(1))).first() is not None


async def steps_of_plans(
    db: AsyncSession, plan_ids: Sequence[str]
) -> dict[str, list[RelocationStep]]:
    if not plan_ids:
        return {}
    statement = (
        select(RelocationStep)
        .where(RelocationStep.plan_id.in_(list(plan_ids)))
        .order_by(RelocationStep.due_on, RelocationStep.kind)
    )
    found: dict[str, list[RelocationStep]] = {plan_id: [] for plan_id in plan_ids}
    for step in (await db.execute(statement)).scalars():
        found[step.plan_id].append(step)
    return found


async def step_of_plan(db: AsyncSession, plan_id: str, step_id: str) -> RelocationStep | None:
    statement = select(RelocationStep).where(
        RelocationStep.id == step_id, RelocationStep.plan_id == plan_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


# The audit events of changes to a plan's substance (service._record writes one per change).
PLAN_CHANGES = (
    "relocation.plan_created", "relocation.plan_updated", "relocation.step_added",
    "relocation.step_updated",
)


async def plan_contributors(db: AsyncSession, case_id: str, plan_id: str) -> set[str]:
    """Everyone who wrote any part of the plan, in any round. Read from the audit log, which
    records every change with its actor and cannot be edited, rather than kept a second time
    on the plan."""
    statement = select(AuditEvent.actor_user_id, AuditEvent.details).where(
        AuditEvent.object_type == "case", AuditEvent.object_id == case_id,
        AuditEvent.action.in_(PLAN_CHANGES),
    )
    return {
        actor for actor, details in (await db.execute(statement)).all()
        if actor and details.get("plan_id") == plan_id
    }
