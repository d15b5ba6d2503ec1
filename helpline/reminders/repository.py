"""SQL for reminders: one query per source of due dates, each limited to the cases matched by
the caller's condition (the user's readable set, one case, or one organisation for the daily
job) and to open cases. Only ids, codes and dates are selected: nothing to decrypt, no names,
never a target municipality. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.cases import (
    AssessmentState,
    Case,
    Consent,
    ConsentState,
    ThreatAssessment,
)
from helpline.models.protection import MeasureState, ProtectedDataMeasure
from helpline.models.relocation import (
    ActionPlanAction,
    ActionPlanGoal,
    ActionState,
    PlanState,
    ProtectionMeasure,
    ProtectionMeasureState,
    RelocationPlan,
    RelocationStep,
    StepState,
)
from helpline.relocation.common import OPEN_CASE_STATES

CASE_COLUMNS = (Case.id, Case.reference, Case.responsible_officer_id)
OPEN_STEP = (StepState.PLANNED, StepState.IN_PROGRESS)
LIVE_PLAN = (PlanState.DRAFT, PlanState.SUBMITTED, PlanState.APPROVED, PlanState.IN_PROGRESS)
LIVE_MEASURE = (
    ProtectionMeasureState.PLANNED,
    ProtectionMeasureState.REQUESTED,
    ProtectionMeasureState.IN_PLACE,
)
OPEN_ACTION = (ActionState.PLANNED, ActionState.IN_PROGRESS)
LIVE_PROTECTED_DATA = (MeasureState.PLANNED, MeasureState.APPLIED, MeasureState.GRANTED)

Rows = Sequence[Row[Any]]


async def _due(
    db: AsyncSession,
    cases: ColumnElement[bool],
    limit: date,
    due: Any,
    detail: Any,
    link_id: Any,
    user: Any,
    *joins_and_conditions: Any,
) -> Rows:
    """Rows of (case id, reference, officer id, due date, detail code, linked id, user id):
    ``joins_and_conditions`` holds (entity, on) pairs to join and conditions to add."""
    joins = [j for j in joins_and_conditions if isinstance(j, tuple)]
    conditions = [c for c in joins_and_conditions if not isinstance(c, tuple)]
    statement = select(
        *CASE_COLUMNS, due, detail if detail is not None else null(), link_id,
        user if user is not None else null(),
    )
    for target, on in joins:
        statement = statement.join(target, on)
    statement = statement.where(
        cases, Case.state.in_(OPEN_CASE_STATES), due.is_not(None), due <= limit, *conditions
    )
    return (await db.execute(statement)).all()


async def relocation_steps(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    return await _due(
        db, cases, limit, RelocationStep.due_on, RelocationStep.kind, RelocationStep.plan_id,
        None,
        (RelocationStep, RelocationStep.case_id == Case.id),
        (RelocationPlan, RelocationPlan.id == RelocationStep.plan_id),
        RelocationStep.state.in_(OPEN_STEP), RelocationPlan.state.in_(LIVE_PLAN),
    )


async def measure_reviews(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    return await _due(
        db, cases, limit, ProtectionMeasure.review_on, ProtectionMeasure.kind,
        ProtectionMeasure.id, None,
        (ProtectionMeasure, ProtectionMeasure.case_id == Case.id),
        ProtectionMeasure.state.in_(LIVE_MEASURE),
    )


async def measure_ends(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    return await _due(
        db, cases, limit, ProtectionMeasure.ends_on, ProtectionMeasure.kind,
        ProtectionMeasure.id, None,
        (ProtectionMeasure, ProtectionMeasure.case_id == Case.id),
        ProtectionMeasure.state == ProtectionMeasureState.IN_PLACE,
    )


async def _actions(db: AsyncSession, cases: ColumnElement[bool], limit: date, due: Any) -> Rows:
    return await _due(
        db, cases, limit, due, ActionPlanGoal.life_area, ActionPlanAction.id,
        ActionPlanAction.responsible_user_id,
        (ActionPlanAction, ActionPlanAction.case_id == Case.id),
        (ActionPlanGoal, ActionPlanGoal.id == ActionPlanAction.goal_id),
        ActionPlanAction.state.in_(OPEN_ACTION),
    )


async def action_due(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    return await _actions(db, cases, limit, ActionPlanAction.due_on)


async def action_follow_up(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    return await _actions(db, cases, limit, ActionPlanAction.follow_up_on)


async def consent_expiry(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    # A GIVEN consent is the person's version in force (a new one SUPERSEDES it).
    return await _due(
        db, cases, limit, Consent.valid_to, None, Consent.id, None,
        (Consent, Consent.case_id == Case.id),
        Consent.state == ConsentState.GIVEN,
    )


async def protected_data_reviews(
    db: AsyncSession, cases: ColumnElement[bool], limit: date
) -> Rows:
    return await _due(
        db, cases, limit, ProtectedDataMeasure.review_on, ProtectedDataMeasure.level,
        ProtectedDataMeasure.id, None,
        (ProtectedDataMeasure, ProtectedDataMeasure.case_id == Case.id),
        ProtectedDataMeasure.state.in_(LIVE_PROTECTED_DATA),
    )


async def threat_reviews(db: AsyncSession, cases: ColumnElement[bool], limit: date) -> Rows:
    # The approved version is the current one (a newer approval SUPERSEDES it): the same rule
    # as helpline.threats.status.overdue_and_due_soon, for any set of cases (the daily job has
    # no user).
    return await _due(
        db, cases, limit, ThreatAssessment.review_due_on, ThreatAssessment.overall_level,
        ThreatAssessment.id, None,
        (ThreatAssessment, ThreatAssessment.case_id == Case.id),
        ThreatAssessment.state == AssessmentState.APPROVED,
    )
