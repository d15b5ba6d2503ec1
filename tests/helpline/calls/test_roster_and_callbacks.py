"""The duty roster (supervisors edit it, phones encrypted) and the callback queue."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from helpline.calls.schemas import local_input
from helpline.models import AuditEvent, CallbackRequest, DutyShift
from helpline.models.calls import CallbackState
from tests.conftest import csrf_from, login
from tests.helpline.calls.conftest import CALLER, call_params, new_sid, post_signed

PHONE = "+46701740630"


async def test_a_supervisor_adds_and_removes_a_duty_period_with_an_encrypted_phone(
    client, world, line, clock
):
    await login(client, line.supervisor)
    page = await client.get("/roster")
    assert page.status_code == 200 and "Ingen har jour just nu" in page.text
    data = {
        "user_id": line.officer.id, "phone": "070-174 06 30",
        "starts_at": local_input(clock.now() - timedelta(minutes=1)),
        "ends_at": local_input(clock.now() + timedelta(hours=8)),
        "csrf_token": csrf_from(page.text),
    }
    assert (await client.post("/roster", data=data)).status_code == 303
    shift = (await world.scalars(select(DutyShift)))[0]
    assert PHONE.encode() not in shift.phone and b"701740630" not in shift.phone
    page = await client.get("/roster")
    assert "Har jour nu" in page.text and "••••••••••30" in page.text and PHONE not in page.text
    twiml = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert f">{PHONE}</Number>" in twiml.text
    response = await client.post(
        f"/roster/{shift.id}/remove", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303 and await world.scalars(select(DutyShift)) == []
    actions = await world.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("roster.%"))
    )
    assert {"roster.read", "roster.shift_added", "roster.shift_removed"} <= set(actions)


async def test_a_refused_duty_period_keeps_the_values_and_names_each_problem(
    client, world, line, clock
):
    await login(client, line.supervisor)
    page = await client.get("/roster")
    data = {"user_id": "nobody", "phone": "12", "starts_at": "",
            "ends_at": local_input(clock.now() - timedelta(hours=1)),
            "csrf_token": csrf_from(page.text)}
    response = await client.post("/roster", data=data)
    assert response.status_code == 422
    for field in ("user_id", "phone", "starts_at", "ends_at"):
        assert f'id="{field}-error"' in response.text
    assert 'value="12"' in response.text
    assert await world.scalars(select(DutyShift)) == []


async def test_officers_cannot_edit_the_roster(client, world, line):
    await login(client, line.officer)
    assert (await client.get("/roster")).status_code == 403
    page = await client.get("/calls")
    response = await client.post("/roster", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 403


async def test_the_callback_queue_hides_numbers_until_one_is_opened_and_closes_with_an_outcome(
    client, world, line
):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
    callback = (await world.scalars(select(CallbackRequest)))[0]
    await login(client, line.officer)
    queue = await client.get("/callbacks")
    assert queue.status_code == 200 and CALLER not in queue.text and "Öppen" in queue.text
    page = await client.get(f"/callbacks/{callback.id}")
    assert CALLER in page.text
    read = await world.scalars(select(AuditEvent).where(AuditEvent.object_id == callback.id,
                                                        AuditEvent.action == "callback.read"))
    assert len(read) == 1 and read[0].fields == ["caller_number"]
    refused = await client.post(f"/callbacks/{callback.id}",
                                data={"outcome": "", "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422 and 'id="outcome-error"' in refused.text
    done = await client.post(f"/callbacks/{callback.id}",
                             data={"outcome": "REACHED", "csrf_token": csrf_from(page.text)})
    assert done.status_code == 303
    saved = (await world.scalars(select(CallbackRequest)))[0]
    assert saved.state is CallbackState.DONE and saved.done_by_user_id == line.officer.id


async def test_a_callback_marked_done_keeps_its_outcome_when_a_second_officer_sends_another(
    client, world, app, line
):
    """Two officers open the same callback; the second one's choice must not overwrite whether
    the caller was reached, nor who reached them. They see what was recorded instead."""
    import httpx

    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
    callback = (await world.scalars(select(CallbackRequest)))[0]
    await login(client, line.officer)
    page = await client.get(f"/callbacks/{callback.id}")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as other:
        await login(other, line.supervisor)
        other_page = await other.get(f"/callbacks/{callback.id}")
        first = await client.post(f"/callbacks/{callback.id}",
                                  data={"outcome": "REACHED", "csrf_token": csrf_from(page.text)})
        second = await other.post(f"/callbacks/{callback.id}", data={
            "outcome": "NOT_NEEDED", "csrf_token": csrf_from(other_page.text)})
    assert first.status_code == 303
    assert second.status_code == 409
    assert "Någon annan hann klarmarkera återuppringningen" in second.text
    assert "Klar: Nådd" in second.text
    saved = (await world.scalars(select(CallbackRequest)))[0]
    assert saved.outcome == "REACHED" and saved.done_by_user_id == line.officer.id
    completed = await world.scalars(select(AuditEvent).where(
        AuditEvent.object_id == callback.id, AuditEvent.action == "callback.completed"))
    assert len(completed) == 1


async def test_an_officer_cannot_get_a_second_duty_period_over_the_first(
    client, world, app, line, clock
):
    """A second period over the first would ring both phones; an old or lost duty phone would
    stay in the dial list without anyone noticing. A period after the first is fine."""
    from tests.helpline.calls.conftest import on_duty

    await on_duty(world, app, line, PHONE)  # from an hour ago to eight hours ahead
    await login(client, line.supervisor)
    page = await client.get("/roster")

    def period(starts, ends, phone="070-174 06 31"):  # type: ignore[no-untyped-def]
        return {"user_id": line.officer.id, "phone": phone, "starts_at": local_input(starts),
                "ends_at": local_input(ends), "csrf_token": csrf_from(page.text)}

    overlapping = await client.post("/roster", data=period(
        clock.now() + timedelta(hours=7), clock.now() + timedelta(hours=12)))
    assert overlapping.status_code == 422
    assert "Handläggaren har redan jour då" in overlapping.text
    assert len(await world.scalars(select(DutyShift))) == 1
    twiml = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert twiml.text.count("<Number") == 1
    first = (await world.scalars(select(DutyShift)))[0]
    later = first.ends_at + timedelta(minutes=1)  # the form has whole minutes
    after = await client.post("/roster", data=period(later, later + timedelta(hours=8)))
    assert after.status_code == 303 and len(await world.scalars(select(DutyShift))) == 2
    colleague = await client.post("/roster", data={**period(
        clock.now(), clock.now() + timedelta(hours=2)), "user_id": line.supervisor.id})
    assert colleague.status_code == 303  # other officers in parallel are intended


async def test_a_shift_of_someone_who_does_not_take_calls_is_never_dialled(
    client, world, app, line
):
    """The roster form offers only officers who take calls; a row written otherwise (an old
    role, a direct insert) must still not put an auditor's phone in the dial list."""
    from helpline.models.users import Role
    from tests.helpline.calls.conftest import on_duty

    auditor = await world.user(line.organisation, Role.AUDITOR)
    await on_duty(world, app, line, "+46701740632", user_id=auditor.id)
    await on_duty(world, app, line, PHONE)
    twiml = await post_signed(client, "/twilio/voice", call_params(new_sid()))
    assert f">{PHONE}</Number>" in twiml.text and "+46701740632" not in twiml.text


async def test_a_callback_whose_number_is_gone_is_audited_as_reading_nothing(
    client, world, line
):
    """After the call's case was shredded its number is gone: the audit event must not claim
    that a number was read."""
    from helpline.models import HelplineCall

    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    await post_signed(client, "/twilio/voice/gather", call_params(sid, Digits="1"))
    callback = (await world.scalars(select(CallbackRequest)))[0]
    async with world.sessions() as db, db.begin():
        call = await db.get(HelplineCall, callback.call_id)
        call.caller_number = call.caller_number_index = None  # as shredding leaves it
    await login(client, line.officer)
    page = await client.get(f"/callbacks/{callback.id}")
    assert page.status_code == 200 and CALLER not in page.text
    read = await world.scalars(select(AuditEvent).where(AuditEvent.object_id == callback.id,
                                                        AuditEvent.action == "callback.read"))
    assert len(read) == 1 and read[0].fields == []


async def test_two_overlapping_periods_for_one_officer_sent_at_once_give_one(
    client, world, app, line, clock
):
    """Two supervisors adding a period for the same officer at the same moment: the overlap
    check of the second must see the first (on PostgreSQL both would pass unlocked)."""
    import asyncio

    import httpx

    clients = [client, httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                         base_url="https://testserver")]
    try:
        tokens = []
        for each in clients:
            await login(each, line.supervisor)
            tokens.append(csrf_from((await each.get("/roster")).text))
            clock.advance(seconds=30)  # a TOTP code signs in once
        starts, ends = clock.now() + timedelta(hours=1), clock.now() + timedelta(hours=9)

        async def add(each, token, phone):  # type: ignore[no-untyped-def]
            return (await each.post("/roster", data={
                "user_id": line.officer.id, "phone": phone, "starts_at": local_input(starts),
                "ends_at": local_input(ends), "csrf_token": token})).status_code

        statuses = await asyncio.gather(add(clients[0], tokens[0], "070-174 06 33"),
                                        add(clients[1], tokens[1], "070-174 06 34"))
    finally:
        await clients[1].aclose()
    assert sorted(statuses) == [303, 422]
    assert len(await world.scalars(select(DutyShift))) == 1
