"""Typed value encoding: round trips, canonical form, documented tags (mirrors crypto/_encoding)."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crypto import DataKey, FieldBinding
from crypto._encoding import decode_value, encode_value, length_prefixed

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
json_containers = st.lists(json_values, max_size=4) | st.dictionaries(
    st.text(), json_values, max_size=4
)
aware_datetimes = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)
field_values = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**200), max_value=2**200)
    | st.text()
    | st.binary()
    | st.dates()
    | aware_datetimes
    | st.decimals(allow_nan=False, allow_infinity=False)
    | json_containers
)


def expected(value: object) -> object:
    # Datetimes are normalised to UTC by design. (Comparing across zones directly is not enough:
    # Python never calls a time inside a DST gap or fold equal to one in another zone.)
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def surrogate_free(value: object) -> bool:
    # Lone surrogates cannot be UTF-8 encoded; refusing them is tested separately.
    try:
        encode_value(value)  # type: ignore[arg-type]
    except (UnicodeEncodeError, ValueError):
        return False
    return True


@given(field_values.filter(surrogate_free))
def test_every_value_type_round_trips_with_its_type(value: object) -> None:
    decoded = decode_value(encode_value(value))  # type: ignore[arg-type]
    assert decoded == expected(value)
    assert type(decoded) is type(value)


@given(field_values.filter(surrogate_free))
def test_encoding_is_canonical_decode_then_encode_gives_the_same_bytes(value: object) -> None:
    data = encode_value(value)  # type: ignore[arg-type]
    assert encode_value(decode_value(data)) == data


@given(field_values.filter(surrogate_free))
def test_every_value_type_round_trips_through_encryption(value: object) -> None:
    key = DataKey.generate()
    binding = FieldBinding("org", "t", "c", "1")
    blob = key.encrypt_value(value, binding)  # type: ignore[arg-type]
    assert key.decrypt_value(blob, binding) == expected(value)


@given(aware_datetimes)
def test_datetimes_come_back_as_the_same_instant_in_utc(value: datetime) -> None:
    decoded = decode_value(encode_value(value))
    assert isinstance(decoded, datetime)
    assert decoded.tzinfo is UTC
    assert decoded.timestamp() == value.timestamp()


class Status(enum.StrEnum):
    OPEN = "open"


class Level(enum.Enum):
    HIGH = 3


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, b"\x00"),
        (False, b"\x01\x00"),
        (True, b"\x01\x01"),
        (0, b"\x02\x00"),
        (-1, b"\x02\xff"),
        (127, b"\x02\x7f"),
        (128, b"\x02\x00\x80"),
        ("å", b"\x03\xc3\xa5"),
        (b"\x00\xff", b"\x04\x00\xff"),
        (date(2024, 1, 2), b"\x052024-01-02"),
        (
            datetime(2024, 1, 2, 5, 4, 5, 6, tzinfo=timezone(timedelta(hours=2))),
            b"\x062024-01-02T03:04:05.000006+00:00",
        ),
        (Decimal("1.50"), b"\x071.50"),
        ({"b": 1, "a": [1, "ö"]}, b'\x08{"a":[1,"\xc3\xb6"],"b":1}'),
        (Status.OPEN, b"\x03open"),
        (Level.HIGH, b"\x02\x03"),
    ],
)
def test_documented_tag_table_known_answers(value: object, encoded: bytes) -> None:
    assert encode_value(value) == encoded  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        datetime(2024, 1, 1),  # naive: which instant is unknown
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),  # before year 1 in UTC
        Decimal("NaN"),
        Decimal("Infinity"),
        [1, (2, 3)],  # a tuple would come back as a list
        {1: "a"},  # an int key would come back as a str
        [float("nan")],
        "\ud800",
    ],
)
def test_values_without_a_lossless_encoding_are_refused(value: object) -> None:
    with pytest.raises(ValueError):
        encode_value(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [1.5, (1, 2), {1, 2}, object(), bytearray(b"x")])
def test_unsupported_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        encode_value(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x09",  # unknown tag
        b"\xff",
        b"\x00\x00",  # None with a payload
        b"\x01\x02",  # bool other than 0/1
        b"\x01",
        b"\x02",  # int without bytes
        b"\x02\x00\x05",  # redundant sign byte
        b"\x03\xff",  # invalid UTF-8
        b"\x0520240102",  # basic-format date
        b"\x052024-02-30",
        b"\x062024-01-02T03:04:05.000006+01:00",  # not UTC
        b"\x062024-01-02T03:04:05+00:00",  # no microseconds
        b"\x062024-01-02T03:04:05.000006",  # naive
        b"\x071e1",
        b"\x07abc",
        b"\x07NaN",
        b'\x08{"b":1,"a":2}',  # unsorted keys
        b'\x08{"a": 1}',  # spaces
        b'\x08{"a":1,"a":2}',  # duplicate keys
        b"\x08[NaN]",
        b'\x08"text"',  # scalar, not array/object
        b"\x08[",
    ],
)
def test_decoder_rejects_anything_the_encoder_would_not_produce(data: bytes) -> None:
    with pytest.raises(ValueError):
        decode_value(data)


def test_length_prefixed_known_answer() -> None:
    assert length_prefixed(b"ab", b"") == b"\x00\x00\x00\x02ab\x00\x00\x00\x00"
