"""Sealed handover packages and signed receipts between installations (FORMAT.md sections 6-7).

A package is encrypted to the recipient with HPKE (RFC 9180, base mode, DHKEM(X25519,
HKDF-SHA256), HKDF-SHA256, AES-256-GCM) with the header as HPKE ``info``, and the whole envelope
is signed with the sender's Ed25519 key. Opening verifies the signature before anything else is
parsed or decrypted, then the sender and recipient, the validity window, decrypts, and consults
the replay guard last so that only an otherwise valid package consumes its id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from . import _primitives
from ._errors import (
    DecryptionError,
    PackageDecryptionError,
    PackageError,
    PackageExpiredError,
    PackageFormatError,
    PackageNotYetValidError,
    PackageSignatureError,
    ReplayedPackageError,
    WrongRecipientError,
    WrongSenderError,
)
from ._package_format import (
    PACKAGE_FORMAT_VERSION,
    PackageHeader,
    Receipt,
    check_text,
    decode_header,
    decode_receipt,
    encode_header,
    encode_receipt,
    join_envelope,
    split_envelope,
)

__all__ = [
    "CLOCK_SKEW",
    "MAX_PACKAGE_VALIDITY",
    "OpenedPackage",
    "ReplayGuard",
    "generate_sealing_key",
    "generate_signing_key",
    "make_receipt",
    "open_package",
    "read_unverified_header",
    "seal_package",
    "sealing_public_key",
    "signing_public_key",
    "verify_receipt",
]

# A bounded lifetime bounds how long a replay guard must remember package ids.
MAX_PACKAGE_VALIDITY = timedelta(days=30)
# Tolerated clock difference between installations for "created in the future".
CLOCK_SKEW = timedelta(minutes=5)

_PACKAGE_MAGIC = b"HLPKG\x00"
_RECEIPT_MAGIC = b"HLRCT\x00"
# Signature contexts: a package signature can never be passed off as a receipt's, or vice versa.
_PACKAGE_CONTEXT = b"helpline/package/v1\x00"
_RECEIPT_CONTEXT = b"helpline/receipt/v1\x00"
_HPKE_INFO_CONTEXT = b"helpline/package-hpke/v1\x00"


@dataclass(frozen=True)
class OpenedPackage:
    header: PackageHeader
    payload: bytes


class ReplayGuard(Protocol):
    """Remembers accepted packages by sender and id, at least until their ``expires_at`` (plus
    CLOCK_SKEW). Ids are unique per sender only (FORMAT.md section 6): keyed on the id alone,
    one sender could block another's package by sending its id first.

    An implementation backed by a table with a unique constraint on (sender, id) is atomic
    across processes; it should commit in the same transaction as the handover it accepts.
    """

    def check_and_remember(self, sender: str, package_id: str) -> bool:
        """Record the pair; False if it was already recorded."""
        ...


def generate_sealing_key() -> bytes:
    """A new X25519 private key (32 raw bytes) for receiving packages."""
    return _primitives.x25519_generate()


def sealing_public_key(private: bytes) -> bytes:
    return _primitives.x25519_public(private)


def generate_signing_key() -> bytes:
    """A new Ed25519 private key (its 32-byte seed) for signing packages and receipts."""
    return _primitives.ed25519_generate()


def signing_public_key(private: bytes) -> bytes:
    return _primitives.ed25519_public(private)


def seal_package(
    payload: bytes,
    *,
    sender: str,
    signing_key: bytes,
    recipient: str,
    recipient_public_key: bytes,
    case_reference: str,
    now: datetime,
    valid_for: timedelta,
    package_id: str | None = None,
) -> bytes:
    """Encrypt ``payload`` to the recipient and sign the envelope; valid from ``now`` (to the
    second) for ``valid_for`` (at most MAX_PACKAGE_VALIDITY)."""
    if not timedelta(seconds=1) <= valid_for <= MAX_PACKAGE_VALIDITY:
        raise ValueError("valid_for must be between one second and MAX_PACKAGE_VALIDITY")
    created_at = _utc(now).replace(microsecond=0)
    header = PackageHeader(
        format_version=PACKAGE_FORMAT_VERSION,
        package_id=check_text(
            "package_id", package_id if package_id is not None else str(uuid.uuid4())
        ),
        sender=check_text("sender", sender),
        recipient=check_text("recipient", recipient),
        case_reference=check_text("case_reference", case_reference),
        created_at=created_at,
        expires_at=created_at + valid_for,
    )
    header_bytes = encode_header(header)
    sealed = _primitives.hpke_seal(payload, recipient_public_key, _HPKE_INFO_CONTEXT + header_bytes)
    signed = join_envelope(_PACKAGE_MAGIC, header_bytes, sealed)
    return signed + _primitives.ed25519_sign(signing_key, _PACKAGE_CONTEXT + signed)


def read_unverified_header(blob: bytes) -> PackageHeader:
    """The header WITHOUT any verification, only to pick the sender's public key for
    :func:`open_package` (pass ``sender=`` there too). Never act on it otherwise."""
    _, header_bytes, _, _ = split_envelope(_PACKAGE_MAGIC, blob)
    return decode_header(header_bytes)


def open_package(
    blob: bytes,
    *,
    recipient: str,
    recipient_private_key: bytes,
    sender_public_key: bytes,
    now: datetime,
    replay_guard: ReplayGuard,
    sender: str,
) -> OpenedPackage:
    """Verify, check and decrypt a package from ``sender`` (whose key is ``sender_public_key``)
    addressed to ``recipient``. Raises a PackageError subclass naming the first check that
    failed, in this order: format, signature, sender, recipient, validity window, decryption,
    replay. The sender's name is required: a package validly signed by one trusted installation
    must not be taken as coming from another."""
    now = _utc(now)  # a caller error, reported before looking at the package
    signed, header_bytes, sealed, signature = split_envelope(_PACKAGE_MAGIC, blob)
    if not _primitives.ed25519_verify(sender_public_key, signature, _PACKAGE_CONTEXT + signed):
        raise PackageSignatureError("bad package signature")
    header = decode_header(header_bytes)
    if header.sender != sender:
        raise WrongSenderError("package names another sender")
    if header.recipient != recipient:
        raise WrongRecipientError("package is addressed to another recipient")
    _check_window(header, now)
    info = _HPKE_INFO_CONTEXT + header_bytes
    try:
        payload = _primitives.hpke_open(sealed, recipient_private_key, info)
    except DecryptionError:
        raise PackageDecryptionError("package does not decrypt with this key") from None
    if not replay_guard.check_and_remember(header.sender, header.package_id):
        raise ReplayedPackageError("package was already accepted")
    return OpenedPackage(header=header, payload=payload)


def _check_window(header: PackageHeader, now: datetime) -> None:
    lifetime = header.expires_at - header.created_at
    if not timedelta(seconds=1) <= lifetime <= MAX_PACKAGE_VALIDITY:
        # Signed, but by a sender that does not follow the format: its ids could not be
        # remembered for a bounded time, so refuse it.
        raise PackageFormatError("validity period out of range")
    if now < header.created_at - CLOCK_SKEW:
        raise PackageNotYetValidError("package is not valid yet")
    if now >= header.expires_at:
        raise PackageExpiredError("package has expired")


def make_receipt(
    header: PackageHeader, *, receiver: str, signing_key: bytes, now: datetime
) -> bytes:
    """A receipt for an opened package, signed by its recipient (``receiver``)."""
    if receiver != header.recipient:
        raise ValueError("only the package's recipient can sign its receipt")
    receipt = Receipt(
        format_version=PACKAGE_FORMAT_VERSION,
        package_id=header.package_id,
        package_sender=header.sender,
        receiver=receiver,
        case_reference=header.case_reference,
        package_created_at=header.created_at,
        received_at=_utc(now).replace(microsecond=0),
    )
    signed = join_envelope(_RECEIPT_MAGIC, encode_receipt(receipt), b"")
    return signed + _primitives.ed25519_sign(signing_key, _RECEIPT_CONTEXT + signed)


def verify_receipt(
    blob: bytes, *, sender_public_key: bytes, package_sender: str, package_id: str, receiver: str
) -> Receipt:
    """Check a receipt signed with ``sender_public_key`` (the receipt's sender, i.e. the
    package's recipient, named ``receiver``) and that it acknowledges the package
    ``package_id`` of ``package_sender`` (ids are unique per sender only)."""
    signed, body, rest, signature = split_envelope(_RECEIPT_MAGIC, blob)
    if not _primitives.ed25519_verify(sender_public_key, signature, _RECEIPT_CONTEXT + signed):
        raise PackageSignatureError("bad receipt signature")
    if rest:
        raise PackageFormatError("trailing bytes in receipt")
    receipt = decode_receipt(body)
    if (receipt.package_sender, receipt.package_id) != (package_sender, package_id):
        raise PackageError("receipt acknowledges another package")
    if receipt.receiver != receiver:
        raise PackageError("receipt names another receiver")
    return receipt


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC)
