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


TRUE_VALUES = (True, "yes", "true", "1", "on")
FALSE_VALUES = (False, "no", "false", "0")


def parse_tristate(value: object) -> bool | None:
    """Yes / no / not yet answered, from a form or JSON."""
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    return None


# --- JSON Schema fragments for the case API (the shared ones: helpline.api.schema) ----------

# A time as ``parse_local_datetime`` (cases/forms.py) reads it: ISO 8601 date and time, with an
# offset or "Z", or without one (``datetime-local``, Swedish time). Every date is a real one
# (leap years included), years 1000 to 9999.
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)"
_DATE = f"(?:[1-9][0-9]{{3}}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = "(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
LOCAL_DATETIME = f"^{_DATE}T{_TIME}{_OFFSET}$"


TRISTATE_SCHEMA = {
    "enum": [*TRUE_VALUES, *FALSE_VALUES, "", None],
    "description": 'Yes: true, "yes", "true", "1" or "on"; no: false, "no", "false" or "0"; '
                   'not yet answered: null or "" (or left out).',
}
