"""Labels and messages of relocation plans, marked for the catalogue (``N_``)."""

from __future__ import annotations

from helpline.web.labels import N_

PLAN_STATE = {
    "DRAFT": N_("Draft"),
    "SUBMITTED": N_("Submitted for approval"),
    "APPROVED": N_("Approved"),
    "IN_PROGRESS": N_("In progress"),
    "COMPLETED": N_("Completed"),
    "CANCELLED": N_("Cancelled"),
}
STEP_KIND = {
    "EMERGENCY_HOUSING": N_("Emergency housing"),
    "TEMPORARY_HOUSING": N_("Temporary housing"),
    "PERMANENT_HOUSING": N_("Permanent housing"),
    "PROTECTED_DATA": N_("Protected personal data"),
    "MOVE_BELONGINGS": N_("Moving belongings"),
    "SCHOOLING": N_("School and preschool"),
    "HEALTHCARE": N_("Healthcare"),
    "EMPLOYMENT": N_("Employment"),
    "MAIL_AND_ID": N_("Mail and identity documents"),
    "GUARDIAN_DEBT": N_("Trustee and debts"),
    "HANDOVER_SOCIAL_SERVICES": N_("Handover to the social services"),
}
STEP_STATE = {
    "PLANNED": N_("Planned"),
    "IN_PROGRESS": N_("In progress"),
    "DONE": N_("Done"),
    "NOT_NEEDED": N_("Not needed"),
}
ACTIONS = {
    "submit": N_("Submit for approval"),
    "return": N_("Return to the author"),
    "start": N_("Start the relocation"),
    "complete": N_("Mark as completed"),
    "cancel": N_("Cancel the plan"),
    "revise": N_("Revise the plan (needs a new approval)"),
}

# Field error codes (InvalidInput) -> sentence.
ERRORS = {
    "required": N_("This field is required."),
    "invalid": N_("Choose a value from the list."),
    "invalid_date": N_("Enter a date as YYYY-MM-DD."),
    "too_long": N_("The text is too long."),
    "unknown_municipality": N_("Choose one of Sweden's 290 municipalities."),
    "unknown_organisation": N_("Choose an organisation from the list."),
    "before_plan_start": N_("The due date cannot be before the plan starts."),
    "after_step_due": N_("A step is due before this start date: move the step first."),
    "step_exists": N_("The plan already has a step of this kind."),
    "unknown_action": N_("Unknown action."),
    "unknown_person": N_("Choose a person on this case."),
    "before_start": N_("The date cannot be before the start date."),
    "unknown_user": N_("Choose a user of your organisation."),
    "unknown_goal": N_("Choose a goal of this action plan."),
}

# Rule codes (RuleViolation) -> sentence.
RULES = {
    "case_not_open": N_("The case is not open."),
    "open_plan_exists": N_("The case already has a relocation plan that is not finished."),
    "plan_not_editable": N_("The plan cannot be changed in its current state."),
    "steps_frozen": N_("Steps can be added only to a draft: revise the plan first."),
    "no_steps": N_("Add at least one step before submitting."),
    "steps_not_finished": N_("Every step must be done or marked not needed."),
    "transition_not_allowed": N_("That change is not possible in the plan's current state."),
    "supervisor_required": N_("Only a supervisor of the case's organisation may approve."),
    "four_eyes": N_("The plan's author or submitter cannot approve it."),
    "comment_required": N_("Write a comment."),
    "approve_in_browser": N_("Approval needs a recent sign-in and is done in the browser."),
    "measure_closed": N_("An ended or refused measure cannot be changed."),
    "emergency_protection_required": N_(
        "Before the case is active, protection can start only after a supervisor has "
        "signed off emergency protection."
    ),
}
