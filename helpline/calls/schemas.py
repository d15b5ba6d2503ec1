"""Input of the calls domain, parsed and checked: each field's error is a message id to show
next to it, and the entered values always come back so nothing is lost on a refused form."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import crypto
from helpline.models.calls import CallbackOutcome, CallChannel, CallerType, CallOutcome
from helpline.web.labels import N_

LOCAL_TIME = ZoneInfo("Europe/Stockholm")
SUMMARY_MAX = 1000
LANGUAGE_MAX = 20
MAX_SHIFT = timedelta(days=14)

# Minimisation: the summary is for what the work needs, never whereabouts or identity numbers.
_ADDRESS = re.compile(
    r"\b\w+(gatan|vägen|gränd|gränden|torget|allén|backen|stigen|gata|väg|plan)\s*\d+",
    re.IGNORECASE,
)
_POSTCODE = re.compile(r"\b\d{3}\s?\d{2}\s+[A-ZÅÄÖ][a-zåäö]+")
_ID_NUMBER = re.compile(r"\b(\d{2})?\d{6}\s?[-+]?\s?\d{4}\b")

Errors = dict[str, str]


def _text(form: Mapping[str, object], name: str, max_length: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:max_length] if isinstance(value, str) else ""


def _flag(form: Mapping[str, object], name: str) -> bool:
    return form.get(name) in ("on", "true", "1", True)


def _choice(form: Mapping[str, object], name: str, kind: type, errors: Errors) -> object:
    raw = _text(form, name, 40)
    try:
        return kind(raw)
    except ValueError:
        errors[name] = N_("Choose one of the options.")
        return None


def _as_read(text: str) -> str:
    """The text as a reader sees it: compatibility forms folded (full-width digits) and
    invisible format characters (zero-width space, soft hyphen) removed, which would otherwise
    slip "Storgatan\u200b12" past the patterns while it still reads as an address."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(char for char in folded if unicodedata.category(char) != "Cf")


def summary_problem(summary: str) -> str | None:
    if len(summary) > SUMMARY_MAX:
        return N_("The summary is too long (at most 1000 characters).")
    summary = _as_read(summary)
    if _ADDRESS.search(summary) or _POSTCODE.search(summary):
        return N_("The summary seems to contain an address. Remove it: never write addresses.")
    if _ID_NUMBER.search(summary):
        return N_("The summary seems to contain an identity number. Remove it.")
    return None


@dataclass
class CallForm:
    """Completing a call (and, with ``received_at`` and a number, logging one by hand)."""

    values: dict[str, object] = field(default_factory=dict)
    errors: Errors = field(default_factory=dict)
    caller_type: CallerType | None = None
    channel: CallChannel | None = None
    outcome: CallOutcome | None = None
    language: str = ""
    anonymous: bool = False
    acute_danger_advice: bool = False
    summary: str = ""
    case_id: str | None = None
    received_at: datetime | None = None
    caller_number: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_call_form(
    form: Mapping[str, object], *, manual: bool = False, now: datetime | None = None
) -> CallForm:
    errors: Errors = {}
    raw_summary = form.get("summary")
    summary = raw_summary.strip() if isinstance(raw_summary, str) else ""
    result = CallForm(
        errors=errors,
        caller_type=_choice(form, "caller_type", CallerType, errors),  # type: ignore[arg-type]
        channel=_choice(form, "channel", CallChannel, errors),  # type: ignore[arg-type]
        outcome=_choice(form, "outcome", CallOutcome, errors),  # type: ignore[arg-type]
        language=_text(form, "language", 200),
        anonymous=_flag(form, "anonymous"),
        acute_danger_advice=_flag(form, "acute_danger_advice"),
        summary=summary[: SUMMARY_MAX + 1],
    )
    if len(result.language) > LANGUAGE_MAX:
        errors["language"] = N_("Write the language in at most 20 characters.")
    problem = summary_problem(summary)
    if problem:
        errors["summary"] = problem
    case_id = _text(form, "case_id", 100)
    if case_id:
        try:
            result.case_id = str(uuid.UUID(case_id))
        except ValueError:
            errors["case_id"] = N_("This is not a case id.")
    if manual:
        _parse_manual(form, result, now=now or datetime.now(UTC))
    result.values = {
        "caller_type": _text(form, "caller_type", 40),
        "channel": _text(form, "channel", 40),
        "outcome": _text(form, "outcome", 40),
        "language": result.language,
        "anonymous": result.anonymous,
        "acute_danger_advice": result.acute_danger_advice,
        "summary": result.summary,
        "case_id": case_id,
        "received_at": _text(form, "received_at", 40),
        "caller_number": _text(form, "caller_number", 40),
    }
    return result


def _parse_manual(form: Mapping[str, object], result: CallForm, *, now: datetime) -> None:
    received = parse_local_datetime(_text(form, "received_at", 40))
    if received is None:
        result.errors["received_at"] = N_("Enter the date and time of the call.")
    elif received > now + timedelta(minutes=5) or received < now - timedelta(days=30):
        result.errors["received_at"] = N_("The time must be within the last 30 days.")
    result.received_at = received
    number = _text(form, "caller_number", 40)
    if number:
        try:
            result.caller_number = crypto.normalise_phone(number)
        except ValueError:
            result.errors["caller_number"] = N_("This is not a phone number.")


def parse_local_datetime(value: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM`` as the browser's datetime-local sends it, in Swedish time."""
    try:
        local = datetime.strptime(value, "%Y-%m-%dT%H:%M")
        return local.replace(tzinfo=LOCAL_TIME).astimezone(UTC)
    except ValueError:
        return None
    except OverflowError:  # 0001-01-01T00:30 Swedish time is before the year 1 in UTC
        return None


def local_input(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M") if moment else ""


def local_display(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass
class ShiftForm:
    values: dict[str, str]
    errors: Errors
    user_id: str = ""
    phone: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def parse_shift_form(
    form: Mapping[str, object], *, officer_ids: set[str], now: datetime
) -> ShiftForm:
    values = {name: _text(form, name, 40) for name in ("user_id", "phone", "starts_at", "ends_at")}
    result = ShiftForm(values=values, errors={}, user_id=values["user_id"])
    if result.user_id not in officer_ids:
        result.errors["user_id"] = N_("Choose an officer.")
    try:
        result.phone = crypto.normalise_phone(values["phone"])
    except ValueError:
        result.errors["phone"] = N_("This is not a phone number.")
    result.starts_at = parse_local_datetime(values["starts_at"])
    result.ends_at = parse_local_datetime(values["ends_at"])
    if result.starts_at is None:
        result.errors["starts_at"] = N_("Enter the date and time of the start.")
    if result.ends_at is None:
        result.errors["ends_at"] = N_("Enter the date and time of the end.")
    elif result.ends_at <= now:
        result.errors["ends_at"] = N_("The end must be in the future.")
    elif result.starts_at is not None and not (
        timedelta(0) < result.ends_at - result.starts_at <= MAX_SHIFT
    ):
        result.errors["ends_at"] = N_("The end must be after the start, within 14 days.")
    return result


def parse_callback_outcome(form: Mapping[str, object]) -> tuple[CallbackOutcome | None, Errors]:
    errors: Errors = {}
    outcome = _choice(form, "outcome", CallbackOutcome, errors)
    return outcome, errors  # type: ignore[return-value]
