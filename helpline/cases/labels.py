"""Message ids for values the case pages show (translated in cases.po); see web/labels.py."""

from __future__ import annotations

from helpline.cases.lifecycle import ClosureReason, ExitReason, Guard
from helpline.cases.schemas import InformationGiven, Motivation, Suitability
from helpline.models.cases import CaseState, Milieu, ReferralSource
from helpline.web.labels import N_

# Enum values are their own msgids: the templates call _(value).
ENUM_MSGIDS = tuple(
    member.value
    for kind in (CaseState, Milieu, ReferralSource, Motivation, Suitability, InformationGiven,
                 ExitReason, ClosureReason)
    for member in kind
)

RULE_MSGIDS = tuple(f"rule:{guard.value}" for guard in Guard) + (
    N_("rule:transition_not_allowed"),
    N_("rule:emergency_protection_not_in"),
    N_("rule:police_case_officer_required"),
    N_("rule:user_id"),
    N_("rule:team_closed"),
    N_("rule:body"),
    N_("rule:corrects_note_id"),
    N_("rule:call_already_linked"),
    N_("rule:call_id"),
)

EVENT_MSGIDS = (
    N_("event:CREATED"),
    N_("event:TRANSITION"),
    N_("event:CLOSURE_REQUESTED"),
    N_("event:EMERGENCY_PROTECTION"),
    N_("event:TEAM_MEMBER_ADDED"),
    N_("event:ELIGIBILITY_UPDATED"),
    N_("event:NOTE_ADDED"),
    N_("event:CALL_LINKED"),
    # Events other domains write on the case timeline.
    N_("event:CONDITIONS_SIGNED"),
    N_("event:CONDITION_BREACH"),
    N_("event:CONSENT_RECORDED"),
    N_("event:CONSENT_REVOKED"),
    N_("event:PERSON_ADDED"),
    N_("event:PERSON_RELATION_ADDED"),
    N_("event:PERSON_RELATION_REMOVED"),
    N_("event:PERSON_UPDATED"),
)

NAVIGATION_MSGIDS = (N_("Cases"), N_("New intake"))

ERROR_MSGIDS = (
    N_("error:required"),
    N_("error:invalid"),
    N_("error:in_future"),
    N_("error:too_long"),
)
