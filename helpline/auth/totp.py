"""TOTP second factor (RFC 6238 via pyotp) with replay protection and a QR code (segno)."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
import segno

ISSUER = "Helpline"
_WINDOW = 1  # accept the previous and next 30-second step for clock drift


def new_secret() -> str:
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """An inline SVG (no script, no external image) for the enrolment page."""
    return str(segno.make(uri, error="m").svg_inline(scale=5))


def accepted_step(secret: str, code: str, *, now: datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to, if valid and newer than the last accepted one."""
    code = code.strip().replace(" ", "")
    # isascii first: isdigit() alone passes '¹²³⁴⁵⁶', which compare_digest cannot take (TypeError).
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - _WINDOW, current + _WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
