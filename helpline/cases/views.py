"""What the case page and the case list show, gathered in one place per read.

A case page is one consultation of protected data: it decrypts what it shows and writes exactly
one audit event naming the field groups read. The list shows pseudonyms only, never names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from helpline import clock
from helpline.audit import record
from helpline.cases import lifecycle, repository
from helpline.cases.lifecycle import ActivationFacts, Guard
from helpline.cases.notes import NoteView, notes_for_case
from helpline.cases.service import Deps, activation_facts, audit, decrypt
from helpline.models.cases import Case, CaseState
from helpline.models.users import User


@dataclass(frozen=True)
class TimelineItem:
    occurred_at: datetime
    kind: str
    actor: str
    from_state: str | None
    to_state: str | None
    reason_code: str | None
    reason: str


@dataclass(frozen=True)
class CaseListRow:
    case: Case
    pseudonym: str
    officer: str
    next_due: date | None = None
    overdue: bool = False


@dataclass
class CasePage:
    case: Case
    pseudonym: str
    officer: str
    team: list[str]
    timeline: list[TimelineItem]
    notes: list[NoteView]
    facts: ActivationFacts
    failing_guards: list[Guard]
    next_states: list[CaseState]
    sections: dict[str, Any] = field(default_factory=dict)


async def user_names(deps: Deps, organisation_id: str) -> dict[str, str]:
    statement = select(User.id, User.display_name).where(User.organisation_id == organisation_id)
    return {user_id: name for user_id, name in (await deps.db.execute(statement)).all()}


async def case_list(
    deps: Deps, *, state: CaseState | None, officer_id: str | None
) -> list[CaseListRow]:
    cases = await repository.list_readable(deps.db, deps.actor, state=state, officer_id=officer_id)
    pseudonyms = await repository.defector_pseudonyms(deps.db, [c.id for c in cases])
    names = await user_names(deps, deps.actor.organisation_id)
    due = await _next_due(deps)
    # One event per read of the list (DOMAIN.md §8.10: every read is logged).
    await record(
        deps.db, context=deps.context, action="case.list_read",
        organisation_id=deps.actor.organisation_id,
        fields=["case.reference", "case.pseudonym", "case.state"],
        # Whether a filter by officer was used, not the value: it comes from the URL as typed.
        details={"cases_shown": len(cases), "state": state.value if state else None,
                 "by_officer": officer_id is not None},
    )
    return [
        CaseListRow(c, pseudonyms.get(c.id, "—"), names.get(c.responsible_officer_id, "—"),
                    *due.get(c.id, (None, False)))
        for c in cases
    ]


async def _next_due(deps: Deps) -> dict[str, tuple[date, bool]]:
    """Each readable case's earliest reminder (the reminders domain builds on the case domain,
    so it is imported here, at use)."""
    from helpline.reminders.service import reminders_for

    earliest: dict[str, tuple[date, bool]] = {}
    for item in await reminders_for(deps.db, deps.actor, today=clock.today(), horizon_days=365):
        if item.case_id not in earliest or item.due_on < earliest[item.case_id][0]:
            earliest[item.case_id] = (item.due_on, item.overdue)
    return earliest


async def case_page(deps: Deps, case: Case, *, extra_sections: Sequence[Any] = ()) -> CasePage:
    names = await user_names(deps, case.organisation_id)
    facts = await activation_facts(deps, case)
    pseudonyms = await repository.defector_pseudonyms(deps.db, [case.id])
    page = CasePage(
        case=case,
        pseudonym=pseudonyms.get(case.id, "—"),
        officer=names.get(case.responsible_officer_id, "—"),
        team=[names.get(u, "—") for u in await repository.team_user_ids(deps.db, case.id)],
        timeline=await _timeline(deps, case, names),
        notes=await notes_for_case(deps, case),
        facts=facts,
        failing_guards=lifecycle.activation_failures(facts),
        next_states=sorted(lifecycle.TRANSITIONS[case.state]),
    )
    for section in extra_sections:
        page.sections[section.name] = await section.load(deps, case)
    await audit(
        deps,
        case,
        "case.read",
        purpose="case work",
        fields=["case", "timeline.reason", "notes.body", *page.sections],
    )
    return page


async def _timeline(deps: Deps, case: Case, names: dict[str, str]) -> list[TimelineItem]:
    items = []
    for event in await repository.timeline(deps.db, case.id):
        reason = ""
        if event.reason_enc is not None:
            reason = str(
                await decrypt(deps, case, "case_events", "reason_enc", event.id, event.reason_enc)
            )
        items.append(
            TimelineItem(
                event.occurred_at,
                event.kind,
                names.get(event.actor_id or "", "—"),
                event.from_state,
                event.to_state,
                event.reason_code,
                reason,
            )
        )
    return items
