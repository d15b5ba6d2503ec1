"""Labels and field messages of the persons domain, marked for the catalogue (``N_``).

Services and schemas speak in short codes (``"required"``, ``"id_check_digit"``): the API returns
those codes, and the pages show the sentence below, translated at render time.
"""

from __future__ import annotations

from helpline.web.labels import N_

ROLE = {"DEFECTOR": N_("Defector"), "RELATIVE": N_("Relative")}
ID_TYPE = {
    "PERSONNUMMER": N_("Personnummer"),
    "SAMORDNINGSNUMMER": N_("Samordningsnummer"),
    "NONE": N_("No identity number"),
    "FOREIGN": N_("Foreign identity number"),
}
RELATION = {
    "PARTNER": N_("partner"),
    "CHILD": N_("child"),
    "PARENT": N_("parent"),
    "SIBLING": N_("sibling"),
    "GUARDIAN": N_("guardian"),
}
SEARCH_KIND = {
    "SWEDISH": N_("Personnummer or samordningsnummer"),
    "FOREIGN": N_("Foreign identity number"),
}

# Field error codes -> the sentence shown next to the field. Never the value itself.
ERRORS = {
    "required": N_("This field is required."),
    "invalid": N_("Choose one of the options."),
    "too_long": N_("The text is too long."),
    "in_future": N_("The date cannot be in the future."),
    "in_past": N_("The date has already passed."),
    "invalid_date": N_("Enter a date as YYYY-MM-DD."),
    "invalid_year": N_("Enter a year with four digits, not in the future."),
    "birth_year_mismatch": N_("The birth year does not match the identity number."),
    "id_format": N_("Write the number as YYYYMMDD-NNNN or YYMMDD-NNNN."),
    "id_date": N_("The date of birth in the number does not exist."),
    "id_future": N_("The date of birth in the number is in the future."),
    "id_serial": N_("The number's serial part 000 is never issued."),
    "id_check_digit": N_("The last digit (check digit) does not match: check the number."),
    "id_is_samordningsnummer": N_("This is a samordningsnummer (day of birth + 60)."),
    "id_is_personnummer": N_("This is a personnummer, not a samordningsnummer (day + 60)."),
    "id_not_expected": N_("No identity number was chosen, but one was entered."),
    "foreign_id_format": N_("Enter the number with at least one letter or digit."),
    "contains_id_number": N_(
        "Do not write the identity number in the purpose: describe why you need it."
    ),
    "unknown_person": N_("Choose a person on this case."),
    "same_person": N_("A person cannot be related to themselves."),
    "relation_exists": N_("This relation is already recorded."),
}
