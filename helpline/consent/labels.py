"""Labels and field messages of consent and conditions, marked for the catalogue (``N_``)."""

from __future__ import annotations

from helpline.persons.labels import ERRORS as PERSON_ERRORS
from helpline.web.labels import N_

CATEGORY = {
    "IDENTITY": N_("Identity"),
    "THREAT_ASSESSMENT": N_("Threat assessment"),
    "CRIMINAL_HISTORY": N_("Criminal history"),
    "HEALTH_SUBSTANCE": N_("Health and substance use"),
    "FINANCES": N_("Finances"),
    "LOCATION": N_("Where the person lives or stays"),
    "FAMILY": N_("Family"),
    "ACTION_PLAN": N_("Action plan"),
}
PURPOSE = {
    "POLICE_REGISTER_CHECKS": N_("Checks in police registers"),
    "INFO_EXCHANGE_EXIT": N_("Exchange of information between the authorities for the exit"),
    "HANDOVER_RECEIVING_MUNICIPALITY": N_("Handover to the receiving municipality"),
    "PROTECTED_DATA_APPLICATION": N_("Application for protected personal data"),
}
FORM = {"WRITTEN": N_("Written"), "ORAL": N_("Oral")}
DECISION = {"GIVEN": N_("Consent given"), "REFUSED": N_("Consent refused")}
STATE = {
    "GIVEN": N_("Given"),
    "REFUSED": N_("Refused"),
    "REVOKED": N_("Revoked"),
    "SUPERSEDED": N_("Replaced by a newer version"),
    "EXPIRED": N_("Expired"),
    "NOT_YET_VALID": N_("Not yet valid"),
}
REVOCATION_METHOD = {
    "WRITTEN": N_("In writing"),
    "ORAL": N_("Orally, in person"),
    "PHONE": N_("By phone"),
    "VIA_REPRESENTATIVE": N_("Through a representative"),
}
CONDITION = {
    "NO_CRIME": N_("No crime"),
    "NO_DRUGS": N_("No drugs"),
    "DRUG_TESTS": N_("Drug tests"),
    "MEETINGS": N_("Attend meetings"),
    "NO_CONTACT_WITH_MILIEU": N_("No contact with the criminal milieu"),
    "FOLLOW_SAFETY_ADVICE": N_("Follow safety advice"),
}
CONSEQUENCE = {
    "WARNING": N_("Warning"),
    "CONDITIONS_REVIEWED": N_("Conditions reviewed"),
    "PROTECTION_REDUCED": N_("Protection reduced"),
    "PROGRAMME_ENDED": N_("Programme ended"),
}

ERRORS = {
    **PERSON_ERRORS,
    "before_valid_from": N_("The end date cannot be before the start date."),
    "unknown_organisation": N_("Choose recipients from the list."),
    "age_unknown": N_("Record the birth year first: a minor needs a guardian to consent."),
    "guardian_required": N_("The person is a minor: choose the guardian who consents."),
    "not_a_guardian": N_("The chosen person is not recorded as this person's guardian."),
    "before_agreement": N_("The date is before the conditions were signed."),
    "not_in_agreement": N_("Choose one of the conditions the person signed."),
}

# Rule codes (RuleViolation) -> sentence for pages.
RULES = {
    "case_closed": N_("The case is closed."),
    "consent_not_revocable": N_("Only a consent that is in force can be revoked."),
    "no_conditions_agreement": N_("Record the signed conditions first."),
}
