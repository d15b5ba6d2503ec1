"""Parsing case forms (pages) and JSON bodies (API) into the service's input shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from helpline import clock
from helpline.cases.schemas import (
    InformationGiven,
    IntakeInput,
    Motivation,
    Suitability,
    parse_enum,
    parse_tristate,
)
from helpline.errors import InvalidInput
from helpline.models.cases import Milieu, ReferralSource

TRISTATE_FIELDS = ("definition_met", "threat_documented", "is_adult", "is_witness")


def parse_local_datetime(value: str) -> datetime | None:
    """A ``datetime-local`` value in Swedish time, or an ISO 8601 time with offset, to UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=clock.SWEDEN)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:30 Swedish time is before the year 1 in UTC
        return None


def intake_from(values: Mapping[str, Any], *, listed: Mapping[str, list[str]]) -> IntakeInput:
    """``values`` holds single values; ``listed`` the multi-valued fields (checkboxes, lines)."""
    errors: dict[str, str] = {}
    held_at = parse_local_datetime(str(values.get("held_at") or ""))
    if held_at is None:
        errors["held_at"] = "required" if not values.get("held_at") else "invalid"
    motivation = parse_enum(Motivation, values.get("motivation"), "motivation", errors)
    suitability = parse_enum(Suitability, values.get("suitability"), "suitability", errors)
    milieu = parse_enum(Milieu, values.get("milieu"), "milieu", errors, required=False)
    source = parse_enum(
        ReferralSource, values.get("referral_source"), "referral_source", errors, required=False
    )
    information = []
    for item in listed.get("information_given", []):
        parsed = parse_enum(InformationGiven, item, "information_given", errors)
        if parsed is not None:
            information.append(parsed)
    if errors:
        raise InvalidInput(errors)
    participants = [p.strip() for p in listed.get("participants", []) if p.strip()]
    call_id = str(values.get("call_id") or "").strip() or None
    return IntakeInput(
        held_at=held_at,  # type: ignore[arg-type]
        motivation=motivation,  # type: ignore[arg-type]
        suitability=suitability,  # type: ignore[arg-type]
        participants=participants,
        information_given=information,  # type: ignore[arg-type]
        milieu=milieu,  # type: ignore[arg-type]
        referral_source=source,  # type: ignore[arg-type]
        notes=str(values.get("notes") or "").strip(),
        call_id=call_id if call_id and len(call_id) == 36 else None,
        **{name: parse_tristate(values.get(name)) for name in TRISTATE_FIELDS},
    )
