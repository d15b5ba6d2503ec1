"""The rules of the threat assessment, free of I/O so each can be tested on its own.

States (DOMAIN.md §5): DRAFT → SUBMITTED → APPROVED, or SUBMITTED → RETURNED (comment required)
→ DRAFT. An APPROVED version is immutable and is SUPERSEDED by the next approved one. Review is
due per level; past the due date the assessment is OVERDUE, which blocks case activation and
sending a handover.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, timedelta

from helpline.models.cases import AssessmentState as A
from helpline.models.cases import ThreatLevel
from helpline.threats.catalogue import Catalogue
from helpline.threats.schemas import AssessmentInput


class Rule(enum.StrEnum):
    """A named rule; refusals name it (page message, API ``rules``)."""

    POLICE_CASE_WORKER = "police_case_officer_required"
    CASE_NOT_OPEN = "threat_case_not_open"
    OPEN_VERSION_EXISTS = "threat_open_version_exists"
    NOT_EDITABLE = "threat_version_not_editable"
    NOT_SUBMITTED = "threat_version_not_submitted"
    FACTORS_RATED = "threat_all_factors_rated"
    LEVEL_SET = "threat_overall_level_set"
    SCENARIOS_COMPLETE = "threat_scenarios_complete"
    LOWERING_JUSTIFIED = "threat_lowered_level_justified"
    REVIEWER_SUPERVISOR = "threat_reviewer_is_a_supervisor"
    FOUR_EYES = "threat_reviewer_is_not_an_author"
    RETURN_COMMENT = "threat_return_needs_comment"
    TRIGGER_GIVEN = "threat_trigger_given"


class Status(enum.StrEnum):
    """What the case and handover guards see."""

    CURRENT = "CURRENT"
    OVERDUE = "OVERDUE"
    MISSING = "MISSING"


# Review intervals in days (DOMAIN.md §5, proposal). One place; see the report for settings.
REVIEW_DAYS: Mapping[ThreatLevel, int] = {
    ThreatLevel.HIGH: 30,
    ThreatLevel.MODERATE: 90,
    ThreatLevel.LOW: 180,
}
ACUTE_REVIEW_DAYS = 30
DUE_SOON_DAYS = 14

EDITABLE = frozenset({A.DRAFT, A.RETURNED})
OPEN = frozenset({A.DRAFT, A.SUBMITTED, A.RETURNED})
LEVEL_ORDER = {ThreatLevel.LOW: 0, ThreatLevel.MODERATE: 1, ThreatLevel.HIGH: 2}


def review_due_on(
    level: ThreatLevel,
    acute: bool,
    *,
    approved_on: date,
    days: Mapping[ThreatLevel, int] = REVIEW_DAYS,
    acute_days: int = ACUTE_REVIEW_DAYS,
) -> date:
    interval = days[level]
    if acute:
        interval = min(interval, acute_days)
    return approved_on + timedelta(days=interval)


def status_of(review_due_on: date | None, *, today: date) -> Status:
    """CURRENT until and including the due date; the same test the activation guard makes."""
    if review_due_on is None:
        return Status.MISSING
    return Status.CURRENT if review_due_on >= today else Status.OVERDUE


def is_lowered(
    previous: tuple[ThreatLevel | None, bool] | None, new: tuple[ThreatLevel | None, bool]
) -> bool:
    """A lower overall level than the approved version it replaces, or the acute flag taken off."""
    if previous is None or previous[0] is None or new[0] is None:
        return False
    before, was_acute = previous
    after, now_acute = new
    return LEVEL_ORDER[after] < LEVEL_ORDER[before] or (was_acute and not now_acute)


def submission_failures(
    data: AssessmentInput,
    catalogue: Catalogue,
    *,
    previous: tuple[ThreatLevel | None, bool] | None,
) -> tuple[list[Rule], dict[str, str]]:
    """The rules an assessment breaks if submitted now, and the fields that break them."""
    fields: dict[str, str] = {}
    rules: list[Rule] = []
    for code in catalogue.codes:
        factor = data.factors.get(code)
        if factor is None or factor.rating is None:
            fields[f"factors.{code}.rating"] = "unrated"
    if fields:
        rules.append(Rule.FACTORS_RATED)
    if data.overall_level is None:
        rules.append(Rule.LEVEL_SET)
        fields["overall_level"] = "required"
    for index, scenario in enumerate(data.scenarios):
        for name in ("what", "likelihood", "imminence", "severity"):
            if not getattr(scenario, name):
                fields[f"scenarios.{index}.{name}"] = "required"
                if Rule.SCENARIOS_COMPLETE not in rules:
                    rules.append(Rule.SCENARIOS_COMPLETE)
    lowered = is_lowered(previous, (data.overall_level, data.acute))
    if lowered and not data.level_justification.strip():
        rules.append(Rule.LOWERING_JUSTIFIED)
        fields["level_justification"] = "required"
    return rules, fields
