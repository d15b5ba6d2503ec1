"""Identity numbers: personnummer and samordningsnummer validated against a table, foreign
numbers free text, masking, age. Pure functions: no database."""

from __future__ import annotations

from datetime import date

import pytest

from helpline.models.cases import IdType
from helpline.persons import identity
from helpline.persons.schemas import parse_person, parse_search
from tests.helpline.persons.helpers import luhn, pnr

TODAY = date(2026, 3, 15)
P, S = IdType.PERSONNUMMER, IdType.SAMORDNINGSNUMMER


def test_the_luhn_helper_agrees_with_known_numbers():
    # 19121212-1212 (Skatteverket's test person Tolvan) and 811228-9874 are published examples.
    assert luhn("121212121") == 2 and luhn("811228987") == 4


VALID = [
    (P, "19121212-1212", "191212121212"),
    (P, "191212121212", "191212121212"),
    (P, "1212121212", "201212121212"),  # 10 digits: the century that makes the person < 100
    (P, "121212-1212", "201212121212"),
    (P, "121212+1212", "191212121212"),  # "+": 100 or older
    (P, " 19121212 - 1212 ", "191212121212"),  # spaces typed around and inside
    (P, "811228-9874", "198112289874"),
    (P, pnr("20260315"), "20260315123" + pnr("20260315")[-1]),  # born today
    (P, pnr("20000229"), "20000229123" + pnr("20000229")[-1]),  # a real leap day
    (S, pnr("19850672"), "19850672123" + pnr("19850672")[-1]),  # 12 June + 60
    (S, pnr("19850671")[2:], "19850671123" + pnr("19850671")[-1]),  # 10 digits, day 11 + 60
]


@pytest.mark.parametrize(("kind", "raw", "expected"), VALID)
def test_valid_numbers_are_normalised_to_twelve_digits(kind, raw, expected):
    assert identity.validate(kind, raw, today=TODAY) == expected


def _with_check(body: str, wrong: bool = False) -> str:
    digit = luhn(body[2:] if len(body) == 11 else body)
    return f"{body[:-3]}-{body[-3:]}{(digit + 1) % 10 if wrong else digit}"


INVALID = [
    (P, "19121212-1213", "id_check_digit"),
    (P, _with_check("19850612123", wrong=True), "id_check_digit"),
    (S, _with_check("19850672123", wrong=True), "id_check_digit"),
    (P, pnr("19990230"), "id_date"),  # 30 February
    (P, pnr("19991301"), "id_date"),  # month 13
    (P, pnr("19010229"), "id_date"),  # 1901 was no leap year
    (S, pnr("19850692"), "id_date"),  # day 32 + 60
    (P, pnr("20990101"), "id_future"),
    (P, pnr("20260316"), "id_future"),  # tomorrow
    (S, pnr("20990161"), "id_future"),
    (P, pnr("19850612", "000"), "id_serial"),
    (P, pnr("19850672"), "id_is_samordningsnummer"),  # day + 60 typed as a personnummer
    (S, pnr("19850612"), "id_is_personnummer"),  # a personnummer typed as samordningsnummer
    (P, "19121212+1212", "id_format"),  # "+" only in the 10-digit form
    (P, "abc", "id_format"),
    (P, "1912121-21212", "id_format"),
    (P, "١٩١٢١٢١٢-١٢١٢", "id_format"),  # Arabic-Indic digits are not ASCII digits
    (P, "19121212-121", "id_format"),
    (P, "", "required"),
    (S, "   ", "required"),
    (IdType.NONE, "19121212-1212", "id_not_expected"),
    (IdType.FOREIGN, "x" * 41, "too_long"),
    (IdType.FOREIGN, "-- / --", "foreign_id_format"),
]


@pytest.mark.parametrize(("kind", "raw", "code"), INVALID)
def test_invalid_numbers_give_a_code_that_never_contains_the_number(kind, raw, code):
    with pytest.raises(identity.IdentityError) as caught:
        identity.validate(kind, raw, today=TODAY)
    assert caught.value.code == code
    digits = "".join(c for c in raw if c.isdigit())
    assert not digits or digits not in str(caught.value)


def test_none_means_no_number_and_foreign_is_kept_as_typed():
    assert identity.validate(IdType.NONE, "  ", today=TODAY) is None
    assert identity.validate(IdType.FOREIGN, "  ab 123-456 ", today=TODAY) == "ab 123-456"


def test_foreign_numbers_index_on_a_normalised_form(app):
    keys = app.state.keys
    same = identity.index_of(keys, IdType.FOREIGN, "ab 123-456")
    assert same == identity.index_of(keys, IdType.FOREIGN, "AB123456")
    # A foreign number and a personnummer with the same characters index differently.
    assert identity.index_of(keys, IdType.FOREIGN, "191212121212") != identity.index_of(
        keys, IdType.PERSONNUMMER, "191212121212"
    )


def test_masking_shows_the_date_part_only():
    assert identity.mask(P, "198506121234") == "19850612-****"
    assert identity.mask(IdType.FOREIGN, "AB123456") == "****"
    assert identity.mask(IdType.NONE, None) is None
    assert identity.display(P, "198506121234") == "19850612-1234"


def test_birth_date_of_a_samordningsnummer_subtracts_sixty():
    assert identity.birth_date(S, "198506721234") == date(1985, 6, 12)
    assert identity.birth_date(IdType.FOREIGN, "198506721234") is None


@pytest.mark.parametrize(
    ("birth_year", "born", "minor"),
    [
        (None, None, None),  # unknown stays unknown
        (2010, None, True),
        (TODAY.year - 18, None, True),  # may not have turned 18 yet: counted as minor
        (TODAY.year - 19, None, False),
        (2008, date(2008, 3, 15), False),  # 18 today
        (2008, date(2008, 3, 16), True),  # 18 tomorrow
    ],
)
def test_is_minor(birth_year, born, minor):
    assert identity.is_minor(birth_year, today=TODAY, born=born) is minor


def test_the_form_takes_the_birth_year_from_the_number_and_checks_it():
    form = parse_person(
        {"role": "DEFECTOR", "id_type": "PERSONNUMMER", "id_number": "19121212-1212"}, today=TODAY
    )
    assert form.data is not None and form.data.birth_year == 1912
    form = parse_person(
        {"role": "DEFECTOR", "id_type": "PERSONNUMMER", "id_number": "19121212-1212",
         "birth_year": "1913"}, today=TODAY,
    )
    assert form.errors == {"birth_year": "birth_year_mismatch"}


def test_the_form_keeps_what_was_typed_when_refused():
    typed = {"role": "DEFECTOR", "given_name": "Kalle", "id_type": "PERSONNUMMER",
             "id_number": "19121212-1213", "notes": "n"}
    form = parse_person(typed, today=TODAY)
    assert form.data is None and form.errors == {"id_number": "id_check_digit"}
    assert {k: form.values[k] for k in typed} == typed


def test_search_accepts_both_swedish_kinds_and_requires_a_purpose():
    data, errors = parse_search({"number": pnr("19850672"), "purpose": "x"}, today=TODAY)
    assert data is not None and data.normalised.startswith("19850672")
    data, errors = parse_search({"number": "19121212-1212", "purpose": " "}, today=TODAY)
    assert data is None and errors == {"purpose": "required"}
    data, errors = parse_search({"number": "19121212-1213", "purpose": "x"}, today=TODAY)
    assert errors == {"number": "id_check_digit"}
