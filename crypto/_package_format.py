"""Byte layouts of handover packages and receipts (FORMAT.md sections 6-7); no cryptography here.

Envelope (integers big-endian)::

    magic (6) || format version (1) || header length (uint32) || header (UTF-8 JSON) || rest
    || Ed25519 signature (64)

The decoder accepts any JSON spelling of the header (the signature covers the exact bytes, and
HPKE uses the exact bytes as ``info``), but insists on exactly the documented keys and types and
refuses duplicate keys, so two implementations cannot read one signed header differently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from ._errors import PackageFormatError, UnsupportedPackageVersionError

__all__ = [
    "PACKAGE_FORMAT_VERSION",
    "PackageHeader",
    "Receipt",
    "check_text",
    "decode_header",
    "decode_receipt",
    "encode_header",
    "encode_receipt",
    "format_time",
    "join_envelope",
    "split_envelope",
]

PACKAGE_FORMAT_VERSION = 1
SIGNATURE_BYTES = 64
MAX_HEADER_BYTES = 64 * 1024
MAX_TEXT_CHARS = 256
_PREFIX_BYTES = 6 + 1 + 4
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class PackageHeader:
    """Who sends what to whom, and when it expires. Signed, and bound into the HPKE context."""

    format_version: int
    package_id: str
    sender: str
    recipient: str
    case_reference: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Receipt:
    """A recipient's signed statement that it opened (and accepted) a package."""

    format_version: int
    package_id: str
    package_sender: str
    receiver: str
    case_reference: str
    package_created_at: datetime
    received_at: datetime


def check_text(name: str, value: object) -> str:
    """Identifiers are short, non-empty and printable (no control or line-break characters that
    could forge lines in logs or user interfaces)."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= MAX_TEXT_CHARS
        or not value.isprintable()
    ):
        raise ValueError(f"{name} must be 1-{MAX_TEXT_CHARS} printable characters")
    return value


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC to the second, e.g. ``2026-05-09T12:00:00Z``."""
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def _parse_time(text: object) -> datetime:
    if not isinstance(text, str):
        raise ValueError("timestamps are strings")
    moment = datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    if format_time(moment) != text:  # strptime also accepts e.g. single-digit months
        raise ValueError("non-canonical timestamp")
    return moment


def _json(document: dict[str, object]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def encode_header(header: PackageHeader) -> bytes:
    return _json(
        {
            "format_version": header.format_version,
            "package_id": header.package_id,
            "sender": header.sender,
            "recipient": header.recipient,
            "case_reference": header.case_reference,
            "created_at": format_time(header.created_at),
            "expires_at": format_time(header.expires_at),
        }
    )


def encode_receipt(receipt: Receipt) -> bytes:
    return _json(
        {
            "format_version": receipt.format_version,
            "package_id": receipt.package_id,
            "package_sender": receipt.package_sender,
            "receiver": receipt.receiver,
            "case_reference": receipt.case_reference,
            "package_created_at": format_time(receipt.package_created_at),
            "received_at": format_time(receipt.received_at),
        }
    )


def decode_header(data: bytes) -> PackageHeader:
    doc = _strict_object(data, PackageHeader)
    return PackageHeader(
        format_version=doc["format_version"],
        package_id=doc["package_id"],
        sender=doc["sender"],
        recipient=doc["recipient"],
        case_reference=doc["case_reference"],
        created_at=doc["created_at"],
        expires_at=doc["expires_at"],
    )


def decode_receipt(data: bytes) -> Receipt:
    doc = _strict_object(data, Receipt)
    return Receipt(
        format_version=doc["format_version"],
        package_id=doc["package_id"],
        package_sender=doc["package_sender"],
        receiver=doc["receiver"],
        case_reference=doc["case_reference"],
        package_created_at=doc["package_created_at"],
        received_at=doc["received_at"],
    )


def _strict_object(data: bytes, shape: type[PackageHeader] | type[Receipt]) -> dict[str, Any]:
    """The JSON object with exactly ``shape``'s fields, each converted and checked."""
    try:
        doc = json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates)
        if not isinstance(doc, dict) or set(doc) != {f.name for f in fields(shape)}:
            raise ValueError("unexpected fields")
        return {name: _field(name, value) for name, value in doc.items()}
    except (ValueError, RecursionError):  # JSON and UTF-8 errors; nesting too deep to parse
        raise PackageFormatError("malformed header") from None


def _field(name: str, value: object) -> object:
    if name == "format_version":
        if type(value) is not int or value != PACKAGE_FORMAT_VERSION:
            raise ValueError("format version mismatch")
        return value
    if name.endswith("_at"):
        return _parse_time(value)
    return check_text(name, value)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


def join_envelope(magic: bytes, header: bytes, rest: bytes) -> bytes:
    """Everything but the signature, which covers exactly these bytes."""
    return b"".join(
        (magic, bytes([PACKAGE_FORMAT_VERSION]), len(header).to_bytes(4, "big"), header, rest)
    )


def split_envelope(magic: bytes, blob: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """``(signed part, header, rest, signature)``; checks only framing, nothing cryptographic."""
    if len(blob) < len(magic) + 1 or not blob.startswith(magic):
        raise PackageFormatError("not a package of this kind")
    if blob[len(magic)] != PACKAGE_FORMAT_VERSION:
        raise UnsupportedPackageVersionError(f"unsupported format version {blob[len(magic)]}")
    if len(blob) < _PREFIX_BYTES + SIGNATURE_BYTES:
        raise PackageFormatError("truncated")
    header_length = int.from_bytes(blob[len(magic) + 1 : _PREFIX_BYTES], "big")
    header_end = _PREFIX_BYTES + header_length
    if header_length > MAX_HEADER_BYTES or header_end > len(blob) - SIGNATURE_BYTES:
        raise PackageFormatError("bad header length")
    signed, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    return signed, blob[_PREFIX_BYTES:header_end], signed[header_end:], signature
