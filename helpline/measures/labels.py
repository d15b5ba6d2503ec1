"""Labels of protection measures and the individual action plan, marked for the catalogue."""

from __future__ import annotations

from helpline.relocation.labels import ERRORS, RULES  # noqa: F401 - shared messages
from helpline.web.labels import N_

MEASURE_KIND = {
    "SAFETY_ADVICE": N_("Safety advice"),
    "EMERGENCY_PROTECTED_HOUSING": N_("Emergency protected housing"),
    "SAFETY_ALARM": N_("Safety alarm"),
    "CONTACT_BAN": N_("Contact ban"),
    "POLICE_PATROL": N_("Police patrol"),
    "NEW_PHONE": N_("New phone and number"),
    "PERSONAL_PROTECTION": N_("Personal protection"),
    "WITNESS_PROTECTION_REFERRAL": N_("Referral to witness protection"),
    "OTHER": N_("Other measure"),
}
MEASURE_STATE = {
    "PLANNED": N_("Planned"),
    "REQUESTED": N_("Requested"),
    "IN_PLACE": N_("In place"),
    "ENDED": N_("Ended"),
    "REFUSED": N_("Refused"),
}
LIFE_AREA = {
    "SAFETY": N_("Safety"),
    "HOUSING": N_("Housing"),
    "INCOME": N_("Income"),
    "EMPLOYMENT": N_("Employment"),
    "EDUCATION": N_("Education"),
    "SUBSTANCE_TREATMENT": N_("Substance treatment"),
    "MENTAL_HEALTH": N_("Mental health"),
    "DEBT": N_("Debt"),
    "SOCIAL_NETWORK": N_("Social network"),
    "FAMILY": N_("Family"),
    "LEGAL": N_("Legal matters"),
}
GOAL_STATE = {
    "OPEN": N_("Open"),
    "ACHIEVED": N_("Achieved"),
    "NOT_ACHIEVED": N_("Not achieved"),
}
ACTION_STATE = {
    "PLANNED": N_("Planned"),
    "IN_PROGRESS": N_("In progress"),
    "DONE": N_("Done"),
    "CANCELLED": N_("Cancelled"),
}
