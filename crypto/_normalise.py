"""Normalisation of searchable identifiers before blind indexing.

Equal identities must produce byte-identical strings, or the index silently misses. Error
messages never contain the input: it is personal data and error messages end up in logs.

The ``personnummer`` PyPI package is not used because, in version 3.2.1, it (a) takes "today"
from a module-level function instead of a parameter, so the century of a 10-digit number can
only be tested by monkeypatching global state; (b) matches with ``\\d``, so it accepts
non-ASCII digits (e.g. Arabic-Indic) and passes them through into its 12-digit form, giving
the same person two different index values; and (c) accepts birth dates in the future. The
tests use it as an oracle for the check-digit and date rules.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import phonenumbers

__all__ = ["PersonnummerError", "normalise_personnummer", "normalise_phone"]

_PERSONNUMMER = re.compile(
    r"(?P<century>[0-9]{2})?(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})"
    r"(?P<sep>[-+]?)(?P<serial>[0-9]{3})(?P<check>[0-9])"
)
_SAMORDNING_OFFSET = 60  # a samordningsnummer adds 60 to the day of birth


class PersonnummerError(ValueError):
    """Why a personnummer was refused, as a stable code for forms and messages: ``format``,
    ``separator``, ``date``, ``future``, ``serial`` or ``check_digit``."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"personnummer: {message}")
        self.reason = reason


def normalise_personnummer(value: str, *, today: date | None = None) -> str:
    """The 12-digit form ``YYYYMMDDNNNC`` of a personnummer or samordningsnummer.

    Accepts ``YYMMDD-NNNC``, ``YYMMDD+NNNC`` (the person is 100 or older), ``YYMMDDNNNC``,
    ``YYYYMMDDNNNC`` and ``YYYYMMDD-NNNC``, with surrounding whitespace. For the 10-digit forms
    the century is the latest one that makes the person under 100 (``-`` or none) or at least
    100 (``+``) in the year of ``today`` (default: the current UTC date), as Skatteverket
    assigns the separator by year. A samordningsnummer keeps its day + 60 in the result.
    Raises :class:`PersonnummerError` (a ValueError with a ``reason`` code; the message never
    echoes the input) unless format, date and check digit are valid.
    """
    match = _PERSONNUMMER.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise PersonnummerError(
            "format", "not a personnummer; expected YYMMDD-NNNN or YYYYMMDDNNNN"
        )
    century, yy, mm, dd, sep, serial, check = match.group(
        "century", "yy", "mm", "dd", "sep", "serial", "check"
    )
    if century is not None and sep == "+":
        raise PersonnummerError("separator", "'+' is only used in the 10-digit form")
    today = today if today is not None else datetime.now(UTC).date()
    year = int(century + yy) if century is not None else _full_year(int(yy), sep, today.year)
    day = int(dd) - _SAMORDNING_OFFSET if int(dd) > _SAMORDNING_OFFSET else int(dd)
    try:
        born = date(year, int(mm), day)
    except ValueError:
        raise PersonnummerError("date", "the date of birth does not exist") from None
    if born > today:
        raise PersonnummerError("future", "the date of birth is in the future")
    if serial == "000":
        raise PersonnummerError("serial", "serial number 000 is never issued")
    if _luhn_check_digit(yy + mm + dd + serial) != int(check):
        raise PersonnummerError("check_digit", "wrong check digit")
    return f"{year:04d}{mm}{dd}{serial}{check}"


def _full_year(yy: int, sep: str, this_year: int) -> int:
    # The most recent year ending in yy that is at most `base`.
    base = this_year - 100 if sep == "+" else this_year
    return base - (base - yy) % 100


def _luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def normalise_phone(value: str, *, default_region: str = "SE") -> str:
    """E.164 (``+46701234567``) via libphonenumber; national numbers use ``default_region``.

    ValueError unless the number is at least *possible* (right length for its country). Formatting
    characters, ``tel:``, ``(0)`` and full-width digits are accepted; an extension is dropped.
    """
    try:
        parsed = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise ValueError("not a possible phone number (wrong length for its country)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
