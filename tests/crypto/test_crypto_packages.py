"""Sealed handover packages and receipts (mirrors crypto/_packages and crypto/_package_format)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from crypto import (
    CLOCK_SKEW,
    MAX_PACKAGE_VALIDITY,
    PackageDecryptionError,
    PackageError,
    PackageExpiredError,
    PackageFormatError,
    PackageNotYetValidError,
    PackageSignatureError,
    ReplayedPackageError,
    UnsupportedPackageVersionError,
    WrongRecipientError,
    WrongSenderError,
    _packages,
    _primitives,
    generate_sealing_key,
    generate_signing_key,
    make_receipt,
    open_package,
    read_unverified_header,
    seal_package,
    sealing_public_key,
    signing_public_key,
    verify_receipt,
)

NOW = datetime(2026, 5, 9, 12, 0, 0, tzinfo=UTC)
SENDER, RECIPIENT = "Malmö stad", "Göteborgs stad"
SENDER_SIGNING = generate_signing_key()
RECIPIENT_SEALING = generate_sealing_key()
RECIPIENT_SIGNING = generate_signing_key()


def seal(payload: bytes = b"case file", **overrides: Any) -> bytes:
    arguments: dict[str, Any] = {
        "sender": SENDER,
        "signing_key": SENDER_SIGNING,
        "recipient": RECIPIENT,
        "recipient_public_key": sealing_public_key(RECIPIENT_SEALING),
        "case_reference": "HL-2026-0042",
        "now": NOW,
        "valid_for": timedelta(days=7),
    }
    return seal_package(payload, **(arguments | overrides))


def open_(blob: bytes, guard: Any, **overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "recipient": RECIPIENT,
        "recipient_private_key": RECIPIENT_SEALING,
        "sender_public_key": signing_public_key(SENDER_SIGNING),
        "now": NOW + timedelta(hours=1),
        "replay_guard": guard,
        "sender": SENDER,
    }
    return open_package(blob, **(arguments | overrides))


def resign(header: dict[str, Any] | bytes, sealed: bytes, *, version: int = 1) -> bytes:
    """A package with an arbitrary header, validly signed by the real sender (a sender bug)."""
    header_bytes = header if isinstance(header, bytes) else json.dumps(header).encode()
    signed = b"HLPKG\x00" + bytes([version]) + len(header_bytes).to_bytes(4, "big")
    signed += header_bytes + sealed
    return signed + _primitives.ed25519_sign(SENDER_SIGNING, _packages._PACKAGE_CONTEXT + signed)


def parts(blob: bytes) -> tuple[dict[str, Any], bytes]:
    length = int.from_bytes(blob[7:11], "big")
    return json.loads(blob[11 : 11 + length]), blob[11 + length : -64]


def test_round_trip_returns_payload_and_header(replay_guard: Any) -> None:
    opened = open_(seal(b"\x00" * 100_000, package_id="pkg-1"), replay_guard)
    assert opened.payload == b"\x00" * 100_000
    header = opened.header
    assert (header.package_id, header.sender, header.recipient) == ("pkg-1", SENDER, RECIPIENT)
    assert header.case_reference == "HL-2026-0042" and header.format_version == 1
    assert header.created_at == NOW and header.expires_at == NOW + timedelta(days=7)


def test_empty_payload_round_trips(replay_guard: Any) -> None:
    assert open_(seal(b""), replay_guard).payload == b""


def test_package_ids_are_random_by_default() -> None:
    assert read_unverified_header(seal()).package_id != read_unverified_header(seal()).package_id


def test_creation_time_is_stored_in_utc_to_the_second() -> None:
    local = datetime(2026, 5, 9, 14, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=2)))
    assert read_unverified_header(seal(now=local)).created_at == NOW


def test_wrong_recipient_name_is_refused(replay_guard: Any) -> None:
    with pytest.raises(WrongRecipientError):
        open_(seal(), replay_guard, recipient="Lunds kommun")
    assert not replay_guard.seen


def test_wrong_recipient_private_key_does_not_decrypt(replay_guard: Any) -> None:
    with pytest.raises(PackageDecryptionError):
        open_(seal(), replay_guard, recipient_private_key=generate_sealing_key())
    assert not replay_guard.seen


def test_signature_by_anyone_but_the_expected_sender_is_refused(replay_guard: Any) -> None:
    forged = seal(signing_key=generate_signing_key())
    with pytest.raises(PackageSignatureError):
        open_(forged, replay_guard)


def test_expected_sender_name_is_enforced_when_given(replay_guard: Any) -> None:
    with pytest.raises(WrongSenderError):
        open_(seal(), replay_guard, sender="Lunds kommun")
    assert open_(seal(), replay_guard, sender=SENDER).header.sender == SENDER


def test_flipping_any_byte_is_refused_and_never_consumes_the_package_id(
    replay_guard: Any,
) -> None:
    blob = seal()
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(PackageError):
            open_(bytes(tampered), replay_guard)
    assert not replay_guard.seen
    open_(blob, replay_guard)  # the untouched original still opens


def test_every_truncation_is_refused(replay_guard: Any) -> None:
    blob = seal()
    for length in range(len(blob)):
        with pytest.raises(PackageError):
            open_(blob[:length], replay_guard)


def test_a_package_opens_only_once(replay_guard: Any) -> None:
    blob = seal()
    open_(blob, replay_guard)
    with pytest.raises(ReplayedPackageError):
        open_(blob, replay_guard)


def test_replay_check_comes_last_so_a_failed_open_does_not_burn_the_id(
    replay_guard: Any,
) -> None:
    blob = seal()
    with pytest.raises(PackageDecryptionError):
        open_(blob, replay_guard, recipient_private_key=generate_sealing_key())
    assert open_(blob, replay_guard).payload == b"case file"


def test_expired_at_and_after_expiry_valid_just_before(replay_guard: Any) -> None:
    expires = NOW + timedelta(days=7)
    with pytest.raises(PackageExpiredError):
        open_(seal(), replay_guard, now=expires)
    with pytest.raises(PackageExpiredError):
        open_(seal(), replay_guard, now=expires + timedelta(days=1))
    open_(seal(), replay_guard, now=expires - timedelta(seconds=1))


def test_not_yet_valid_beyond_the_clock_skew_valid_within_it(replay_guard: Any) -> None:
    with pytest.raises(PackageNotYetValidError):
        open_(seal(), replay_guard, now=NOW - CLOCK_SKEW - timedelta(seconds=1))
    open_(seal(), replay_guard, now=NOW - CLOCK_SKEW)


def test_unknown_format_version_is_refused_before_anything_else(replay_guard: Any) -> None:
    header, sealed = parts(seal())
    for version in (0, 2, 255):
        with pytest.raises(UnsupportedPackageVersionError):
            open_(resign(header, sealed, version=version), replay_guard)


def test_header_format_version_must_match_the_envelope(replay_guard: Any) -> None:
    header, sealed = parts(seal())
    with pytest.raises(PackageFormatError):
        open_(resign(header | {"format_version": 2}, sealed), replay_guard)


def test_header_is_bound_into_the_encryption_not_only_the_signature(replay_guard: Any) -> None:
    # Even the real sender's key cannot re-address a sealed payload to someone else's header.
    header, sealed = parts(seal())
    changed = resign(header | {"case_reference": "HL-2026-0043"}, sealed)
    with pytest.raises(PackageDecryptionError):
        open_(changed, replay_guard)


def _bad_headers() -> list[Any]:
    header, _ = parts(seal())
    text = json.dumps(header)
    return [
        {k: v for k, v in header.items() if k != "case_reference"},
        header | {"extra": 1},
        header | {"format_version": True},
        header | {"sender": ""},
        header | {"sender": 7},
        header | {"recipient": "a\nb"},
        header | {"created_at": "2026-5-9T12:00:00Z"},
        header | {"created_at": "2026-05-09T12:00:00+00:00"},
        header | {"created_at": 1778328000},
        header | {"expires_at": header["created_at"]},  # zero lifetime
        header | {"expires_at": "2026-06-09T12:00:01Z"},  # longer than the maximum
        text.replace('"sender"', '"sender": "x", "sender"', 1).encode(),  # duplicate key
        b"[]",
        b"\xff",
        b"",
    ]


@pytest.mark.parametrize("header", _bad_headers())
def test_signed_but_malformed_headers_are_refused(replay_guard: Any, header: Any) -> None:
    _, sealed = parts(seal())
    with pytest.raises(PackageFormatError):
        open_(resign(header, sealed), replay_guard)
    assert not replay_guard.seen


@pytest.mark.parametrize(
    "blob",
    [b"", b"HLPKG", b"HLPKG\x00", b"HLRCT\x00\x01" + bytes(100), b"XXXXXX\x01" + bytes(100)],
)
def test_non_packages_are_refused_as_malformed(replay_guard: Any, blob: bytes) -> None:
    with pytest.raises(PackageFormatError):
        open_(blob, replay_guard)


def test_an_unsigned_header_nested_too_deep_to_parse_is_malformed_not_a_crash() -> None:
    """read_unverified_header runs before any signature check: whoever can hand in a package
    reaches it. A header of 60,000 '[' made json.loads raise RecursionError."""
    header = b"[" * 60_000
    blob = b"HLPKG\x00\x01" + len(header).to_bytes(4, "big") + header + bytes(64)
    with pytest.raises(PackageFormatError):
        read_unverified_header(blob)


def test_oversized_header_length_is_refused(replay_guard: Any) -> None:
    blob = b"HLPKG\x00\x01" + (2**20).to_bytes(4, "big") + bytes(2**20 + 200)
    with pytest.raises(PackageFormatError):
        open_(blob, replay_guard)


@pytest.mark.parametrize(
    "overrides",
    [
        {"valid_for": timedelta(0)},
        {"valid_for": MAX_PACKAGE_VALIDITY + timedelta(seconds=1)},
        {"now": datetime(2026, 5, 9, 12)},  # naive
        {"sender": ""},
        {"recipient": "x" * 257},
        {"case_reference": "a\u2028b"},
        {"package_id": ""},
        {"recipient_public_key": bytes(31)},
        {"recipient_public_key": bytes(32)},  # low-order point: all-zero shared secret
        {"signing_key": bytes(31)},
    ],
)
def test_sealing_refuses_bad_arguments(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        seal(**overrides)


def test_opening_refuses_a_naive_now_and_a_malformed_private_key(replay_guard: Any) -> None:
    with pytest.raises(ValueError):
        open_(seal(), replay_guard, now=datetime(2026, 5, 9, 13))
    with pytest.raises(ValueError):
        open_(seal(), replay_guard, recipient_private_key=bytes(31))


def test_malformed_sender_public_keys_are_just_bad_signatures(replay_guard: Any) -> None:
    for key in (b"", bytes(31), b"\xff" * 32):
        with pytest.raises(PackageSignatureError):
            open_(seal(), replay_guard, sender_public_key=key)


def test_public_keys_match_rfc_7748_and_rfc_8032_test_vectors() -> None:
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    assert sealing_public_key(alice).hex() == (
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    )
    seed = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    assert signing_public_key(seed).hex() == (
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    )
    assert _primitives.ed25519_sign(seed, b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
        "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )


def test_generated_keys_are_32_fresh_bytes() -> None:
    keys = {generate_sealing_key() for _ in range(4)} | {generate_signing_key() for _ in range(4)}
    assert len(keys) == 8 and {len(k) for k in keys} == {32}


def check_receipt(blob: bytes, **arguments: Any) -> Any:
    """verify_receipt as the package's sender calls it: its own name, its recipient's name."""
    return verify_receipt(blob, **({"package_sender": SENDER, "receiver": RECIPIENT} | arguments))


def receipt_for(blob: bytes, guard: Any) -> bytes:
    header = open_(blob, guard).header
    return make_receipt(header, receiver=RECIPIENT, signing_key=RECIPIENT_SIGNING, now=NOW)


def test_valid_receipt_acknowledges_the_package(replay_guard: Any) -> None:
    blob = seal(package_id="pkg-7")
    receipt = check_receipt(
        receipt_for(blob, replay_guard),
        sender_public_key=signing_public_key(RECIPIENT_SIGNING),
        package_id="pkg-7",
    )
    assert (receipt.package_id, receipt.package_sender, receipt.receiver) == (
        "pkg-7",
        SENDER,
        RECIPIENT,
    )
    assert receipt.case_reference == "HL-2026-0042"
    assert receipt.package_created_at == NOW and receipt.received_at == NOW


def test_forged_receipt_is_refused(replay_guard: Any) -> None:
    receipt = receipt_for(seal(package_id="pkg-7"), replay_guard)
    with pytest.raises(PackageSignatureError):
        check_receipt(
            receipt, sender_public_key=signing_public_key(SENDER_SIGNING), package_id="pkg-7"
        )


def test_any_flipped_byte_in_a_receipt_is_refused(replay_guard: Any) -> None:
    receipt = receipt_for(seal(package_id="pkg-7"), replay_guard)
    public = signing_public_key(RECIPIENT_SIGNING)
    for position in range(len(receipt)):
        tampered = bytearray(receipt)
        tampered[position] ^= 0x01
        with pytest.raises(PackageError):
            check_receipt(bytes(tampered), sender_public_key=public, package_id="pkg-7")


def test_receipt_for_another_package_is_refused(replay_guard: Any) -> None:
    receipt = receipt_for(seal(package_id="pkg-7"), replay_guard)
    with pytest.raises(PackageError, match="another package"):
        check_receipt(
            receipt, sender_public_key=signing_public_key(RECIPIENT_SIGNING), package_id="pkg-8"
        )


def test_receipt_with_trailing_bytes_is_refused_even_if_signed(replay_guard: Any) -> None:
    receipt = receipt_for(seal(package_id="pkg-7"), replay_guard)
    signed = receipt[:-64] + b"extra"
    resigned = signed + _primitives.ed25519_sign(
        RECIPIENT_SIGNING, _packages._RECEIPT_CONTEXT + signed
    )
    with pytest.raises(PackageFormatError):
        check_receipt(
            resigned, sender_public_key=signing_public_key(RECIPIENT_SIGNING), package_id="pkg-7"
        )


def test_packages_and_receipts_cannot_stand_in_for_each_other(replay_guard: Any) -> None:
    blob = seal(package_id="pkg-7")
    receipt = receipt_for(blob, replay_guard)
    with pytest.raises(PackageFormatError):
        open_(receipt, replay_guard)
    with pytest.raises(PackageFormatError):
        check_receipt(
            blob, sender_public_key=signing_public_key(SENDER_SIGNING), package_id="pkg-7"
        )


def test_only_the_recipient_can_issue_the_receipt(replay_guard: Any) -> None:
    header = open_(seal(), replay_guard).header
    with pytest.raises(ValueError):
        make_receipt(header, receiver="Lunds kommun", signing_key=RECIPIENT_SIGNING, now=NOW)


def test_receipt_naming_another_sender_or_receiver_is_refused(replay_guard: Any) -> None:
    """Ids are unique per sender only: a receipt for another sender's package of the same id,
    or naming another receiver, does not acknowledge ours."""
    receipt = receipt_for(seal(package_id="pkg-7"), replay_guard)
    public = signing_public_key(RECIPIENT_SIGNING)
    with pytest.raises(PackageError, match="another package"):
        check_receipt(receipt, sender_public_key=public, package_id="pkg-7",
                      package_sender="Lunds kommun")
    with pytest.raises(PackageError, match="another receiver"):
        check_receipt(receipt, sender_public_key=public, package_id="pkg-7",
                      receiver="Lunds kommun")


def test_one_sender_cannot_use_up_another_senders_package_id(replay_guard: Any) -> None:
    """Replay is per sender: a trusted installation that sends a package with the id of
    another's (headers travel in clear) must not get that other's package refused."""
    other_signing = generate_signing_key()
    first = seal_package(
        b"x", sender="Lunds kommun", signing_key=other_signing, recipient=RECIPIENT,
        recipient_public_key=sealing_public_key(RECIPIENT_SEALING), case_reference="HL-1",
        now=NOW, valid_for=timedelta(days=1), package_id="pkg-7",
    )
    open_(first, replay_guard, sender="Lunds kommun",
          sender_public_key=signing_public_key(other_signing))
    assert open_(seal(package_id="pkg-7"), replay_guard).header.sender == SENDER
    with pytest.raises(ReplayedPackageError):
        open_(seal(package_id="pkg-7"), replay_guard)
