"""Identity numbers: validation, normalisation, masking, blind indexes and age.

Personnummer and samordningsnummer are validated by ``crypto.normalise_personnummer`` (check
digit, real date of birth not in the future, century from the "-"/"+" separator) and stored in
the normalised 12-digit form ``YYYYMMDDNNNC``; a samordningsnummer keeps its day + 60, which is
how the two are told apart. Both share the ``personnummer`` blind index (their normalised forms
never coincide). A FOREIGN number is free text, not validated; its blind index (own key, purpose
``foreign-id``) is over an uppercase form with everything but letters and digits removed, so
"ab 123-45" and "AB12345" find each other.

Error codes never contain the number (they end up in responses and logs).
"""

from __future__ import annotations

import unicodedata
from datetime import date

import crypto
from helpline.keys import KeyService
from helpline.models.cases import IdType

PERSONNUMMER_INDEX_PURPOSE = "blind-index:personnummer"
FOREIGN_INDEX_PURPOSE = "blind-index:foreign-id"
FOREIGN_MAX = 40
SWEDISH_TYPES = (IdType.PERSONNUMMER, IdType.SAMORDNINGSNUMMER)
ADULT_AGE = 18
_SAMORDNING_OFFSET = 60

# crypto.normalise_personnummer's error messages -> our field codes (the first match wins).
_REASONS = (
    ("in the future", "id_future"),
    ("does not exist", "id_date"),
    ("check digit", "id_check_digit"),
    ("000", "id_serial"),
)


class IdentityError(ValueError):
    """A field error code (see labels.ERRORS); never carries the number."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def normalise_swedish(raw: str, *, today: date) -> str:
    """The 12-digit form of a personnummer or samordningsnummer, or IdentityError."""
    compact = "".join(raw.split())  # "850612 - 1234" is typed too
    try:
        return crypto.normalise_personnummer(compact, today=today)
    except ValueError as exc:
        message = str(exc)
        for needle, code in _REASONS:
            if needle in message:
                raise IdentityError(code) from None
        raise IdentityError("id_format") from None


def is_samordningsnummer(normalised: str) -> bool:
    return int(normalised[6:8]) > _SAMORDNING_OFFSET


def validate(id_type: IdType, raw: str, *, today: date) -> str | None:
    """The value to store for ``id_type`` (normalised), None for NONE; IdentityError if wrong."""
    raw = raw.strip()
    if id_type is IdType.NONE:
        if raw:
            raise IdentityError("id_not_expected")
        return None
    if not raw:
        raise IdentityError("required")
    if id_type is IdType.FOREIGN:
        if len(raw) > FOREIGN_MAX:
            raise IdentityError("too_long")
        if not normalise_foreign(raw):
            raise IdentityError("foreign_id_format")
        return raw
    normalised = normalise_swedish(raw, today=today)
    samordning = is_samordningsnummer(normalised)
    if id_type is IdType.PERSONNUMMER and samordning:
        raise IdentityError("id_is_samordningsnummer")
    if id_type is IdType.SAMORDNINGSNUMMER and not samordning:
        raise IdentityError("id_is_personnummer")
    return normalised


def normalise_foreign(raw: str) -> str:
    folded = unicodedata.normalize("NFKC", raw).upper()
    return "".join(char for char in folded if char.isalnum())


# A foreign number shorter than this is not looked for in free text (too many false alarms).
MIN_FOREIGN_IN_TEXT = 6


def _compact(text: str) -> str:
    """Letters and digits only (NFKC, upper case, any decimal digit as ASCII): a number typed
    with or without "-"/"+", spaces or full-width digits reads the same."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in folded
        if char.isalnum()
    )


def number_in_text(id_type: IdType, stored: str | None, text: str) -> bool:
    """Does free text (a stated purpose, which the audit log keeps in clear) carry this number?

    ``stored`` is the normalised number: a Swedish one is found in any common form (12 or 10
    digits, with or without the separator, with spaces), through its last 10 digits, which
    the 12-digit form contains; a foreign one through its letters and digits.
    """
    if not stored or id_type is IdType.NONE:
        return False
    said = _compact(text)
    if id_type in SWEDISH_TYPES:
        return stored[2:] in said
    wanted = _compact(stored)
    return len(wanted) >= MIN_FOREIGN_IN_TEXT and wanted in said


def birth_date(id_type: IdType, stored: str | None) -> date | None:
    """The date of birth a Swedish number states (day - 60 for a samordningsnummer)."""
    if id_type not in SWEDISH_TYPES or not stored:
        return None
    day = int(stored[6:8])
    day -= _SAMORDNING_OFFSET if day > _SAMORDNING_OFFSET else 0
    return date(int(stored[:4]), int(stored[4:6]), day)


def is_minor(
    birth_year: int | None, *, today: date, born: date | None = None
) -> bool | None:
    """Under 18 today? Exact with a date of birth. With the year only, the year the person
    turns 18 counts as minor (they may not have had the birthday yet: a guardian is asked for
    rather than missed). Unknown age is ``None``: neither adult nor minor, and callers decide
    (consent refuses to record until the age is known)."""
    if born is not None:
        had_birthday = (today.month, today.day) >= (born.month, born.day)
        return today.year - born.year - (0 if had_birthday else 1) < ADULT_AGE
    if birth_year is None:
        return None
    return today.year - birth_year <= ADULT_AGE


def mask(id_type: IdType, stored: str | None) -> str | None:
    """What a page shows without a stated purpose: the date part of a Swedish number only."""
    if not stored:
        return None
    if id_type in SWEDISH_TYPES:
        return f"{stored[:8]}-****"
    return "****"


def display(id_type: IdType, stored: str) -> str:
    return f"{stored[:8]}-{stored[8:]}" if id_type in SWEDISH_TYPES else stored


def personnummer_index(keys: KeyService) -> crypto.BlindIndex:
    return crypto.BlindIndex(
        keys.provider.purpose_key(PERSONNUMMER_INDEX_PURPOSE), purpose="personnummer"
    )


def foreign_index(keys: KeyService) -> crypto.BlindIndex:
    return crypto.BlindIndex(keys.provider.purpose_key(FOREIGN_INDEX_PURPOSE), purpose="foreign-id")


def index_of(keys: KeyService, id_type: IdType, stored: str | None) -> bytes | None:
    if not stored:
        return None
    if id_type is IdType.FOREIGN:
        return foreign_index(keys).compute(normalise_foreign(stored))
    return personnummer_index(keys).compute(stored)
