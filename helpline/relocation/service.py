"""Relocation plans (omlokaliseringsplaner): rules, states, steps and four-eyes approval.

States: DRAFT → SUBMITTED → APPROVED → IN_PROGRESS → COMPLETED; SUBMITTED → DRAFT (returned,
comment required); APPROVED / IN_PROGRESS → DRAFT (revised: the approval is void and a new one is
needed); any unfinished state → CANCELLED (comment required). Approval is by a SUPERVISOR of the
case's organisation who neither wrote nor submitted the plan.

What a plan's approval covers: the municipalities, the start date and the set of steps. So those
change only in DRAFT; a step's progress (state, due date, responsible organisation, note) may be
kept up to date in DRAFT, APPROVED and IN_PROGRESS, and the first step under way starts an
approved plan. A SUBMITTED plan is frozen while the supervisor reads it.

The target municipality is encrypted on every write and decrypted only by ``plan_detail`` (the
plan page and the single-plan API read), which writes exactly one audit event. Nothing else
reads it: not the case page section, the plan list, reminders, the timeline or audit details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from helpline import clock
from helpline.cases.access import can_supervise
from helpline.cases.service import Deps, add_event, audit
from helpline.db import new_id
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case
from helpline.models.relocation import PlanState, RelocationPlan, RelocationStep, StepState
from helpline.reference import MUNICIPALITIES
from helpline.relocation import repository
from helpline.relocation.common import (
    check_organisation,
    organisation_names,
    require_open_case,
    require_protection_may_start,
    seal,
    unseal,
)
from helpline.relocation.schemas import PlanInput, StepChange, StepInput

PLANS, STEPS = "relocation_plans", "relocation_steps"
TARGET = "target_municipality_enc"
STEP_EDITABLE = (PlanState.DRAFT, PlanState.APPROVED, PlanState.IN_PROGRESS)
FINISHED_STEP = (StepState.DONE, StepState.NOT_NEEDED)
EDGES: dict[str, tuple[tuple[PlanState, ...], PlanState]] = {
    "submit": ((PlanState.DRAFT,), PlanState.SUBMITTED),
    "return": ((PlanState.SUBMITTED,), PlanState.DRAFT),
    "approve": ((PlanState.SUBMITTED,), PlanState.APPROVED),
    "start": ((PlanState.APPROVED,), PlanState.IN_PROGRESS),
    "complete": ((PlanState.IN_PROGRESS,), PlanState.COMPLETED),
    "revise": ((PlanState.APPROVED, PlanState.IN_PROGRESS), PlanState.DRAFT),
    "cancel": (
        (PlanState.DRAFT, PlanState.SUBMITTED, PlanState.APPROVED, PlanState.IN_PROGRESS),
        PlanState.CANCELLED,
    ),
}


@dataclass(frozen=True)
class StepSummary:
    id: str
    kind: str
    due_on: date
    state: str


@dataclass(frozen=True)
class PlanSummary:
    """What may be shown wherever plans are listed: never the target, nor who is responsible
    for the steps (a receiving municipality's social services would name the target)."""

    id: str
    state: str
    from_municipality: str
    from_municipality_name: str
    starts_on: date
    steps_total: int
    steps_finished: int
    next_due: StepSummary | None
    approved_at: datetime | None


@dataclass(frozen=True)
class StepDetail:
    id: str
    kind: str
    responsible_organisation_id: str
    responsible_organisation: str
    due_on: date
    state: str
    completed_on: date | None
    note: str


@dataclass(frozen=True)
class PlanDetail:
    summary: PlanSummary
    target_municipality: str
    target_municipality_name: str
    author_id: str
    submitted_by_id: str | None
    approved_by_id: str | None
    steps: list[StepDetail]


def _summary(plan: RelocationPlan, steps: list[RelocationStep]) -> PlanSummary:
    open_steps = [s for s in steps if s.state not in FINISHED_STEP]
    first = min(open_steps, key=lambda s: s.due_on, default=None)
    return PlanSummary(
        id=plan.id,
        state=plan.state.value,
        from_municipality=plan.from_municipality_code,
        from_municipality_name=MUNICIPALITIES.get(plan.from_municipality_code, ""),
        starts_on=plan.starts_on,
        steps_total=len(steps),
        steps_finished=len(steps) - len(open_steps),
        next_due=StepSummary(first.id, first.kind.value, first.due_on, first.state.value)
        if first
        else None,
        approved_at=plan.approved_at,
    )


async def plan_summaries(deps: Deps, case: Case) -> list[PlanSummary]:
    """The case's plans, newest first, without the target. Writes no audit event: the case
    page writes one for its whole read, and nothing protected is decrypted here."""
    plans = list(await repository.plans_of_case(deps.db, case.id))
    steps = await repository.steps_of_plans(deps.db, [p.id for p in plans])
    return [_summary(plan, steps[plan.id]) for plan in plans]


async def find_plan(deps: Deps, case: Case, plan_id: str) -> RelocationPlan:
    plan = await repository.plan_on_case(deps.db, case.id, plan_id)
    if plan is None:
        raise NotFound()
    return plan


async def plan_detail(deps: Deps, case: Case, plan: RelocationPlan) -> PlanDetail:
    """The plan with its target and steps: ONE audited read (the target is protected)."""
    steps = (await repository.steps_of_plans(deps.db, [plan.id]))[plan.id]
    target = await unseal(deps, case, PLANS, TARGET, plan.id, plan.target_municipality_enc)
    names = await organisation_names(deps.db, {s.responsible_organisation_id for s in steps})
    details = [
        StepDetail(
            id=s.id,
            kind=s.kind.value,
            responsible_organisation_id=s.responsible_organisation_id,
            responsible_organisation=names.get(s.responsible_organisation_id, ""),
            due_on=s.due_on,
            state=s.state.value,
            completed_on=s.completed_on,
            note=await unseal(deps, case, STEPS, "note_enc", s.id, s.note_enc),
        )
        for s in steps
    ]
    await audit(
        deps, case, "relocation.plan_read", purpose="case work",
        fields=["target_municipality", "steps", "steps.note"], details={"plan_id": plan.id},
    )
    return PlanDetail(
        summary=_summary(plan, steps),
        target_municipality=target,
        target_municipality_name=MUNICIPALITIES.get(target, ""),
        author_id=plan.author_id,
        submitted_by_id=plan.submitted_by_id,
        approved_by_id=plan.approved_by_id,
        steps=details,
    )


# --- changes ----------------------------------------------------------------------------------


def _touch(plan: RelocationPlan) -> None:
    plan.updated_at = clock.now()


async def _record(
    deps: Deps, case: Case, plan: RelocationPlan, what: str, *, comment: str = "", **details: str
) -> None:
    await add_event(deps, case, "RELOCATION_" + what.upper(), reason_text=comment)
    await audit(
        deps, case, "relocation." + what.lower(),
        details={"plan_id": plan.id, "state": plan.state.value, **details},
    )


async def create_plan(deps: Deps, case: Case, data: PlanInput) -> RelocationPlan:
    require_open_case(case)
    if await repository.unfinished_plan_exists(deps.db, case.id):
        raise RuleViolation("open_plan_exists")
    now = clock.now()
    plan = RelocationPlan(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id,
        state=PlanState.DRAFT, from_municipality_code=data.from_municipality,
        starts_on=data.starts_on, author_id=deps.actor.id, created_at=now, updated_at=now,
    )
    plan.target_municipality_enc = await seal(
        deps, case, PLANS, TARGET, plan.id, data.target_municipality
    )
    deps.db.add(plan)
    await deps.db.flush()
    await _record(deps, case, plan, "plan_created")
    return plan


async def update_plan(deps: Deps, case: Case, plan: RelocationPlan, data: PlanInput) -> None:
    require_open_case(case)
    if plan.state is not PlanState.DRAFT:
        raise RuleViolation("plan_not_editable")
    steps = (await repository.steps_of_plans(deps.db, [plan.id]))[plan.id]
    if any(step.due_on < data.starts_on for step in steps):
        raise InvalidInput({"starts_on": "after_step_due"})
    plan.from_municipality_code = data.from_municipality
    plan.starts_on = data.starts_on
    plan.target_municipality_enc = await seal(
        deps, case, PLANS, TARGET, plan.id, data.target_municipality
    )
    _touch(plan)
    await _record(deps, case, plan, "plan_updated")


def _check_due(plan: RelocationPlan, due_on: date) -> None:
    if due_on < plan.starts_on:
        raise InvalidInput({"due_on": "before_plan_start"})


async def add_step(deps: Deps, case: Case, plan: RelocationPlan, data: StepInput) -> RelocationStep:
    require_open_case(case)
    if plan.state is not PlanState.DRAFT:
        raise RuleViolation("steps_frozen")
    _check_due(plan, data.due_on)
    await check_organisation(
        deps.db, data.responsible_organisation_id, "responsible_organisation_id"
    )
    existing = (await repository.steps_of_plans(deps.db, [plan.id]))[plan.id]
    if any(step.kind is data.kind for step in existing):
        raise InvalidInput({"kind": "step_exists"})
    now = clock.now()
    step = RelocationStep(
        id=new_id(), plan_id=plan.id, case_id=case.id, organisation_id=case.organisation_id,
        kind=data.kind, responsible_organisation_id=data.responsible_organisation_id,
        due_on=data.due_on, state=data.state, created_at=now, updated_at=now,
        completed_on=clock.today() if data.state is StepState.DONE else None,
    )
    if data.note:
        step.note_enc = await seal(deps, case, STEPS, "note_enc", step.id, data.note)
    deps.db.add(step)
    _touch(plan)
    await deps.db.flush()
    await _record(deps, case, plan, "step_added", step_id=step.id, kind=step.kind.value)
    return step


async def find_step(deps: Deps, plan: RelocationPlan, step_id: str) -> RelocationStep:
    step = await repository.step_of_plan(deps.db, plan.id, step_id)
    if step is None:
        raise NotFound()
    return step


async def update_step(
    deps: Deps, case: Case, plan: RelocationPlan, step: RelocationStep, change: StepChange
) -> None:
    require_open_case(case)
    if plan.state not in STEP_EDITABLE:
        raise RuleViolation("plan_not_editable")
    if change.due_on is not None:
        _check_due(plan, change.due_on)
        step.due_on = change.due_on
    if change.responsible_organisation_id is not None:
        await check_organisation(
            deps.db, change.responsible_organisation_id, "responsible_organisation_id"
        )
        step.responsible_organisation_id = change.responsible_organisation_id
    if change.note is not None:
        step.note_enc = (
            await seal(deps, case, STEPS, "note_enc", step.id, change.note) if change.note else None
        )
    if change.state is not None and change.state is not step.state:
        step.state = change.state
        step.completed_on = clock.today() if change.state is StepState.DONE else None
    step.updated_at = clock.now()
    _touch(plan)
    await _record(
        deps, case, plan, "step_updated", step_id=step.id, kind=step.kind.value,
        step_state=step.state.value,
    )
    if plan.state is PlanState.APPROVED and step.state in (StepState.IN_PROGRESS, StepState.DONE):
        # The first step under way starts the plan (one marked not needed starts nothing).
        await _move(deps, case, plan, "start")


async def _move(
    deps: Deps, case: Case, plan: RelocationPlan, action: str, comment: str = ""
) -> None:
    sources, target = EDGES[action]
    if plan.state not in sources:
        raise RuleViolation("transition_not_allowed")
    if target is PlanState.IN_PROGRESS:  # the relocation begins: protection starts
        require_protection_may_start(case)
    plan.state = target
    _touch(plan)
    await _record(deps, case, plan, "plan_" + action, comment=comment)


async def transition(
    deps: Deps, case: Case, plan: RelocationPlan, *, action: str, comment: str = ""
) -> None:
    """Every change of state but approval (``approve``: the page, after re-authentication)."""
    if action == "approve" or action not in EDGES:
        raise RuleViolation("transition_not_allowed")
    if action != "cancel":
        require_open_case(case)
    if action in ("return", "cancel") and not comment.strip():
        raise RuleViolation("comment_required")
    steps = (await repository.steps_of_plans(deps.db, [plan.id]))[plan.id]
    if action == "submit" and not steps:
        raise RuleViolation("no_steps")
    if action == "complete" and any(s.state not in FINISHED_STEP for s in steps):
        raise RuleViolation("steps_not_finished")
    if action == "return" and not can_supervise(deps.actor, case):
        raise RuleViolation("supervisor_required")
    if action == "submit":
        plan.submitted_by_id, plan.submitted_at = deps.actor.id, clock.now()
    if action in ("return", "revise"):
        plan.approved_by_id, plan.approved_at = None, None
    await _move(deps, case, plan, action, comment)


async def approve(deps: Deps, case: Case, plan: RelocationPlan) -> None:
    """Four eyes: a supervisor of the case's organisation who wrote no part of the plan (its
    author, anyone who changed it or its steps) and did not submit it."""
    require_open_case(case)
    if plan.state is not PlanState.SUBMITTED:
        raise RuleViolation("transition_not_allowed")
    if not can_supervise(deps.actor, case):
        raise RuleViolation("supervisor_required")
    if deps.actor.id in (plan.author_id, plan.submitted_by_id) or deps.actor.id in (
        await repository.plan_contributors(deps.db, case.id, plan.id)
    ):
        raise RuleViolation("four_eyes")
    plan.approved_by_id, plan.approved_at = deps.actor.id, clock.now()
    await _move(deps, case, plan, "approve")
