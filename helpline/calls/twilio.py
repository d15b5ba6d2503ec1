"""Twilio webhooks at the boundary: authenticity, parameters and TwiML. No SQL here.

Authenticity (SECURITY.md §7): a request is Twilio's only if ``X-Twilio-Signature`` validates
with the auth token over the canonical public URL (configured public base URL + raw path + raw
query; never the Host header, which a proxy or an attacker sets) and the raw form parameters.
The HMAC is Twilio's (HMAC-SHA1), so it comes from Twilio's own library, never from our code.

We call the library's ``compute_signature`` rather than its ``validate``: ``validate`` parses
the whole URL and signs it twice on every request (with and without the port, since Twilio
signs either way), which cost four times the HMAC itself. The two forms of our base URL are
made once, by the library's own ``add_port``/``remove_port``: the form as configured is
checked first (Twilio signs the URL it was given), and only a mismatch tries the other. What is
accepted is the same as ``validate`` accepts (a test compares the two).

Everything Twilio keeps (TwiML, callback URLs) is free of names, numbers of callers, case
facts and addresses: the TwiML below is fixed text plus the duty phones being dialled.
"""

from __future__ import annotations

import functools
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlparse

import phonenumbers
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from twilio.request_validator import RequestValidator, add_port, remove_port
from twilio.twiml.voice_response import VoiceResponse

import crypto

SIGNATURE_HEADER = "x-twilio-signature"
MAX_BODY_BYTES = 64 * 1024  # Twilio's voice webhooks are a few hundred bytes
MAX_PARAMETERS = 100
FORM_TYPE = "application/x-www-form-urlencoded"
CALL_SID = re.compile(r"CA[0-9a-f]{32}")

# Caller ids Twilio sends when the number is withheld or unknown, as words and as the digits
# that spell them on a keypad (ANONYMOUS, RESTRICTED, UNKNOWN, BLOCKED).
WITHHELD = frozenset(
    {
        "",
        "anonymous",
        "restricted",
        "unknown",
        "private",
        "blocked",
        "unavailable",
        "+266696687",
        "+7378742833",
        "+86282452253",
        "+8656696",
        "+2562533",
    }
)


class NotAuthentic(Exception):
    """The request cannot be shown to come from Twilio: answer 403, write nothing."""


class BadParameters(Exception):
    """Authentic, but the parameters we need are missing, repeated or malformed: 400."""


def canonical_url(base_url: str, scope: dict[str, object]) -> str:
    """The URL Twilio signed: our configured public base, the raw path, the raw query."""
    raw_path = scope.get("raw_path")
    if isinstance(raw_path, bytes | bytearray):
        path = bytes(raw_path).split(b"?", 1)[0].decode("latin-1")
    else:  # servers that omit raw_path: the decoded path is the best we have
        path = str(scope.get("path", ""))
    query = scope.get("query_string") or b""
    assert isinstance(query, bytes)
    url = base_url + path
    return url + "?" + query.decode("latin-1") if query else url


def _parse(raw: bytes) -> ImmutableMultiDict[str, str]:
    try:
        text = raw.decode("ascii")  # a form body is percent-encoded ASCII
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=False, encoding="utf-8", errors="strict",
            max_num_fields=MAX_PARAMETERS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAuthentic() from exc
    return ImmutableMultiDict(pairs)


async def authentic_parameters(
    request: Request, *, token: str | None, base_url: str
) -> ImmutableMultiDict[str, str]:
    """The webhook's parameters, once the signature is shown valid; else ``NotAuthentic``.

    POST: the form body's parameters (the query is part of the signed URL). GET: the query's.
    Runs before any database work, so a forged request writes nothing.
    """
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature or len(signature) > 200:
        raise NotAuthentic()
    if request.method == "POST":
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
            raise NotAuthentic()
        params = _parse(await _read_body(request))
    else:
        params = ImmutableMultiDict()
    if not _signed_by_twilio(token, base_url, request.scope, params, signature):
        raise NotAuthentic()
    if request.method != "POST":
        params = _parse(request.scope.get("query_string") or b"")
    return params


@functools.lru_cache(maxsize=8)
def base_url_forms(base_url: str) -> tuple[str, ...]:
    """The two forms of the base URL that Twilio may have signed: as configured first (what
    Twilio is given, so what it signs as a rule), then with its port removed, or with the
    scheme's default port added when it has none."""
    parsed = urlparse(base_url)
    other = add_port(parsed) if parsed.port is None else remove_port(parsed)
    return (parsed.geturl(), other)


def _signed_by_twilio(
    token: str, base_url: str, scope: dict[str, object], params: ImmutableMultiDict[str, str],
    signature: str,
) -> bool:
    validator = RequestValidator(token)  # holds the encoded token only: nothing to cache
    given = signature.encode("utf-8")
    for base in base_url_forms(base_url):
        expected = validator.compute_signature(canonical_url(base, scope), params)
        # Constant time, as the library's own compare; which form matched is not secret.
        if hmac.compare_digest(expected.encode("utf-8"), given):
            return True
    return False


class BodyTooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    # Latin-1 text: "²" is a digit to str.isdigit, not to int.
    if declared is not None and (
        not (declared.isascii() and declared.isdigit()) or int(declared) > MAX_BODY_BYTES
    ):
        raise BodyTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def single(params: ImmutableMultiDict[str, str], name: str, *, required: bool = True) -> str:
    """One value of a parameter: repeated with different values is ambiguous, so refused."""
    values = set(params.getlist(name))
    if len(values) > 1 or (required and not values):
        raise BadParameters(name)
    value = values.pop() if values else ""
    if len(value) > 200 or "\x00" in value:  # nothing of Twilio's holds U+0000
        raise BadParameters(name)
    return value


def call_sid(params: ImmutableMultiDict[str, str], name: str = "CallSid") -> str:
    value = single(params, name)
    if not CALL_SID.fullmatch(value):
        raise BadParameters(name)
    return value


@functools.lru_cache(maxsize=64)
def line_number(value: str) -> str | None:
    """Our helpline number (Twilio's ``To``) in E.164, or None. Cached: it is one of a few
    public numbers, and parsing it was a tenth of the webhook's own work."""
    try:
        return crypto.normalise_phone(value)
    except ValueError:
        return None


def caller_number(value: str) -> str | None:
    """The caller's number in E.164, or None when withheld, unknown or not a phone number."""
    if value.strip().lower() in WITHHELD:
        return None
    try:
        number = crypto.normalise_phone(value)
    except ValueError:
        return None
    # A caller id no numbering plan assigns (a keypad spelling of "withheld" we do not know, a
    # spoofed placeholder) is as good as withheld: it cannot be called back, and every caller
    # sending it would look like one repeat caller.
    return number if phonenumbers.is_valid_number(phonenumbers.parse(number)) else None


# --- TwiML -------------------------------------------------------------------------------------

VOICE = {"language": "sv-SE", "voice": "Polly.Astrid"}
GREETING = "Hej och välkommen. Är du i akut fara, lägg på och ring 112."
CONNECTING = "Vi kopplar dig nu till en handläggare."
NOBODY = "Just nu kan ingen svara."
OFFER = "Tryck 1 om du vill att vi ringer upp dig på numret du ringer från."
WITHHELD_NUMBER = "Ditt nummer är dolt, så vi kan inte ringa upp dig. Ring gärna igen."
ACCEPTED = "Tack. Vi ringer upp dig så snart vi kan. Är du i akut fara, ring 112."
GOODBYE = "Välkommen att ringa igen. Är du i akut fara, ring 112."
UNROUTED = (
    "Samtalet kan inte kopplas just nu. Är du i akut fara, ring 112. "
    "Annars når du polisen på 114 14."
)
DIAL_TIMEOUT_SECONDS = 25
MAX_DIALLED = 10  # Twilio rings at most ten <Number>s of one <Dial> at once


@dataclass(frozen=True)
class Urls:
    dial_result: str
    status: str
    gather: str

    @classmethod
    def under(cls, base_url: str) -> Urls:
        # Absolute URLs under the configured public base: exactly what Twilio will sign.
        return cls(
            dial_result=f"{base_url}/twilio/voice/dial-result",
            status=f"{base_url}/twilio/voice/status",
            gather=f"{base_url}/twilio/voice/gather",
        )


def _xml(response: VoiceResponse) -> str:
    return str(response)


def answer(*, duty_phones: Sequence[str], line: str, withheld: bool, urls: Urls) -> str:
    """The incoming call: greeting, 112, then ring every on-duty officer at once."""
    return _answer(tuple(duty_phones), line, withheld, urls)


# Every call with the same officers on duty gets the same document, and building it was a fifth
# of the webhook's own work. The cache holds the last few documents, so the duty phones dialled
# lately: the process decrypts those for every call anyway, and holds the key that does.
@functools.lru_cache(maxsize=32)
def _answer(duty_phones: tuple[str, ...], line: str, withheld: bool, urls: Urls) -> str:
    response = VoiceResponse()
    response.say(GREETING, **VOICE)
    if not duty_phones:
        _offer_callback(response, withheld=withheld, urls=urls)
        return _xml(response)
    response.say(CONNECTING, **VOICE)
    # The officers' phones show the helpline number, not the caller's: a lost duty phone then
    # holds no caller numbers, and the officer knows it is a helpline call.
    dial = response.dial(
        action=urls.dial_result,
        method="POST",
        timeout=DIAL_TIMEOUT_SECONDS,
        answer_on_bridge=True,
        caller_id=line,
        record="do-not-record",
    )
    for phone in duty_phones[:MAX_DIALLED]:
        dial.number(
            phone,
            status_callback=urls.status,
            status_callback_event="answered completed",
            status_callback_method="POST",
        )
    return _xml(response)


def after_dial(*, answered: bool, withheld: bool, urls: Urls) -> str:
    response = VoiceResponse()
    if answered:
        response.hangup()
        return _xml(response)
    _offer_callback(response, withheld=withheld, urls=urls)
    return _xml(response)


def _offer_callback(response: VoiceResponse, *, withheld: bool, urls: Urls) -> None:
    response.say(NOBODY, **VOICE)
    if withheld:
        response.say(WITHHELD_NUMBER, **VOICE)
        response.say(GOODBYE, **VOICE)
        response.hangup()
        return
    gather = response.gather(
        num_digits=1, action=urls.gather, method="POST", timeout=8, action_on_empty_result=False
    )
    gather.say(OFFER, **VOICE)
    response.say(GOODBYE, **VOICE)
    response.hangup()


def after_gather(*, accepted: bool) -> str:
    response = VoiceResponse()
    response.say(ACCEPTED if accepted else GOODBYE, **VOICE)
    response.hangup()
    return _xml(response)


def unrouted() -> str:
    """For a number we do not know: no organisation owns the call, so nobody is dialled."""
    response = VoiceResponse()
    response.say(UNROUTED, **VOICE)
    response.hangup()
    return _xml(response)
