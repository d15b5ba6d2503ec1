"""Twilio voice webhooks: idempotent, forward-only, roster-driven, and free of personal data."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import func, select

from helpline.calls import telephony, twilio
from helpline.models import AuditEvent, CallbackRequest, DataKeyRecord, HelplineCall, User
from helpline.models.calls import CallEvent, CallStatus
from helpline.models.users import Role
from tests.helpline.calls.conftest import (
    CALLER,
    LINE,
    call_params,
    counts,
    new_sid,
    on_duty,
    post_signed,
    sessions_of,
)

DUTY = "+46701740620"


async def _call(world, sid):  # type: ignore[no-untyped-def]
    return await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))


def _dialled(xml: str) -> list[str]:
    return re.findall(r"<Number[^>]*>([^<]+)</Number>", xml)


async def test_an_incoming_call_is_recorded_and_rings_the_officer_on_duty(client, world, app, line):
    shift_id = await on_duty(world, app, line, DUTY)
    sid = new_sid()
    response = await post_signed(client, "/twilio/voice", call_params(sid))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    xml = response.text
    assert "112" in xml and _dialled(xml) == [DUTY]
    assert 'record="do-not-record"' in xml and "<Record" not in xml
    assert 'action="https://helpline.test/twilio/voice/dial-result"' in xml
    assert f'callerId="{LINE}"' in xml  # the officer's phone shows the helpline, not the caller
    call = await _call(world, sid)
    assert call.organisation_id == line.organisation.id and call.status is CallStatus.RINGING
    assert call.caller_number is not None and CALLER.encode() not in call.caller_number
    assert call.caller_number_index is not None and not call.caller_withheld
    # The duty phone was decrypted to dial: the call's one audit event says so, and whose.
    [event] = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "call.received", AuditEvent.object_id == call.id))
    assert event.fields == ["caller_number", "duty_shift.phone"]
    assert event.details["rung_shifts"] == [shift_id] and DUTY not in str(event.details)


async def test_the_same_webhook_three_times_at_once_gives_one_call_and_one_set_of_side_effects(
    client, world, app, line
):
    await on_duty(world, app, line, DUTY)
    before = await counts(world)
    sid = new_sid()
    responses = await asyncio.gather(
        *(post_signed(client, "/twilio/voice", call_params(sid)) for _ in range(3))
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.text for r in responses}) == 1  # every copy gets the same TwiML
    after = await counts(world)
    assert after["calls"] - before["calls"] == 1
    received = await world.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "call.received")
    )
    assert received == 1
    call = await _call(world, sid)
    keys = await world.scalar(
        select(func.count()).select_from(DataKeyRecord).where(DataKeyRecord.scope.like("call:%"))
    )
    assert keys == 1 and await world.scalar(
        select(func.count()).select_from(DataKeyRecord)
        .where(DataKeyRecord.scope == f"call:{call.id}")
    ) == 1
    # A retry later changes nothing either, but its reading of the duty phones is recorded.
    again = await post_signed(client, "/twilio/voice", call_params(sid))
    assert again.text == responses[0].text
    assert await counts(world) == {**after, "audit": after["audit"] + 1}
    [reread] = await world.scalars(
        select(AuditEvent).where(AuditEvent.action == "call.duty_phones_read"))
    assert (reread.object_id, reread.fields) == (sid, ["duty_shift.phone"])
    assert len(reread.details["rung_shifts"]) == 1 and DUTY not in str(reread.details)


async def test_status_callbacks_out_of_order_and_repeated_only_move_forward(
    client, world, app, line
):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    for status in ("completed", "ringing", "in-progress", "completed", "busy"):
        params = call_params(sid, CallStatus=status, CallDuration="75")
        response = await post_signed(client, "/twilio/voice/status", params)
        assert response.status_code == 204 and response.text == ""
    call = await _call(world, sid)
    assert call.status is CallStatus.COMPLETED and call.duration_seconds == 75
    assert call.ended_at is not None
    keys = await world.scalars(select(CallEvent.event_key).where(CallEvent.call_sid == sid))
    assert sorted(keys) == [
        "status:busy", "status:completed", "status:in-progress", "status:ringing"
    ]


async def test_status_callbacks_in_order_step_through_the_states(client, world, app, line):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    await post_signed(client, "/twilio/voice/status", call_params(sid, CallStatus="in-progress"))
    assert (await _call(world, sid)).status is CallStatus.IN_PROGRESS
    await post_signed(client, "/twilio/voice/status", call_params(sid, CallStatus="no-answer"))
    assert (await _call(world, sid)).status is CallStatus.NO_ANSWER


async def test_a_status_callback_for_an_unknown_call_is_a_harmless_no_op(client, world, line):
    before = await counts(world)
    response = await post_signed(
        client, "/twilio/voice/status", call_params(new_sid(), CallStatus="completed")
    )
    assert response.status_code == 204 and await counts(world) == before


async def test_an_officer_answering_sets_the_answer_time_once(client, world, app, line, clock):
    sid, leg = new_sid(), new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    clock.advance(seconds=10)
    answered = call_params(leg, ParentCallSid=sid, CallStatus="in-progress", From=LINE, To=DUTY)
    for _ in range(2):
        assert (await post_signed(client, "/twilio/voice/status", answered)).status_code == 204
    call = await _call(world, sid)
    assert call.answered_at == clock.now() and call.status is CallStatus.RINGING


async def test_nobody_answering_offers_a_callback_and_pressing_1_queues_one(
    client, world, app, line
):
    await on_duty(world, app, line, DUTY)
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    result = await post_signed(
        client, "/twilio/voice/dial-result", call_params(sid, DialCallStatus="no-answer")
    )
    assert (
        "<Gather" in result.text
        and 'action="https://helpline.test/twilio/voice/gather"' in result.text
    )
    for _ in range(3):  # Twilio retries; the caller is told once, the queue gets one entry
        pressed = await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
        assert pressed.status_code == 200 and twilio.ACCEPTED in pressed.text
    requests = await world.scalars(select(CallbackRequest))
    assert len(requests) == 1 and requests[0].organisation_id == line.organisation.id


async def test_another_key_or_no_key_queues_no_callback(client, world, app, line):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    for digits in ("2", ""):
        response = await post_signed(
            client, "/twilio/voice/gather", call_params(sid, Digits=digits)
        )
        assert twilio.GOODBYE in response.text
    assert await world.scalars(select(CallbackRequest)) == []


async def test_an_answered_dial_hangs_up_and_records_the_answer(client, world, app, line):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    response = await post_signed(
        client, "/twilio/voice/dial-result",
        call_params(sid, DialCallStatus="completed", DialCallDuration="30"),
    )
    assert "<Hangup" in response.text and "<Gather" not in response.text
    call = await _call(world, sid)
    assert call.dial_status == "completed" and call.answered_at is not None


async def test_withheld_numbers_store_nothing_and_are_not_offered_a_callback(
    client, world, app, line
):
    for withheld in (
        "anonymous", "+266696687", "Restricted", "", "not a number", "+8656696", "+2562533",
        "+86282452253", "+7378742833", "+46000000000",
    ):
        sid = new_sid()
        response = await post_signed(client, "/twilio/voice", call_params(sid, From=withheld))
        assert response.status_code == 200 and "<Gather" not in response.text
        call = await _call(world, sid)
        assert call.caller_withheld and call.caller_number is None
        assert call.caller_number_index is None
        pressed = await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
        assert twilio.ACCEPTED not in pressed.text
    assert await world.scalars(select(CallbackRequest)) == []


async def test_the_twiml_never_contains_a_name_number_or_case_detail(client, world, app, line):
    await on_duty(world, app, line, DUTY)
    async with sessions_of(world)() as db, db.begin():
        officer = await db.get(User, line.officer.id)
        officer.display_name = "Kanarie Kanariesson"
    sid = new_sid()
    caller = "+46701740699"
    texts = [(await post_signed(client, "/twilio/voice", call_params(sid, From=caller))).text]
    for path, extra in (
        ("/twilio/voice/dial-result", {"DialCallStatus": "no-answer"}),
        ("/twilio/voice/gather", {"Digits": "1"}),
        ("/twilio/voice/dial-result", {"DialCallStatus": "completed"}),
    ):
        texts.append((await post_signed(client, path, call_params(sid, From=caller, **extra))).text)
    call = await _call(world, sid)
    forbidden = [caller, caller[3:], "Kanarie", line.organisation.name, call.id, sid]
    for xml in texts:
        for value in forbidden:
            assert value not in xml
        assert "<Record" not in xml and "record=\"true\"" not in xml.lower()
        # Every URL Twilio is given is one of our fixed webhook URLs, with no query.
        for url in re.findall(r'(?:action|statusCallback)="([^"]+)"', xml):
            assert url in twilio.Urls.under("https://helpline.test").__dict__.values()


async def test_the_duty_roster_decides_who_is_dialled(client, world, app, line, clock):
    now = clock.now()
    from tests.helpline.calls.conftest import add_shift

    second = await world.user(line.organisation, Role.POLICE_CASE_OFFICER)
    disabled = await world.user(line.organisation, Role.POLICE_CASE_OFFICER)
    shifts = {
        "+46701740621": (line.officer.id, now - timedelta(hours=1), now + timedelta(hours=1)),
        "+46701740622": (second.id, now + timedelta(hours=1), now + timedelta(hours=9)),
        "+46701740623": (second.id, now - timedelta(hours=9), now - timedelta(minutes=1)),
        "+46701740624": (disabled.id, now - timedelta(hours=1), now + timedelta(hours=1)),
    }
    for phone, (user_id, starts, ends) in shifts.items():
        await add_shift(world, app, by=line.supervisor, officer_id=user_id, phone=phone,
                        starts=starts, ends=ends)
    async with sessions_of(world)() as db, db.begin():
        (await db.get(User, disabled.id)).disabled_at = now
    first = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert _dialled(first.text) == ["+46701740621"]
    clock.advance(hours=2)
    later = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert _dialled(later.text) == ["+46701740622"]
    clock.advance(hours=12)
    nobody = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert _dialled(nobody.text) == [] and "<Gather" in nobody.text and "112" in nobody.text


async def test_a_call_to_an_unmapped_number_advises_112_dials_nobody_and_writes_nothing(
    client, world, line
):
    before = await counts(world)
    response = await post_signed(client, "/twilio/voice", call_params(new_sid(), To="+46701740698"))
    assert response.status_code == 200
    assert "112" in response.text and "<Dial" not in response.text
    assert await counts(world) == before


async def test_one_organisations_line_never_reaches_another_organisations_roster(
    client, world, app, line
):
    from helpline.calls import telephony
    from tests.helpline.calls.conftest import Setup

    other = await world.organisation()
    other_setup = Setup(other, await world.user(other, Role.POLICE_CASE_OFFICER),
                        await world.user(other, Role.SUPERVISOR))
    async with sessions_of(world)() as db, db.begin():
        await telephony.ensure_line(db, organisation_id=other.id, number="+46701740697")
    await on_duty(world, app, other_setup, "+46701740625")
    await on_duty(world, app, line, DUTY)
    ours = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    theirs = await post_signed(client, "/twilio/voice", call_params(new_sid(), To="+46701740697"))
    assert _dialled(ours.text) == [DUTY] and _dialled(theirs.text) == ["+46701740625"]


async def test_a_callsid_already_recorded_for_another_organisation_writes_nothing(
    client, world, app, line
):
    """Twilio's CallSids are unique, so this is an anomaly: the caller still gets an answer,
    nothing is written for the second line, and no callback is offered (there is no call row
    for it to belong to)."""
    await on_duty(world, app, line, DUTY)
    sid = new_sid()
    assert (await post_signed(client, "/twilio/voice", call_params(sid))).status_code == 200
    other = await world.organisation()
    other_line = "+46701740699"
    async with sessions_of(world)() as db, db.begin():
        await telephony.ensure_line(db, organisation_id=other.id, number=other_line)
    before = await counts(world)
    response = await post_signed(client, "/twilio/voice", call_params(sid, To=other_line))
    assert response.status_code == 200
    assert "<Response>" in response.text and _dialled(response.text) == []
    assert "<Gather" not in response.text
    assert await counts(world) == before
    assert (await _call(world, sid)).organisation_id == line.organisation.id
