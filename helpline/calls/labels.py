"""Labels for the calls domain's choices, marked for the catalogue (translated in templates)."""

from __future__ import annotations

from helpline.web.labels import N_

CALLER_TYPE = {
    "SELF": N_("The person themselves"),
    "RELATIVE": N_("Relative"),
    "PROFESSIONAL": N_("Professional"),
    "UNKNOWN": N_("Unknown"),
}
CHANNEL = {
    "HELPLINE": N_("Helpline (phone)"),
    "SWITCHBOARD": N_("Police switchboard (114 14)"),
    "SOCIAL_SERVICES": N_("Social services"),
    "PRISON_PROBATION": N_("Prison and probation service"),
    "OTHER_AUTHORITY": N_("Other authority"),
    "WALK_IN": N_("Walk-in"),
}
OUTCOME = {
    "MEETING_BOOKED": N_("Meeting booked"),
    "REFERRED": N_("Referred"),
    "NO_ACTION": N_("No action"),
    "CASE_OPENED": N_("Case opened"),
}
STATUS = {
    "RINGING": N_("Ringing"),
    "IN_PROGRESS": N_("In progress"),
    "COMPLETED": N_("Ended"),
    "BUSY": N_("Busy"),
    "NO_ANSWER": N_("Not answered"),
    "FAILED": N_("Failed"),
    "CANCELED": N_("Caller hung up"),
}
CALLBACK_OUTCOME = {
    "REACHED": N_("Reached"),
    "NOT_REACHED": N_("Not reached"),
    "NOT_NEEDED": N_("No longer needed"),
}
CALLBACK_STATE = {"OPEN": N_("Open"), "DONE": N_("Done")}
NAVIGATION = (N_("Calls"), N_("Callbacks"), N_("Duty roster"))

ALL = {
    "caller_type": CALLER_TYPE,
    "channel": CHANNEL,
    "outcome": OUTCOME,
    "status": STATUS,
    "callback_outcome": CALLBACK_OUTCOME,
    "callback_state": CALLBACK_STATE,
}
