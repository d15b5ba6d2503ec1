"""The case state machine (DOMAIN.md §7): which transitions exist and what each requires.

Pure rules over facts gathered by the service, so every guard can be tested on its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from helpline.models.cases import CaseState as S


class Guard(enum.StrEnum):
    """A named requirement; the API and the page report the ones that failed."""

    THREAT_DOCUMENTED = "threat_documented"
    CONSENT_VALID = "consent_valid_for_register_checks_and_information_exchange"
    CONDITIONS_SIGNED = "conditions_signed"
    NOT_WITNESS = "not_a_witness"
    ADULT_OR_MUNICIPALITY_LED = "adult_or_municipality_led"
    ASSESSMENT_APPROVED = "current_approved_threat_assessment"
    REASON_GIVEN = "reason_given"
    SUPERVISOR = "supervisor_approval"
    FOUR_EYES = "approver_is_not_the_requester"
    CLOSURE_REQUESTED = "closure_requested"


class ExitReason(enum.StrEnum):
    MINOR = "MINOR"  # minors are the municipality's (DOMAIN.md §1)
    WITNESS = "WITNESS"  # witnesses belong to witness protection
    OTHER_REFERRAL = "OTHER_REFERRAL"
    CRITERIA_NOT_MET = "CRITERIA_NOT_MET"
    CONSENT_REFUSED = "CONSENT_REFUSED"
    NOT_MOTIVATED = "NOT_MOTIVATED"


class ClosureReason(enum.StrEnum):
    GOALS_MET = "GOALS_MET"
    HANDED_OVER_FOLLOW_UP_DONE = "HANDED_OVER_FOLLOW_UP_DONE"
    PERSON_WITHDREW = "PERSON_WITHDREW"
    CONDITIONS_BREACHED = "CONDITIONS_BREACHED"
    CONSENT_REVOKED = "CONSENT_REVOKED"
    OTHER = "OTHER"


REFERRAL_REASONS = frozenset({ExitReason.MINOR, ExitReason.WITNESS, ExitReason.OTHER_REFERRAL})
NOT_ELIGIBLE_REASONS = frozenset(
    {ExitReason.CRITERIA_NOT_MET, ExitReason.CONSENT_REFUSED, ExitReason.NOT_MOTIVATED}
)

# Transitions the case service performs on request. Handover states move only through the
# handover domain (sealed to the receiving municipality, signed, four-eyes, re-authenticated,
# accepted by the municipality: DOMAIN.md §6), which does not exist yet, so no request moves a
# case into or out of them; closure goes through request + supervisor approval (see service).
TRANSITIONS: dict[S, frozenset[S]] = {
    S.CONTACT: frozenset({S.INTAKE_BOOKED, S.ASSESSMENT}),
    S.INTAKE_BOOKED: frozenset({S.ASSESSMENT}),
    S.ASSESSMENT: frozenset({S.ACTIVE, S.REFERRED, S.NOT_ELIGIBLE}),
    S.ACTIVE: frozenset(),
    S.HANDOVER_PENDING: frozenset(),
    S.HANDED_OVER: frozenset(),
    S.CLOSED: frozenset(),
    S.REFERRED: frozenset(),
    S.NOT_ELIGIBLE: frozenset(),
}
CLOSABLE = frozenset({S.ACTIVE, S.HANDED_OVER, S.ASSESSMENT})
# States in which a case's work is over; every other one is still being worked.
FINISHED = frozenset({S.CLOSED, S.REFERRED, S.NOT_ELIGIBLE})


@dataclass(frozen=True)
class ActivationFacts:
    threat_documented: bool | None
    consent_valid: bool
    conditions_signed: bool
    is_witness: bool | None
    is_adult: bool | None
    municipality_led: bool
    assessment_current: bool


def activation_failures(facts: ActivationFacts) -> list[Guard]:
    checks = (
        (Guard.THREAT_DOCUMENTED, facts.threat_documented is True),
        (Guard.CONSENT_VALID, facts.consent_valid),
        (Guard.CONDITIONS_SIGNED, facts.conditions_signed),
        (Guard.NOT_WITNESS, facts.is_witness is False),
        (Guard.ADULT_OR_MUNICIPALITY_LED, facts.is_adult is True or facts.municipality_led),
        (Guard.ASSESSMENT_APPROVED, facts.assessment_current),
    )
    return [guard for guard, ok in checks if not ok]


def exit_reason_fits(target: S, reason: str | None) -> bool:
    allowed = REFERRAL_REASONS if target is S.REFERRED else NOT_ELIGIBLE_REASONS
    return reason in {r.value for r in allowed}


def routing_for_intake(*, is_adult: bool | None, is_witness: bool | None) -> ExitReason | None:
    """DOMAIN.md §1: witnesses go to witness protection, minors to the municipality."""
    if is_witness:
        return ExitReason.WITNESS
    if is_adult is False:
        return ExitReason.MINOR
    return None
