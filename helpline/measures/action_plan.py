"""The individual action plan (individuell åtgärdsplan): goals per life area, and actions with a
responsible organisation and person, a due date and a follow-up date.

Goal and action wording and an outside responsible person's name are encrypted (they may name a
diagnosis, a substance or a creditor); life areas, states and dates are not, so reminders and
the case page need no decryption. A responsible *user* must be someone who may read the case
(need to know: the case's officer, its team, or a supervisor or coordinator of its
organisation), since reminders name the case to them; the daily reminder job checks that again
when it runs, as teams and roles change.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from helpline import clock
from helpline.cases.access import may_read
from helpline.cases.service import Deps, add_event, audit
from helpline.db import new_id
from helpline.errors import InvalidInput, NotFound
from helpline.measures import repository
from helpline.measures.schemas import UNCHANGED, ActionChange, GoalChange
from helpline.models.cases import Case
from helpline.models.relocation import ActionPlanAction, ActionPlanGoal, ActionState, GoalState
from helpline.relocation.common import (
    check_organisation,
    organisation_names,
    require_open_case,
    seal,
    unseal,
)

GOALS, ACTIONS = "action_plan_goals", "action_plan_actions"
OPEN_ACTION = (ActionState.PLANNED, ActionState.IN_PROGRESS)


@dataclass(frozen=True)
class ActionView:
    id: str
    goal_id: str
    description: str
    responsible_organisation_id: str
    responsible_organisation: str
    responsible_user_id: str | None
    responsible_person: str
    state: str
    due_on: date | None
    follow_up_on: date | None
    completed_on: date | None
    overdue: bool


@dataclass
class GoalView:
    id: str
    life_area: str
    state: str
    description: str  # "" in the summary (case page), decrypted on the action plan page
    open_actions: int = 0
    next_due: date | None = None
    actions: list[ActionView] = field(default_factory=list)


def _next_date(action: ActionPlanAction) -> date | None:
    dates = [d for d in (action.due_on, action.follow_up_on) if d]
    return min(dates) if dates and action.state in OPEN_ACTION else None


async def summary(deps: Deps, case: Case) -> list[GoalView]:
    """Goals with their count of open actions and next date; nothing decrypted, no audit."""
    goals = list(await repository.goals_of_case(deps.db, case.id))
    actions = list(await repository.actions_of_case(deps.db, case.id))
    open_counts = Counter(a.goal_id for a in actions if a.state in OPEN_ACTION)
    views = []
    for goal in goals:
        dates = [d for a in actions if a.goal_id == goal.id and (d := _next_date(a))]
        views.append(GoalView(goal.id, goal.life_area.value, goal.state.value, "",
                              open_counts[goal.id], min(dates, default=None)))
    return views


async def read_action_plan(deps: Deps, case: Case) -> list[GoalView]:
    """The whole plan with its wording: one audited read."""
    views = {g.id: g for g in await summary(deps, case)}
    for goal in await repository.goals_of_case(deps.db, case.id):
        views[goal.id].description = await unseal(
            deps, case, GOALS, "description_enc", goal.id, goal.description_enc
        )
    actions = list(await repository.actions_of_case(deps.db, case.id))
    names = await organisation_names(deps.db, {a.responsible_organisation_id for a in actions})
    today = clock.today()
    for a in actions:
        views[a.goal_id].actions.append(ActionView(
            id=a.id, goal_id=a.goal_id,
            description=await unseal(deps, case, ACTIONS, "description_enc", a.id,
                                     a.description_enc),
            responsible_organisation_id=a.responsible_organisation_id,
            responsible_organisation=names.get(a.responsible_organisation_id, ""),
            responsible_user_id=a.responsible_user_id,
            responsible_person=await unseal(deps, case, ACTIONS, "responsible_person_enc", a.id,
                                            a.responsible_person_enc),
            state=a.state.value, due_on=a.due_on, follow_up_on=a.follow_up_on,
            completed_on=a.completed_on,
            overdue=bool((d := _next_date(a)) and d < today),
        ))
    await audit(deps, case, "action_plan.read", purpose="case work",
                fields=["goals.description", "actions.description", "actions.responsible_person"])
    return list(views.values())


async def find_goal(deps: Deps, case: Case, goal_id: str) -> ActionPlanGoal:
    goal = await repository.goal_on_case(deps.db, case.id, goal_id)
    if goal is None:
        raise NotFound()
    return goal


async def find_action(deps: Deps, case: Case, action_id: str) -> ActionPlanAction:
    action = await repository.action_on_case(deps.db, case.id, action_id)
    if action is None:
        raise NotFound()
    return action


async def _record(deps: Deps, case: Case, what: str, **details: str) -> None:
    await add_event(deps, case, "ACTION_PLAN_" + what.upper())
    await audit(deps, case, "action_plan." + what, details=details)


async def add_goal(deps: Deps, case: Case, change: GoalChange) -> ActionPlanGoal:
    require_open_case(case)
    now = clock.now()
    goal = ActionPlanGoal(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id,
        life_area=change.life_area, state=GoalState.OPEN, created_by_id=deps.actor.id,
        created_at=now, updated_at=now,
    )
    goal.description_enc = await seal(deps, case, GOALS, "description_enc", goal.id,
                                      change.description)
    deps.db.add(goal)
    await deps.db.flush()
    await _record(deps, case, "goal_added", goal_id=goal.id, life_area=goal.life_area.value)
    return goal


async def update_goal(deps: Deps, case: Case, goal: ActionPlanGoal, change: GoalChange) -> None:
    require_open_case(case)
    if change.description is not UNCHANGED:
        goal.description_enc = await seal(deps, case, GOALS, "description_enc", goal.id,
                                          change.description)
    if change.state is not UNCHANGED:
        goal.state = change.state
    goal.updated_at = clock.now()
    await _record(deps, case, "goal_updated", goal_id=goal.id, state=goal.state.value)


async def _apply(deps: Deps, case: Case, action: ActionPlanAction, change: ActionChange) -> None:
    if change.responsible_organisation_id is not UNCHANGED:
        await check_organisation(
            deps.db, change.responsible_organisation_id, "responsible_organisation_id"
        )
        action.responsible_organisation_id = change.responsible_organisation_id
    if change.responsible_user_id is not UNCHANGED:
        user_id = change.responsible_user_id
        if user_id and not await may_read(deps.db, user_id, case):
            # The same answer as for an id that does not exist: who works which case is not
            # for this form to tell.
            raise InvalidInput({"responsible_user_id": "unknown_user"})
        action.responsible_user_id = user_id
    for name in ("description", "responsible_person"):
        text = getattr(change, name)
        if text is not UNCHANGED:
            column = name + "_enc"
            setattr(action, column,
                    await seal(deps, case, ACTIONS, column, action.id, text) if text else None)
    for name in ("due_on", "follow_up_on"):
        if getattr(change, name) is not UNCHANGED:
            setattr(action, name, getattr(change, name))
    if change.state is not UNCHANGED and change.state is not action.state:
        action.state = change.state
        action.completed_on = clock.today() if change.state is ActionState.DONE else None
    action.updated_at = clock.now()


async def add_action(
    deps: Deps, case: Case, goal: ActionPlanGoal, change: ActionChange
) -> ActionPlanAction:
    require_open_case(case)
    now = clock.now()
    action = ActionPlanAction(
        id=new_id(), goal_id=goal.id, case_id=case.id, organisation_id=case.organisation_id,
        state=ActionState.PLANNED, created_by_id=deps.actor.id, created_at=now, updated_at=now,
    )
    await _apply(deps, case, action, change)
    deps.db.add(action)
    await deps.db.flush()
    await _record(deps, case, "action_added", goal_id=goal.id, action_id=action.id)
    return action


async def update_action(
    deps: Deps, case: Case, action: ActionPlanAction, change: ActionChange
) -> None:
    require_open_case(case)
    await _apply(deps, case, action, change)
    await _record(deps, case, "action_updated", action_id=action.id, state=action.state.value)
