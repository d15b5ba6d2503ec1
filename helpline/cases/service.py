"""Case rules: opening a case from an intake, transitions with their guards, closure, team.

Every change writes a timeline event and an audit event in the same transaction; reasons given
as free text are encrypted under the case's data key. Functions take the acting user through
``deps.context`` (zulip's ``acting_user`` habit) and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline import clock
from helpline.audit import AuditContext, record
from helpline.calls.repository import readable_calls
from helpline.cases import lifecycle, repository
from helpline.cases.access import CASE_ROLES, can_supervise
from helpline.cases.lifecycle import ActivationFacts, Guard
from helpline.cases.reference import new_case_reference
from helpline.cases.schemas import IntakeInput
from helpline.db import new_id
from helpline.errors import InvalidInput, RuleViolation
from helpline.keys import KeyService, case_scope
from helpline.models.calls import HelplineCall
from helpline.models.cases import Case, CaseEvent, CaseState, CaseTeamMember, IntakeInterview
from helpline.models.org import OrganisationType
from helpline.models.users import Role, User

REGISTER_CHECKS = "POLICE_REGISTER_CHECKS"
INFO_EXCHANGE = "INFO_EXCHANGE_EXIT"
MAX_REASON = 2000


@dataclass(frozen=True)
class Deps:
    db: AsyncSession
    keys: KeyService
    context: AuditContext

    @property
    def actor(self) -> User:
        assert self.context.actor is not None, "case changes always have an acting user"
        return self.context.actor


def binding(case: Case, table: str, column: str, row_id: str) -> crypto.FieldBinding:
    return crypto.FieldBinding(
        organisation=case.organisation_id, table=table, column=column, row_id=row_id
    )


async def encrypt(
    deps: Deps, case: Case, table: str, column: str, row_id: str, value: Any
) -> bytes:
    return await deps.keys.encrypt(
        deps.db,
        scope=case_scope(case.id),
        binding=binding(case, table, column, row_id),
        value=value,
    )


async def decrypt(deps: Deps, case: Case, table: str, column: str, row_id: str, blob: bytes) -> Any:
    return await deps.keys.decrypt(
        deps.db,
        scope=case_scope(case.id),
        binding=binding(case, table, column, row_id),
        blob=blob,
    )


async def audit(deps: Deps, case: Case, action: str, **kwargs: Any) -> None:
    await record(
        deps.db,
        context=deps.context,
        action=action,
        organisation_id=case.organisation_id,
        object_type="case",
        object_id=case.id,
        **kwargs,
    )


async def add_event(
    deps: Deps,
    case: Case,
    kind: str,
    *,
    from_state: str | None = None,
    to_state: str | None = None,
    reason_code: str | None = None,
    reason_text: str = "",
) -> CaseEvent:
    event = CaseEvent(
        id=new_id(),
        case_id=case.id,
        organisation_id=case.organisation_id,
        occurred_at=clock.now(),
        actor_id=deps.actor.id,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        reason_code=reason_code,
    )
    if reason_text:
        event.reason_enc = await encrypt(
            deps, case, "case_events", "reason_enc", event.id, reason_text[:MAX_REASON]
        )
    deps.db.add(event)
    case.last_entry_at = event.occurred_at
    return event


def _require_police_case_worker(actor: User) -> None:
    if actor.role not in (Role.POLICE_CASE_OFFICER, Role.SUPERVISOR):
        raise RuleViolation("police_case_officer_required")
    if actor.organisation.type is not OrganisationType.POLICE:
        raise RuleViolation("police_case_officer_required")


async def _unique_reference(deps: Deps) -> str:
    for _ in range(10):
        reference = new_case_reference()
        if not await repository.reference_exists(deps.db, reference):
            return reference
    raise RuntimeError("could not draw a free case reference")  # 32^8: never in practice


def _check_intake(data: IntakeInput) -> None:
    errors: dict[str, str] = {}
    if data.held_at > clock.now():
        errors["held_at"] = "in_future"
    if len(data.participants) > 20 or any(len(p) > 200 for p in data.participants):
        errors["participants"] = "too_long"
    if len(data.notes) > 20_000:
        errors["notes"] = "too_long"
    if errors:
        raise InvalidInput(errors)


async def open_case_from_intake(deps: Deps, data: IntakeInput) -> Case:
    """An intake interview opens a case in ASSESSMENT; minors and witnesses are routed away."""
    actor = deps.actor
    _require_police_case_worker(actor)
    _check_intake(data)
    case = Case(
        id=new_id(),
        organisation_id=actor.organisation_id,
        reference=await _unique_reference(deps),
        state=CaseState.ASSESSMENT,
        milieu=data.milieu,
        referral_source=data.referral_source,
        responsible_officer_id=actor.id,
        definition_met=data.definition_met,
        threat_documented=data.threat_documented,
        is_adult=data.is_adult,
        is_witness=data.is_witness,
        motivated=data.motivation.value != "LOW_AMBIVALENT",
        created_at=clock.now(),
        last_entry_at=clock.now(),
    )
    deps.db.add(case)
    await deps.db.flush()
    await _add_interview(deps, case, data)
    await add_event(deps, case, "CREATED", to_state=CaseState.ASSESSMENT)
    if data.call_id:
        await _link_call(deps, case, data.call_id)
    await audit(deps, case, "case.created", details={"call_id": data.call_id})
    route = lifecycle.routing_for_intake(is_adult=data.is_adult, is_witness=data.is_witness)
    if route is not None:
        await _move(deps, case, CaseState.REFERRED, reason_code=route)
    return case


async def _link_call(deps: Deps, case: Case, call_id: str) -> None:
    """The call the intake came from now points at the case (only a call the actor may read)."""
    call = (
        await deps.db.execute(readable_calls(deps.actor).where(HelplineCall.id == call_id))
    ).scalar_one_or_none()
    if call is None:
        raise InvalidInput({"call_id": "not_found"})
    if call.case_id is not None and call.case_id != case.id:
        raise RuleViolation("call_already_linked")
    call.case_id = case.id
    await add_event(deps, case, "CALL_LINKED")


async def _add_interview(deps: Deps, case: Case, data: IntakeInput) -> None:
    interview = IntakeInterview(
        id=new_id(),
        case_id=case.id,
        organisation_id=case.organisation_id,
        call_id=data.call_id,
        held_at=data.held_at,
        participants=list(data.participants),
        motivation=data.motivation.value,
        suitability=data.suitability.value,
        information_given=[item.value for item in data.information_given],
        created_by_id=deps.actor.id,
    )
    if data.notes:
        interview.notes_enc = await encrypt(
            deps, case, "intake_interviews", "notes_enc", interview.id, data.notes
        )
    deps.db.add(interview)


async def activation_facts(deps: Deps, case: Case) -> ActivationFacts:
    today = clock.today()
    defector = await repository.defector_of(deps.db, case.id)
    consent_ok = False
    if defector is not None:
        purposes: set[str] = set()
        for consent in await repository.valid_consents(deps.db, defector.id, on=today):
            purposes.update(consent.purposes)
        consent_ok = {REGISTER_CHECKS, INFO_EXCHANGE} <= purposes
    assessment = await repository.current_assessment(deps.db, case.id)
    return ActivationFacts(
        threat_documented=case.threat_documented,
        consent_valid=consent_ok,
        conditions_signed=await repository.conditions_signed(deps.db, case.id),
        is_witness=case.is_witness,
        is_adult=case.is_adult,
        municipality_led=case.municipality_led,
        assessment_current=bool(
            assessment and assessment.review_due_on and assessment.review_due_on >= today
        ),
    )


async def transition(
    deps: Deps,
    case: Case,
    *,
    to: CaseState,
    reason_code: str | None = None,
    reason_text: str = "",
) -> None:
    """Move the case along an allowed edge, after checking that edge's guards."""
    if reason_code is not None and reason_code not in lifecycle.ExitReason.__members__:
        # A code, never free text: it is kept in clear on the timeline and in the audit event.
        raise InvalidInput({"reason_code": "invalid"})
    if to not in lifecycle.TRANSITIONS[case.state]:
        raise RuleViolation(f"transition_not_allowed:{case.state.value}->{to.value}")
    if to in (CaseState.REFERRED, CaseState.NOT_ELIGIBLE):
        if not lifecycle.exit_reason_fits(to, reason_code):
            raise RuleViolation(Guard.REASON_GIVEN)
    if to is CaseState.ACTIVE:
        failures = lifecycle.activation_failures(await activation_facts(deps, case))
        if failures:
            raise RuleViolation(*failures)
    await _move(deps, case, to, reason_code=reason_code, reason_text=reason_text)


async def _move(
    deps: Deps,
    case: Case,
    to: CaseState,
    *,
    reason_code: str | None = None,
    reason_text: str = "",
) -> None:
    before = case.state
    case.state = to
    if to in (CaseState.REFERRED, CaseState.NOT_ELIGIBLE):
        case.exit_reason = reason_code
    if to is not CaseState.CLOSED:
        # A closure asked for in one state is not approved in another: the case has moved on.
        case.closure_requested_by_id = case.closure_reason = None
    await add_event(
        deps,
        case,
        "TRANSITION",
        from_state=before,
        to_state=to,
        reason_code=reason_code,
        reason_text=reason_text,
    )
    await audit(
        deps,
        case,
        "case.transition",
        details={"from": before.value, "to": to.value, "reason": reason_code},
    )


async def request_closure(deps: Deps, case: Case, *, reason_code: str, reason_text: str) -> None:
    if case.state not in lifecycle.CLOSABLE:
        raise RuleViolation(f"transition_not_allowed:{case.state.value}->CLOSED")
    if reason_code not in {r.value for r in lifecycle.ClosureReason}:
        raise RuleViolation(Guard.REASON_GIVEN)
    case.closure_reason, case.closure_requested_by_id = reason_code, deps.actor.id
    await add_event(
        deps, case, "CLOSURE_REQUESTED", reason_code=reason_code, reason_text=reason_text
    )
    await audit(deps, case, "case.closure_requested", details={"reason": reason_code})


async def approve_closure(deps: Deps, case: Case) -> None:
    """Closure needs a supervisor who did not ask for it (four eyes)."""
    if case.closure_requested_by_id is None or case.state not in lifecycle.CLOSABLE:
        raise RuleViolation(Guard.CLOSURE_REQUESTED)
    if not can_supervise(deps.actor, case):
        raise RuleViolation(Guard.SUPERVISOR)
    if case.closure_requested_by_id == deps.actor.id:
        raise RuleViolation(Guard.FOUR_EYES)
    await _move(deps, case, CaseState.CLOSED, reason_code=case.closure_reason)


async def start_emergency_protection(deps: Deps, case: Case, *, reason_text: str) -> None:
    """Protection before activation: in ASSESSMENT, by a supervisor, with a reason."""
    if case.state is not CaseState.ASSESSMENT:
        raise RuleViolation(f"emergency_protection_not_in:{case.state.value}")
    if not can_supervise(deps.actor, case):
        raise RuleViolation(Guard.SUPERVISOR)
    if not reason_text.strip():
        raise RuleViolation(Guard.REASON_GIVEN)
    case.emergency_protection_by_id = deps.actor.id
    await add_event(deps, case, "EMERGENCY_PROTECTION", reason_text=reason_text)
    await audit(deps, case, "case.emergency_protection")


async def add_team_member(deps: Deps, case: Case, *, user_id: str) -> None:
    """Someone of the organisation who works cases, while the case's work goes on."""
    if case.state in lifecycle.FINISHED:
        raise RuleViolation(f"team_closed:{case.state.value}")
    member = await repository.organisation_user(deps.db, case.organisation_id, user_id)
    if member is None or not member.is_active:
        raise InvalidInput({"user_id": "not_in_organisation"})
    if member.role not in CASE_ROLES:  # an auditor or administrator reads no case
        raise InvalidInput({"user_id": "not_a_case_role"})
    if user_id in await repository.team_user_ids(deps.db, case.id):
        return
    deps.db.add(
        CaseTeamMember(
            case_id=case.id,
            user_id=user_id,
            organisation_id=case.organisation_id,
            added_at=clock.now(),
        )
    )
    await add_event(deps, case, "TEAM_MEMBER_ADDED")
    await audit(deps, case, "case.team_member_added", details={"user_id": user_id})


async def set_eligibility(deps: Deps, case: Case, **answers: bool | None) -> None:
    allowed = {
        "definition_met",
        "threat_documented",
        "motivated",
        "is_witness",
        "is_adult",
        "municipality_led",
    }
    unknown = set(answers) - allowed
    if unknown:
        raise InvalidInput({name: "unknown_field" for name in unknown})
    for name, value in answers.items():
        setattr(case, name, bool(value) if name == "municipality_led" else value)
    await add_event(deps, case, "ELIGIBILITY_UPDATED")
    await audit(deps, case, "case.eligibility_updated", fields=sorted(answers))
