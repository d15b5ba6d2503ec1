"""Edges of the Twilio code that the main webhook tests do not reach (SECURITY.md: branch
coverage of the Twilio code 100 %): unparseable and foreign numbers, retried and odd callbacks,
duplicate duty phones, long values, chunked bodies, servers without raw_path."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from starlette.requests import Request

from helpline.calls import telephony, twilio
from helpline.calls.twilio import canonical_url
from helpline.models import CallbackRequest, HelplineCall
from helpline.models.calls import CallEvent
from tests.helpline.calls.conftest import (
    LINE,
    call_params,
    counts,
    new_sid,
    on_duty,
    post_signed,
    sessions_of,
)

DUTY = "+46701740620"


def _dialled(xml: str) -> list[str]:
    return re.findall(r"<Number[^>]*>([^<]+)</Number>", xml)


async def _call(world, sid):  # type: ignore[no-untyped-def]
    return await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))


async def test_a_call_to_a_number_that_is_not_a_phone_number_is_unrouted_and_writes_nothing(
    client, world, line
):
    before = await counts(world)
    response = await post_signed(client, "/twilio/voice", call_params(new_sid(), To="client:abc"))
    assert response.status_code == 200 and "112" in response.text
    assert _dialled(response.text) == [] and await counts(world) == before


async def test_a_status_callback_for_a_number_that_is_not_a_phone_number_is_a_no_op(
    client, world, line
):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    before = await counts(world)
    params = call_params(sid, To="client:abc", CallStatus="completed")
    response = await post_signed(client, "/twilio/voice/status", params)
    assert response.status_code == 204 and await counts(world) == before


async def test_the_same_duty_phone_on_two_shifts_is_dialled_once(client, world, app, line):
    await on_duty(world, app, line, DUTY)
    await on_duty(world, app, line, DUTY, user_id=line.supervisor.id)
    response = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert _dialled(response.text) == [DUTY]


async def test_an_officer_leg_that_rings_or_ends_does_not_mark_the_call_answered(
    client, world, app, line
):
    sid, leg = new_sid(), new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    for status in ("ringing", "completed", "ringing"):
        params = call_params(leg, ParentCallSid=sid, CallStatus=status, From=LINE, To=DUTY)
        assert (await post_signed(client, "/twilio/voice/status", params)).status_code == 204
    assert (await _call(world, sid)).answered_at is None
    keys = await world.scalars(select(CallEvent.event_key).where(CallEvent.call_sid == sid))
    assert sorted(keys) == [f"leg:{leg}:completed", f"leg:{leg}:ringing"]


async def test_a_leg_callback_from_a_number_that_is_not_ours_is_a_no_op(client, world, app, line):
    sid, leg = new_sid(), new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    before = await counts(world)
    params = call_params(
        leg, ParentCallSid=sid, CallStatus="in-progress", From="+46701740699", To=DUTY
    )
    assert (await post_signed(client, "/twilio/voice/status", params)).status_code == 204
    assert await counts(world) == before and (await _call(world, sid)).answered_at is None


async def test_a_retried_dial_result_gives_the_same_answer_and_changes_nothing(
    client, world, app, line, clock
):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    params = call_params(sid, DialCallStatus="completed", DialCallDuration="30")
    first = await post_signed(client, "/twilio/voice/dial-result", params)
    answered_at = (await _call(world, sid)).answered_at
    clock.advance(seconds=40)
    again = await post_signed(client, "/twilio/voice/dial-result", params)
    assert again.text == first.text and (await _call(world, sid)).answered_at == answered_at


async def test_a_later_contradicting_dial_result_changes_nothing_and_gets_the_first_answer(
    client, world, line
):
    """A call's dial ends once. A "no-answer" after "completed" (a stray or replayed request)
    must not offer a callback to a caller an officer already spoke to, nor rewrite the call."""
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    first = await post_signed(client, "/twilio/voice/dial-result", call_params(
        sid, DialCallStatus="completed", DialCallDuration="30"))
    answered_at = (await _call(world, sid)).answered_at
    later = await post_signed(client, "/twilio/voice/dial-result", call_params(
        sid, DialCallStatus="no-answer"))
    assert later.text == first.text and "<Gather" not in later.text
    call = await _call(world, sid)
    assert call.dial_status == "completed" and call.answered_at == answered_at


async def test_an_answer_time_from_an_absurd_duration_is_never_before_the_call_came_in(
    client, world, line, clock
):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    clock.advance(seconds=90)
    await post_signed(client, "/twilio/voice/dial-result", call_params(
        sid, DialCallStatus="completed", DialCallDuration="999999"))
    call = await _call(world, sid)
    assert call.answered_at == call.received_at


async def test_a_dial_result_for_an_unknown_call_says_goodbye_and_writes_nothing(
    client, world, line
):
    before = await counts(world)
    response = await post_signed(
        client, "/twilio/voice/dial-result", call_params(new_sid(), DialCallStatus="no-answer")
    )
    assert response.status_code == 200 and twilio.GOODBYE in response.text
    assert "<Gather" not in response.text and await counts(world) == before


async def test_pressing_1_again_after_the_event_was_lost_still_gives_one_callback(
    client, world, app, line
):
    """The callback exists but its event row does not (say, written by an older version):
    the request is still honoured once."""
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    assert twilio.ACCEPTED in (
        await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
    ).text
    async with sessions_of(world)() as db, db.begin():
        event = await db.scalar(select(CallEvent).where(CallEvent.event_key == "gather:1"))
        await db.delete(event)
    again = await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
    assert twilio.ACCEPTED in again.text
    assert await world.scalar(select(func.count()).select_from(CallbackRequest)) == 1


async def test_a_parameter_longer_than_200_characters_is_refused(client, world, line):
    before = await counts(world)
    params = call_params(new_sid(), CallStatus="ringing" + "x" * 200)
    response = await post_signed(client, "/twilio/voice/status", params)
    assert response.status_code == 400 and await counts(world) == before


async def test_ensure_line_is_idempotent_and_a_number_has_one_owner(world, line):
    async with sessions_of(world)() as db, db.begin():
        again = await telephony.ensure_line(
            db, organisation_id=line.organisation.id, number=LINE
        )
        assert again.organisation_id == line.organisation.id
    other = await world.organisation()
    async with sessions_of(world)() as db, db.begin():
        with pytest.raises(ValueError, match="another organisation"):
            await telephony.ensure_line(db, organisation_id=other.id, number=LINE)


async def test_the_demo_organisation_answers_the_demo_line(world):
    organisation = await world.organisation()
    async with sessions_of(world)() as db, db.begin():
        line = await telephony.ensure_demo_line(db, organisation)
    assert line.number == telephony.DEMO_LINE and line.organisation_id == organisation.id


def test_without_raw_path_the_decoded_path_is_used() -> None:
    scope = {"path": "/twilio/voice", "query_string": b"a=1"}
    assert canonical_url("https://h.test", scope) == "https://h.test/twilio/voice?a=1"


def test_line_number_is_none_for_what_is_not_a_phone_number() -> None:
    assert twilio.line_number("client:alice") is None
    assert twilio.line_number("") is None
    assert twilio.line_number("+46 70 174 06 05") == LINE


async def test_a_chunked_body_without_length_is_cut_off_at_the_limit() -> None:
    chunk = b"x" * 4096
    chunks = [chunk] * (twilio.MAX_BODY_BYTES // len(chunk) + 2)

    async def receive() -> dict[str, object]:
        body = chunks.pop(0) if chunks else b""
        return {"type": "http.request", "body": body, "more_body": bool(chunks)}

    scope = {"type": "http", "method": "POST", "headers": [], "path": "/twilio/voice"}
    with pytest.raises(twilio.BodyTooLarge):
        await twilio._read_body(Request(scope, receive))
    assert chunks  # it stopped reading instead of taking everything in


async def test_a_signed_parameter_holding_u0000_is_refused_before_any_write(
    client, world, line
):
    # The dial status is stored as Twilio sends it; PostgreSQL's text cannot hold U+0000.
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    before = await counts(world)
    params = call_params(sid, DialCallStatus="busy\x00", DialCallDuration="0")
    response = await post_signed(client, "/twilio/voice/dial-result", params)
    assert response.status_code == 400 and await counts(world) == before


async def test_an_unknown_dial_or_leg_status_is_recorded_as_other_whatever_its_length(
    client, world, line
):
    """Twilio's statuses go into call events' keys (120 characters on PostgreSQL) and the
    dial status (20): a 200-character status was a 500 on PostgreSQL."""
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    odd = "x" * 200
    response = await post_signed(client, "/twilio/voice/dial-result",
                                 call_params(sid, DialCallStatus=odd))
    assert response.status_code == 200 and twilio.NOBODY in response.text
    assert (await _call(world, sid)).dial_status == "other"
    leg = await post_signed(client, "/twilio/voice/status", call_params(
        new_sid(), ParentCallSid=sid, From=LINE, To="+46701740620", CallStatus=odd))
    assert leg.status_code == 204
    keys = set(await world.scalars(select(CallEvent.event_key)))
    assert "dial" in keys and any(k.endswith(":other") and k.startswith("leg:") for k in keys)


@pytest.mark.parametrize("duration", ["²", "1²", "٣", "12\u00b9"])
async def test_durations_in_digits_int_does_not_take_are_ignored_not_a_500(
    client, world, line, duration
):
    """str.isdigit says yes to superscripts, which int() refuses; other scripts' digits int()
    takes, but Twilio sends ASCII. Either way the call's duration is left unknown."""
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    dialled = await post_signed(client, "/twilio/voice/dial-result", call_params(
        sid, DialCallStatus="completed", DialCallDuration=duration))
    assert dialled.status_code == 200
    status = await post_signed(client, "/twilio/voice/status", call_params(
        sid, CallStatus="completed", CallDuration=duration))
    assert status.status_code == 204
    call = await _call(world, sid)
    assert call.answered_at is not None and call.ended_at is not None
    assert call.duration_seconds is None


async def test_a_content_length_in_other_digits_is_refused_not_a_500() -> None:
    """Header text is Latin-1, where "²" (0xB2) is a digit to str.isdigit but not to int."""
    async def receive() -> dict[str, object]:  # pragma: no cover - never read
        return {"type": "http.request", "body": b"", "more_body": False}

    request = Request({"type": "http", "method": "POST", "path": "/twilio/voice",
                       "headers": [(b"content-length", b"\xb2")]}, receive)
    with pytest.raises(twilio.BodyTooLarge):
        await twilio._read_body(request)


async def test_status_callbacks_sent_at_once_never_move_a_call_backwards(client, world, line):
    """Twilio sends a call's status callbacks independently. "in-progress" and "completed"
    arriving together must end completed: on PostgreSQL both requests read "ringing", both
    passed the forward-only check, and the last writer won, so a finished call could end up in
    progress, with its end time set."""
    import asyncio

    for _ in range(5):
        sid = new_sid()
        await post_signed(client, "/twilio/voice", call_params(sid))
        responses = await asyncio.gather(*(
            post_signed(client, "/twilio/voice/status",
                        call_params(sid, CallStatus=status, CallDuration="30"))
            for status in ("ringing", "in-progress", "completed")
        ))
        assert [r.status_code for r in responses] == [204, 204, 204]
        call = await _call(world, sid)
        assert str(call.status) == "COMPLETED" and call.ended_at is not None
