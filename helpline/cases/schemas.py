"""Input shapes and value lists of the case domain, parsed at the boundary."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from helpline.models.cases import Milieu, ReferralSource


class Motivation(enum.StrEnum):
    HIGH = "HIGH"
    MODERATE = "MODERATE"
    LOW_AMBIVALENT = "LOW_AMBIVALENT"


class Suitability(enum.StrEnum):
    SUITABLE = "SUITABLE"
    NOT_SUITABLE = "NOT_SUITABLE"
    UNDER_REVIEW = "UNDER_REVIEW"


class InformationGiven(enum.StrEnum):
    """The intake checklist: what the person has been told."""

    WHAT_DEFECTING_INVOLVES = "WHAT_DEFECTING_INVOLVES"
    CONDITIONS = "CONDITIONS"
    CONSENT_AND_INFORMATION_SHARING = "CONSENT_AND_INFORMATION_SHARING"
    PROTECTED_PERSONAL_DATA = "PROTECTED_PERSONAL_DATA"
    RELOCATION = "RELOCATION"
    SOCIAL_SERVICES_ROLE = "SOCIAL_SERVICES_ROLE"
    ACUTE_DANGER_CALL_112 = "ACUTE_DANGER_CALL_112"


@dataclass(frozen=True)
class IntakeInput:
    held_at: datetime
    motivation: Motivation
    suitability: Suitability
    participants: list[str] = field(default_factory=list)
    information_given: list[InformationGiven] = field(default_factory=list)
    definition_met: bool | None = None
    threat_documented: bool | None = None
    is_adult: bool | None = None
    is_witness: bool | None = None
    milieu: Milieu | None = None
    referral_source: ReferralSource | None = None
    notes: str = ""
    call_id: str | None = None


def parse_enum(
    kind: type[enum.StrEnum],
    value: object,
    field_name: str,
    errors: dict[str, str],
    *,
    required: bool = True,
) -> object:
    """The enum member for ``value``; records ``required`` / ``invalid`` under field_name."""
    if value in (None, ""):
        if required:
            errors[field_name] = "required"
        return None
    try:
        return kind(str(value))
    except ValueError:
        errors[field_name] = "invalid"
        return None


def parse_tristate(value: object) -> bool | None:
    """Yes / no / not yet answered, from a form or JSON."""
    if value in (True, "yes", "true", "1", "on"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    return None
