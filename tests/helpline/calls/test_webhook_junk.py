"""Every Twilio webhook, signed as Twilio signs it, with each parameter it reads missing, given
twice, or holding junk: a 200 or 204 (a harmless no-op), or a 400 with nothing written; never a
500 (issue 4, "Bad input"). A signature proves who sent a request, not that its values are sane:
a webhook URL can be misconfigured, and Twilio's parameters change over the years."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from tests.helpline.calls.conftest import (
    CALLER,
    LINE,
    call_params,
    counts,
    new_sid,
    on_duty,
    post_signed,
)

DUTY = "+46701740620"
JUNK = [
    "", " ", "\u3000", "x" * 200, "x" * 201, "-1", "0", "1e309", "NaN", "99999999999999999999",
    "ä\u202eö", "<Say>hej</Say>", "'; DROP TABLE helpline_calls; --", "%00", "+", "+4670 174 06 05",
    "anonymous", "CA" + "0" * 32, "CA" + "F" * 32, LINE, CALLER, "busy", "COMPLETED", "1",
]
# What each webhook reads, beyond what every one reads (CallSid, To, From).
READS = {
    "/twilio/voice": ["CallStatus"],
    "/twilio/voice/status": ["CallStatus", "CallDuration", "ParentCallSid"],
    "/twilio/voice/dial-result": ["DialCallStatus", "DialCallDuration"],
    "/twilio/voice/gather": ["Digits"],
}
VALID = {
    "/twilio/voice": {},
    "/twilio/voice/status": {"CallStatus": "in-progress", "CallDuration": "12"},
    "/twilio/voice/dial-result": {"DialCallStatus": "no-answer", "DialCallDuration": "0"},
    "/twilio/voice/gather": {"Digits": "1"},
}


def _variants(params: dict[str, str], names: list[str]) -> Iterator[list[tuple[str, str]]]:
    """The valid parameters with one of ``names`` missing, holding each junk value, or given
    twice (with the same value, and with another)."""
    for name in names:
        others = [(key, value) for key, value in params.items() if key != name]
        yield others
        for junk in JUNK:
            yield [*others, (name, junk)]
        if name in params:
            yield [*others, (name, params[name]), (name, params[name])]
            yield [*others, (name, params[name]), (name, "x")]


async def test_signed_junk_in_any_webhook_parameter_is_never_a_500_nor_a_partial_write(
    client, world, app, line
):
    await on_duty(world, app, line, DUTY)
    statuses: Counter[tuple[str, int]] = Counter()
    for path, reads in READS.items():
        names = ["CallSid", "To", "From", *reads]
        # A call Twilio has told us about, for the callbacks to refer to.
        sid = new_sid()
        assert (await post_signed(client, "/twilio/voice", call_params(sid))).status_code == 200
        for params in _variants(call_params(sid, **VALID[path]), names):
            if path == "/twilio/voice":  # each variant a new call, not a repeat of one
                params = [(k, new_sid() if v == sid else v) for k, v in params]
            before = await counts(world)
            response = await post_signed(client, path, params)
            statuses[(path, response.status_code)] += 1
            assert response.status_code in (200, 204, 400), (path, params, response.text)
            if response.status_code == 400:
                assert response.content == b"" and await counts(world) == before, (path, params)
            elif response.status_code == 200:
                assert response.text.startswith("<?xml") and "<Response>" in response.text
    # Each webhook both refused some variants and got through with others.
    for path in READS:
        assert statuses[(path, 400)] and statuses[(path, 200)] + statuses[(path, 204)], statuses
