"""Labels and field messages of the protection domain, marked for the catalogue (``N_``)."""

from __future__ import annotations

from helpline.web.labels import N_

LEVEL = {
    "NONE": N_("No protected personal data"),
    "CONFIDENTIALITY_MARKING": N_("Confidentiality marking (sekretessmarkering)"),
    "PROTECTED_REGISTRATION": N_("Protected population registration (skyddad folkbokföring)"),
    "FICTITIOUS_IDENTITY": N_("Fictitious personal data (fingerade personuppgifter)"),
}
STATE = {
    "NOT_APPLICABLE": N_("Not applicable"),
    "PLANNED": N_("Planned, not yet applied for"),
    "APPLIED": N_("Applied for (already treated as protected)"),
    "GRANTED": N_("Granted"),
    "REFUSED": N_("Refused"),
    "ENDED": N_("Ended"),
}
KIND = {"ADDRESS": N_("Address %(number)s"), "WHEREABOUTS": N_("Whereabouts %(number)s")}
KIND_CHOICE = {"ADDRESS": N_("Address"), "WHEREABOUTS": N_("Whereabouts (temporary stay)")}
ACTION = {
    "vault.read": N_("Vault read"),
    "vault.read_denied": N_("Vault read refused (not named)"),
    "vault.read_refused": N_("Vault read refused (the purpose named the location)"),
    "vault.break_glass": N_("Break-glass read"),
    "vault.break_glass_refused": N_("Break-glass read refused (the reason named the location)"),
    "vault.access_changed": N_("Named users changed"),
}
# Timeline event kinds and the level codes the timeline shows as reason.
EVENT_LABELS = (
    N_("event:PROTECTED_DATA_MEASURE"),
    N_("event:VAULT_ENTRY_ADDED"),
    N_("event:VAULT_ACCESS_CHANGED"),
    N_("event:VAULT_BREAK_GLASS"),
    N_("CONFIDENTIALITY_MARKING"),
    N_("PROTECTED_REGISTRATION"),
    N_("FICTITIOUS_IDENTITY"),
    N_("ADDRESS"),
    N_("WHEREABOUTS"),
    N_("Vault log"),
)
RULES = {
    "case_closed": N_("The case is closed."),
    "not_named": N_(
        "You are not named for this entry. Ask the responsible officer, or break "
        "the glass in an emergency."
    ),
    "already_named": N_("You are named for this entry: read it with a stated purpose instead."),
    "manage_vault": N_("Only the responsible officer or a supervisor may change who is named."),
    "supervisor_required": N_("Only supervisors see the vault log."),
    "name_yourself": N_(
        "You cannot name yourself: ask the responsible officer or another supervisor, or "
        "break the glass in an emergency."
    ),
    "own_alert": N_("Another supervisor must acknowledge the alert about your own read."),
}

# Field error codes -> the sentence shown next to the field. Never the value itself.
ERRORS = {
    "required": N_("This field is required."),
    "invalid": N_("Choose one of the options."),
    "too_long": N_("The text is too long."),
    "too_short": N_("Write a little more: at least five characters."),
    "not_allowed": N_("This field is not part of a protected-data measure."),
    "invalid_date": N_("Enter a date as YYYY-MM-DD."),
    "in_future": N_("The date cannot be in the future."),
    "applied_on_required": N_("Enter the date of the application."),
    "decided_on_required": N_("Enter the date of the decision."),
    "before_applied": N_("The decision cannot come before the application."),
    "before_decided": N_("The review cannot come before the decision."),
    "before_start": N_("The end date cannot come before the start date."),
    "reference_format": N_(
        "Enter the decision's diary number only (digits, at most six letters), never a name."
    ),
    "location_required": N_("Enter an address or a description of the whereabouts."),
    "unknown_person": N_("Choose a person on this case."),
    "not_a_reader": N_("Only users who may read the case can be named."),
    "contains_location": N_("Do not repeat the address in the purpose: describe why you need it."),
}
