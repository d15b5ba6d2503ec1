"""Labels of reminders (bevakningar), marked for the catalogue (``N_``)."""

from __future__ import annotations

from helpline.measures.labels import LIFE_AREA, MEASURE_KIND
from helpline.relocation.labels import STEP_KIND
from helpline.web.labels import N_

KIND = {
    "RELOCATION_STEP": N_("Relocation step due"),
    "MEASURE_REVIEW": N_("Protection measure to review"),
    "MEASURE_ENDS": N_("Protection measure ends"),
    "ACTION_DUE": N_("Action plan: action due"),
    "ACTION_FOLLOW_UP": N_("Action plan: follow-up"),
    "CONSENT_EXPIRY": N_("Consent expires"),
    "PROTECTED_DATA_REVIEW": N_("Protected personal data to review"),
    "THREAT_ASSESSMENT_REVIEW": N_("Threat assessment to review"),
}
LEVEL = {
    "LOW": N_("Low"),
    "MODERATE": N_("Moderate"),
    "HIGH": N_("High"),
    "CONFIDENTIALITY_MARKING": N_("Confidentiality marking"),
    "PROTECTED_REGISTRATION": N_("Protected registration"),
    "FICTITIOUS_IDENTITY": N_("Fictitious identity"),
}
# Every detail code a reminder can carry -> its label.
DETAIL = {**STEP_KIND, **MEASURE_KIND, **LIFE_AREA, **LEVEL}
