"""SQL for protection measures and the action plan. Reads take a case already fetched through
the user's readable set (``helpline.cases.access``); nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.relocation import ActionPlanAction, ActionPlanGoal, ProtectionMeasure


async def measures_of_case(db: AsyncSession, case_id: str) -> Sequence[ProtectionMeasure]:
    statement = (
        select(ProtectionMeasure)
        .where(ProtectionMeasure.case_id == case_id)
        .order_by(ProtectionMeasure.created_at)
    )
    return (await db.execute(statement)).scalars().all()


async def measure_on_case(
    db: AsyncSession, case_id: str, measure_id: str
) -> ProtectionMeasure | None:
    statement = select(ProtectionMeasure).where(
        ProtectionMeasure.id == measure_id, ProtectionMeasure.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def goals_of_case(db: AsyncSession, case_id: str) -> Sequence[ActionPlanGoal]:
    statement = (
        select(ActionPlanGoal)
        .where(ActionPlanGoal.case_id == case_id)
        .order_by(ActionPlanGoal.life_area, ActionPlanGoal.created_at)
    )
    return (await db.execute(statement)).scalars().all()


async def goal_on_case(db: AsyncSession, case_id: str, goal_id: str) -> ActionPlanGoal | None:
    statement = select(ActionPlanGoal).where(
        ActionPlanGoal.id == goal_id, ActionPlanGoal.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def actions_of_case(db: AsyncSession, case_id: str) -> Sequence[ActionPlanAction]:
    statement = (
        select(ActionPlanAction)
        .where(ActionPlanAction.case_id == case_id)
        .order_by(ActionPlanAction.due_on, ActionPlanAction.created_at)
    )
    return (await db.execute(statement)).scalars().all()


async def action_on_case(
    db: AsyncSession, case_id: str, action_id: str
) -> ActionPlanAction | None:
    statement = select(ActionPlanAction).where(
        ActionPlanAction.id == action_id, ActionPlanAction.case_id == case_id
    )
    return (await db.execute(statement)).scalar_one_or_none()

