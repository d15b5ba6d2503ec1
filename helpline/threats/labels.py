"""Message ids for the values the threat pages show (translated in threats.po).

Values are shown through prefixed msgids (``level:HIGH``, ``rating:J``) so they cannot collide
with another domain's msgid for the same word. Listing them here, marked with ``N_``, puts them
in the extracted catalogue, so the i18n test fails when one lacks a Swedish translation.
"""

from __future__ import annotations

from helpline.models.cases import AssessmentState, ThreatLevel
from helpline.threats.catalogue import (
    ActorKind,
    Imminence,
    Likelihood,
    Measure,
    Rating,
    Severity,
    Timing,
    Trigger,
)
from helpline.threats.rules import Rule
from helpline.web.labels import N_

PREFIXED = {
    "threat_state": AssessmentState,
    "level": ThreatLevel,
    "rating": Rating,
    "timing": Timing,
    "actor_kind": ActorKind,
    "likelihood": Likelihood,
    "imminence": Imminence,
    "severity": Severity,
    "measure": Measure,
    "trigger": Trigger,
}
VALUE_MSGIDS = tuple(f"{prefix}:{m.value}" for prefix, kind in PREFIXED.items() for m in kind)
RULE_MSGIDS = tuple(f"rule:{rule.value}" for rule in Rule)

# The same ids written out, for extraction (a test checks both lists agree).
EXTRACTED = (
    N_("threat_state:DRAFT"), N_("threat_state:SUBMITTED"), N_("threat_state:APPROVED"),
    N_("threat_state:RETURNED"), N_("threat_state:SUPERSEDED"),
    N_("level:LOW"), N_("level:MODERATE"), N_("level:HIGH"),
    N_("rating:N"), N_("rating:D"), N_("rating:J"), N_("rating:UNKNOWN"),
    N_("timing:CURRENT"), N_("timing:HISTORICAL"),
    N_("actor_kind:GROUP"), N_("actor_kind:INDIVIDUAL"), N_("actor_kind:UNKNOWN"),
    N_("likelihood:LOW"), N_("likelihood:MODERATE"), N_("likelihood:HIGH"),
    N_("imminence:IMMEDIATE"), N_("imminence:DAYS"), N_("imminence:WEEKS"),
    N_("imminence:MONTHS"), N_("imminence:UNCLEAR"),
    N_("severity:LIMITED"), N_("severity:SERIOUS"), N_("severity:LIFE_THREATENING"),
    N_("measure:SAFETY_ADVICE"), N_("measure:EMERGENCY_PROTECTED_HOUSING"), N_("measure:ALARM"),
    N_("measure:CONTACT_BAN"), N_("measure:POLICE_PATROL"), N_("measure:NEW_PHONE"),
    N_("measure:PROTECTED_PERSONAL_DATA"), N_("measure:RELOCATION"),
    N_("measure:WITNESS_PROTECTION_REFERRAL"),
    N_("trigger:INITIAL"), N_("trigger:PERIODIC_REVIEW"), N_("trigger:NEW_THREAT_INFORMATION"),
    N_("trigger:INCIDENT_OR_EXPOSURE"), N_("trigger:RELOCATION"), N_("trigger:HANDOVER"),
    N_("trigger:BREACH_OF_CONDITIONS"), N_("trigger:BEFORE_CLOSURE"),
    N_("rule:police_case_officer_required"), N_("rule:threat_case_not_open"),
    N_("rule:threat_open_version_exists"), N_("rule:threat_version_not_editable"),
    N_("rule:threat_version_not_submitted"), N_("rule:threat_all_factors_rated"),
    N_("rule:threat_overall_level_set"), N_("rule:threat_scenarios_complete"),
    N_("rule:threat_lowered_level_justified"), N_("rule:threat_reviewer_is_a_supervisor"),
    N_("rule:threat_reviewer_is_not_an_author"), N_("rule:threat_return_needs_comment"),
    N_("rule:threat_trigger_given"),
    # Fields named by a refused form (InvalidInput keys) and error codes.
    N_("error:unrated"), N_("error:too_many"),
    # The case timeline's event kinds.
    N_("event:THREAT_ASSESSMENT_STARTED"), N_("event:THREAT_ASSESSMENT_SAVED"),
    N_("event:THREAT_ASSESSMENT_SUBMITTED"), N_("event:THREAT_ASSESSMENT_RETURNED"),
    N_("event:THREAT_ASSESSMENT_REOPENED"), N_("event:THREAT_ASSESSMENT_APPROVED"),
    # Field labels of the comparison (views.FIELD_LABELS) and the navigation entry.
    N_("Overall level"), N_("Acute"), N_("Recommended measures"), N_("Measures: details"),
    N_("Protection need"), N_("Information sources"),
    N_("Justification for a lowered level"), N_("Threat assessments"),
)
