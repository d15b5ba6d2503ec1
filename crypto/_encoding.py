"""Canonical byte encodings: typed field values and length-prefixed associated data.

A typed field value is ``tag (1 byte) || payload``; see FORMAT.md section 2 for the table.
Every encoding is canonical: one value has exactly one encoding, and the decoder rejects any
payload that the encoder would not have produced, so two equal values always encrypt the same
plaintext bytes and a decoder cannot be steered by alternative spellings.
"""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

__all__ = ["FieldValue", "JsonValue", "decode_value", "encode_value", "length_prefixed"]

JsonValue: TypeAlias = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
FieldValue: TypeAlias = (
    None
    | bool
    | int
    | str
    | bytes
    | date
    | datetime
    | Decimal
    | list[JsonValue]
    | dict[str, JsonValue]
)

TAG_NONE = 0x00
TAG_BOOL = 0x01
TAG_INT = 0x02
TAG_STR = 0x03
TAG_BYTES = 0x04
TAG_DATE = 0x05
TAG_DATETIME = 0x06
TAG_DECIMAL = 0x07
TAG_JSON = 0x08
_STR_TAG = bytes([TAG_STR])


def length_prefixed(*parts: bytes) -> bytes:
    """Each part as ``uint32 big-endian length || bytes``: no two part lists share an encoding."""
    return b"".join(len(p).to_bytes(4, "big") + p for p in parts)


def encode_value(value: FieldValue | enum.Enum) -> bytes:
    """The canonical tagged encoding. Enum members encode as their ``.value`` (and decode as it).

    Raises TypeError for unsupported types and ValueError for values that have no lossless
    encoding (naive datetimes, non-finite decimals, JSON that would not round-trip).
    """
    if value.__class__ is str:  # fast path: by far the most common field type
        return _STR_TAG + value.encode("utf-8")
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return bytes([TAG_NONE])
    # bool before int: bool is a subclass of int but must round-trip as bool.
    if isinstance(value, bool):
        return bytes([TAG_BOOL, 1 if value else 0])
    if isinstance(value, int):
        return bytes([TAG_INT]) + _int_bytes(value)
    if isinstance(value, str):  # str subclasses other than enums
        return _STR_TAG + value.encode("utf-8")
    if isinstance(value, bytes):
        return bytes([TAG_BYTES]) + value
    # datetime before date: datetime is a subclass of date.
    if isinstance(value, datetime):
        return bytes([TAG_DATETIME]) + _datetime_text(value).encode("ascii")
    if isinstance(value, date):
        return bytes([TAG_DATE]) + value.isoformat().encode("ascii")
    if isinstance(value, Decimal):
        return bytes([TAG_DECIMAL]) + _decimal_text(value).encode("ascii")
    if isinstance(value, (list, dict)):
        return bytes([TAG_JSON]) + _json_bytes(value)
    raise TypeError(f"cannot encrypt a value of type {type(value).__name__}")


def decode_value(data: bytes) -> FieldValue:
    """Inverse of :func:`encode_value`; ValueError for anything it would not have produced."""
    if not data:
        raise ValueError("empty encoding")
    tag, payload = data[0], data[1:]
    if tag == TAG_STR:
        return payload.decode("utf-8")
    if tag == TAG_NONE and not payload:
        return None
    if tag == TAG_BOOL and payload in (b"\x00", b"\x01"):
        return payload == b"\x01"
    if tag == TAG_BYTES:
        return payload
    decoder = _CHECKED_DECODERS.get(tag)
    if decoder is None:
        raise ValueError("unknown type tag or bad payload")
    value = decoder(payload)
    if encode_value(value) != data:
        raise ValueError("non-canonical encoding")
    return value


def _int_bytes(value: int) -> bytes:
    # Two's complement, big-endian; the +8 leaves room for the sign bit.
    return value.to_bytes((value.bit_length() + 8) // 8, "big", signed=True)


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime is out of range once converted to UTC") from None
    return utc.isoformat(timespec="microseconds")


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError("only finite decimals can be encrypted")
    return str(value)


def _json_bytes(value: list[JsonValue] | dict[str, JsonValue]) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    # json.dumps silently turns tuples into lists and int keys into strings; refuse instead of
    # handing the caller back something different from what it stored.
    if json.loads(text) != value:
        raise ValueError("value does not survive a JSON round trip (tuples, non-str keys?)")
    return text.encode("utf-8")


def _decode_json(payload: bytes) -> FieldValue:
    try:
        value = json.loads(
            payload.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:  # nested deeper than the parser goes: not a value we wrote
        raise ValueError("JSON nested too deeply") from None
    if not isinstance(value, (list, dict)):
        raise ValueError("JSON field values are arrays or objects")
    return value


def _reject_constant(name: str) -> JsonValue:
    raise ValueError(f"JSON constant {name} is not allowed")


def _unique_keys(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate JSON object key")
    return result


def _decode_datetime(payload: bytes) -> FieldValue:
    return datetime.fromisoformat(payload.decode("ascii"))


def _decode_date(payload: bytes) -> FieldValue:
    return date.fromisoformat(payload.decode("ascii"))


def _decode_int(payload: bytes) -> FieldValue:
    return int.from_bytes(payload, "big", signed=True)


def _decode_decimal(payload: bytes) -> FieldValue:
    try:
        return Decimal(payload.decode("ascii"))
    except InvalidOperation:  # an ArithmeticError, not a ValueError
        raise ValueError("not a decimal") from None


# Decoders whose result is re-encoded and compared, which rejects every alternative spelling
# (redundant sign bytes, offsets other than +00:00, basic-format dates "20240101", "1e1" for
# "1E+1", JSON with spaces or unsorted keys, ...).
_CHECKED_DECODERS = {
    TAG_INT: _decode_int,
    TAG_DATETIME: _decode_datetime,
    TAG_DATE: _decode_date,
    TAG_DECIMAL: _decode_decimal,
    TAG_JSON: _decode_json,
}
