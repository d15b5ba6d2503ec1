"""The factor catalogues of the structured threat assessment (DOMAIN.md §5), as versioned data.

A catalogue is never edited once assessments use it: a changed factor list is a new catalogue
version, and every assessment keeps the version it was made with, so an old version renders
with its own factors. Labels are English msgids (translated in threats.po), marked with ``N_``.
The value lists (ratings, actor kinds, scenario scales, measures, triggers) are here too: they
are part of what an assessment means and are shared by the forms, the API and the templates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from helpline.web.labels import N_


class Rating(enum.StrEnum):
    """Structured professional judgement: absent, partly present, present, not known."""

    N = "N"
    D = "D"
    J = "J"
    UNKNOWN = "UNKNOWN"


class Timing(enum.StrEnum):
    CURRENT = "CURRENT"
    HISTORICAL = "HISTORICAL"


class ActorKind(enum.StrEnum):
    GROUP = "GROUP"
    INDIVIDUAL = "INDIVIDUAL"
    UNKNOWN = "UNKNOWN"


class Likelihood(enum.StrEnum):
    LOW = "LOW"
    MODERATE = "MODERATE"
    HIGH = "HIGH"


class Imminence(enum.StrEnum):
    """How soon the scenario could happen."""

    IMMEDIATE = "IMMEDIATE"
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    UNCLEAR = "UNCLEAR"


class Severity(enum.StrEnum):
    LIMITED = "LIMITED"
    SERIOUS = "SERIOUS"
    LIFE_THREATENING = "LIFE_THREATENING"


class Measure(enum.StrEnum):
    """Recommended protection measures (the ProtectionMeasure kinds of DOMAIN.md §3)."""

    SAFETY_ADVICE = "SAFETY_ADVICE"
    EMERGENCY_PROTECTED_HOUSING = "EMERGENCY_PROTECTED_HOUSING"
    ALARM = "ALARM"
    CONTACT_BAN = "CONTACT_BAN"
    POLICE_PATROL = "POLICE_PATROL"
    NEW_PHONE = "NEW_PHONE"
    PROTECTED_PERSONAL_DATA = "PROTECTED_PERSONAL_DATA"
    RELOCATION = "RELOCATION"
    WITNESS_PROTECTION_REFERRAL = "WITNESS_PROTECTION_REFERRAL"


class Trigger(enum.StrEnum):
    """Why an assessment (or reassessment) was started (DOMAIN.md §5)."""

    INITIAL = "INITIAL"
    PERIODIC_REVIEW = "PERIODIC_REVIEW"
    NEW_THREAT_INFORMATION = "NEW_THREAT_INFORMATION"
    INCIDENT_OR_EXPOSURE = "INCIDENT_OR_EXPOSURE"
    RELOCATION = "RELOCATION"
    HANDOVER = "HANDOVER"
    BREACH_OF_CONDITIONS = "BREACH_OF_CONDITIONS"
    BEFORE_CLOSURE = "BEFORE_CLOSURE"


@dataclass(frozen=True)
class Factor:
    code: str
    label: str  # English msgid


@dataclass(frozen=True)
class Section:
    code: str
    title: str  # English msgid
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class Catalogue:
    version: str
    sections: tuple[Section, ...]

    @property
    def factors(self) -> tuple[Factor, ...]:
        return tuple(f for s in self.sections for f in s.factors)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.factors)


def _section(code: str, title: str, labels: tuple[str, ...]) -> Section:
    return Section(
        code, title, tuple(Factor(f"{code}{n}", label) for n, label in enumerate(labels, 1))
    )


HELPLINE_2026_1 = Catalogue(
    version="helpline-2026.1",
    sections=(
        _section("A", N_("A. Threat actor and milieu"), (
            N_("Capacity for violence"),
            N_("Stated threats or intent"),
            N_("Access to weapons"),
            N_("Earlier punishment of defectors"),
            N_("Escalation"),
            N_("Ability to locate the person"),
            N_("Debts or claims"),
            N_("Ongoing conflict"),
            N_("Knowledge of family and network"),
        )),
        _section("B", N_("B. The person"), (
            N_("Continued contact with the milieu"),
            N_("Substance abuse"),
            N_("Mental ill-health"),
            N_("Impulsivity"),
            N_("Own ongoing crime or investigation"),
            N_("Visibility (social media)"),
            N_("Ambivalence"),
        )),
        _section("C", N_("C. Vulnerability"), (
            N_("Home known to the milieu"),
            N_("Relatives or children exposed"),
            N_("Weak support"),
            N_("Financial vulnerability"),
            N_("Extreme fear"),
            N_("Inconsistent stance towards the group"),
            N_("Dangerous situation"),
        )),
    ),
)

CATALOGUES: dict[str, Catalogue] = {HELPLINE_2026_1.version: HELPLINE_2026_1}
CURRENT_VERSION = HELPLINE_2026_1.version


def catalogue(version: str | None = None) -> Catalogue:
    """The catalogue an assessment was made with (the current one for a new assessment)."""
    try:
        return CATALOGUES[version or CURRENT_VERSION]
    except KeyError as exc:  # a stored version always exists; anything else is a bug
        raise LookupError(f"unknown threat catalogue {version!r}") from exc
