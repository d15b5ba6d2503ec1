"""The call log: completing calls, logging calls by hand, repeat callers, isolation, audit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from helpline.models import AuditEvent, HelplineCall
from helpline.models.calls import CallChannel, CallOutcome
from helpline.models.users import Role
from tests.conftest import csrf_from, login
from tests.helpline.calls.conftest import CALLER, call_params, new_sid, post_signed

COMPLETE = {
    "caller_type": "RELATIVE",
    "channel": "HELPLINE",
    "outcome": "MEETING_BOOKED",
    "language": "svenska",
    "acute_danger_advice": "on",
    "summary": "Mamma orolig för sonen, vill veta hur avhopp går till.",
}


async def _incoming(client, world, caller: str = CALLER) -> HelplineCall:  # type: ignore[no-untyped-def]
    sid = new_sid()
    assert (
        await post_signed(client, "/twilio/voice", call_params(sid, From=caller))
    ).status_code == 200
    return await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))


async def _actions(world, object_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return await world.scalars(
        select(AuditEvent.action).where(AuditEvent.object_id == object_id).order_by(AuditEvent.seq)
    )


async def test_an_officer_completes_a_call_and_sees_it_in_the_list(client, world, line):
    call = await _incoming(client, world)
    await login(client, line.officer)
    listing = await client.get("/calls")
    assert listing.status_code == 200 and "Att komplettera" in listing.text
    page = await client.get(f"/calls/{call.id}")
    assert page.status_code == 200 and "Skriv aldrig adresser" in page.text
    response = await client.post(
        f"/calls/{call.id}", data={**COMPLETE, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    listing = await client.get(response.headers["location"])
    assert "Möte bokat" in listing.text and "Samtalet har sparats." in listing.text
    saved = await world.scalar(select(HelplineCall).where(HelplineCall.id == call.id))
    assert (
        saved.outcome is CallOutcome.MEETING_BOOKED
        and saved.completed_by_user_id == line.officer.id
    )
    assert saved.summary is not None and b"orolig" not in saved.summary  # ciphertext only
    assert (await _actions(world, call.id))[-1] == "call.completed"
    again = await client.get(f"/calls/{call.id}")
    assert COMPLETE["summary"] in again.text


async def test_a_refused_form_keeps_every_entered_value_and_says_what_is_wrong(
    client, world, line
):
    call = await _incoming(client, world)
    await login(client, line.officer)
    page = await client.get(f"/calls/{call.id}")
    entered = {**COMPLETE, "outcome": "", "summary": "Bor på Storgatan 12 i Botkyrka, vill prata."}
    response = await client.post(
        f"/calls/{call.id}", data={**entered, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422
    assert "Storgatan 12" in response.text  # nothing lost (the officer removes it themselves)
    assert 'id="summary-error"' in response.text and 'id="outcome-error"' in response.text
    assert 'aria-invalid="true"' in response.text and "svenska" in response.text
    saved = await world.scalar(select(HelplineCall).where(HelplineCall.id == call.id))
    assert saved.summary is None and saved.completed_at is None


async def test_repeat_callers_are_counted_and_linked_without_showing_the_number(
    client, world, line, clock
):
    first = await _incoming(client, world)
    clock.advance(minutes=5)
    await _incoming(client, world, caller="+46701740612")
    clock.advance(minutes=5)
    second = await _incoming(client, world, caller="070-174 06 11")  # same number, other format
    clock.advance(minutes=5)
    third = await _incoming(client, world)
    await login(client, line.officer)
    page = await client.get(f"/calls/{third.id}")
    assert "2 tidigare samtal" in page.text
    links = set(re.findall(r'href="/calls/([0-9a-f-]{36})"', page.text))
    assert links == {first.id, second.id}
    assert "Inga tidigare samtal." in (await client.get(f"/calls/{first.id}")).text
    for path in ("/calls", f"/calls/{third.id}", "/callbacks"):
        text = (await client.get(path)).text
        assert CALLER not in text and "701740611" not in text and "740611" not in text
    number = await client.get(f"/calls/{third.id}/number")
    assert CALLER in number.text
    assert (await _actions(world, third.id))[-1] == "call.number_read"


async def test_each_read_of_a_call_writes_one_audit_event_naming_fields_not_values(
    client, world, line
):
    call = await _incoming(client, world)
    await login(client, line.officer)
    page = await client.get(f"/calls/{call.id}")
    await client.post(f"/calls/{call.id}", data={**COMPLETE, "csrf_token": csrf_from(page.text)})
    before = await _actions(world, call.id)
    await client.get(f"/calls/{call.id}")
    events = await world.scalars(
        select(AuditEvent).where(AuditEvent.object_id == call.id).order_by(AuditEvent.seq)
    )
    assert [e.action for e in events][len(before):] == ["call.read"]
    assert set(events[-1].fields) == {"summary", "caller_number"}
    assert events[-1].actor_user_id == line.officer.id
    assert "orolig" not in str(events[-1].details) and CALLER not in str(events[-1].details)


async def test_calls_of_another_organisation_are_404_everywhere(client, world, line, app):
    call = await _incoming(client, world)
    other = await world.organisation()
    await login(client, await world.user(other, Role.POLICE_CASE_OFFICER))
    assert call.id not in (await client.get("/calls")).text
    for path in (f"/calls/{call.id}", f"/calls/{call.id}/number", "/calls/not-a-uuid"):
        assert (await client.get(path)).status_code == 404
    page = await client.get("/calls")
    response = await client.post(
        f"/calls/{call.id}", data={**COMPLETE, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 404
    saved = await world.scalar(select(HelplineCall).where(HelplineCall.id == call.id))
    assert saved.completed_at is None


async def test_roles_without_the_call_permission_are_refused(client, world, line):
    municipality = await world.organisation(kommunkod="0127")
    await login(client, await world.user(municipality, Role.MUNICIPAL_CASE_WORKER))
    for path in ("/calls", "/calls/new", "/callbacks", "/roster"):
        assert (await client.get(path)).status_code == 403


async def test_a_call_that_came_another_way_is_logged_by_hand(client, world, line, clock):
    await login(client, line.officer)
    form = await client.get("/calls/new")
    assert form.status_code == 200
    when = (clock.now()).astimezone().strftime("%Y-%m-%dT%H:%M")
    from helpline.calls.schemas import local_input

    data = {**COMPLETE, "channel": "WALK_IN", "received_at": local_input(clock.now()),
            "caller_number": "", "csrf_token": csrf_from(form.text)}
    response = await client.post("/calls/new", data=data)
    assert response.status_code == 303, when
    calls = await world.scalars(
        select(HelplineCall).where(HelplineCall.channel == CallChannel.WALK_IN)
    )
    assert len(calls) == 1 and calls[0].call_sid is None and calls[0].caller_withheld
    assert calls[0].logged_by_user_id == line.officer.id and calls[0].completed_at is not None
    for nonsense in ("yesterday", "0001-01-01T00:30"):  # the second is before the year 1 in UTC
        refused = await client.post("/calls/new", data={**data, "received_at": nonsense})
        assert refused.status_code == 422 and 'id="received_at-error"' in refused.text


async def test_the_intake_link_is_offered_once_the_call_is_completed(client, world, line):
    call = await _incoming(client, world)
    await login(client, line.officer)
    page = await client.get(f"/calls/{call.id}")
    assert f"/intake/new?call={call.id}" not in page.text
    await client.post(f"/calls/{call.id}", data={**COMPLETE, "outcome": "CASE_OPENED",
                                                 "csrf_token": csrf_from(page.text)})
    assert f"/intake/new?call={call.id}" in (await client.get(f"/calls/{call.id}")).text


async def test_a_call_can_only_be_linked_to_a_case_the_officer_may_read(app, world):
    """Linking by case id refuses another organisation's case (it looks missing)."""
    import pytest

    from helpline import clock
    from helpline.audit import AuditContext
    from helpline.calls import service as calls_service
    from helpline.calls.schemas import CallForm
    from helpline.errors import InvalidInput
    from helpline.models import User
    from helpline.models.calls import CallChannel
    from helpline.models.users import Role
    from tests.helpline.cases.conftest import Cases

    other = await Cases(world, app).setup()
    foreign_case = await other.open()
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    form = CallForm(channel=CallChannel.WALK_IN, received_at=clock.now(), case_id=foreign_case)
    async with world.sessions() as db, db.begin():
        actor = await db.get(User, officer.id)
        deps = calls_service.Deps(db, app.state.keys, AuditContext(actor=actor), clock.now())
        with pytest.raises(InvalidInput):
            await calls_service.log_call(deps, form)


async def test_only_an_officer_who_may_read_its_case_can_unlink_or_move_a_call(app, world):
    """A colleague off the case sees the call (calls are the organisation's) and may complete
    it, but not take it off the case, nor move it to one of their own."""
    import pytest

    from helpline import clock
    from helpline.audit import AuditContext
    from helpline.calls import service as calls_service
    from helpline.calls.schemas import CallForm
    from helpline.errors import InvalidInput
    from helpline.models import User
    from tests.helpline.cases.conftest import Cases

    cases = await Cases(world, app).setup()
    case_id = await cases.open()
    own_case = await cases.open(by=cases.colleague)

    async def as_user(user, change):  # type: ignore[no-untyped-def]
        async with world.sessions() as db, db.begin():
            actor = await db.get(User, user.id)
            deps = calls_service.Deps(db, app.state.keys, AuditContext(actor=actor), clock.now())
            return await change(deps)

    def form(case: str | None) -> CallForm:
        return CallForm(channel=CallChannel.WALK_IN, received_at=clock.now(), case_id=case)

    call = await as_user(cases.officer, lambda deps: calls_service.log_call(deps, form(case_id)))

    def save(case: str | None):  # type: ignore[no-untyped-def]
        async def change(deps):  # type: ignore[no-untyped-def]
            found = await calls_service.find_call(deps, call.id)
            await calls_service.complete_call(deps, found, form(case))
        return change

    for other in (None, own_case):
        with pytest.raises(InvalidInput):
            await as_user(cases.colleague, save(other))
    stored = await world.scalar(select(HelplineCall.case_id).where(HelplineCall.id == call.id))
    assert stored == case_id
    # Saving it with its link unchanged is fine; the officer on the case may unlink it.
    await as_user(cases.colleague, save(case_id))
    await as_user(cases.officer, save(None))
    assert await world.scalar(
        select(HelplineCall.case_id).where(HelplineCall.id == call.id)) is None


async def test_a_case_id_the_officer_may_not_read_gives_the_form_again_with_the_summary(
    client, world, line
):
    """Linking to a case off this officer's desk (or none) is refused on the call's own page,
    with everything typed kept: the summary is not lost, nor written down somewhere else."""
    import uuid

    call = await _incoming(client, world)
    await login(client, line.officer)
    page = await client.get(f"/calls/{call.id}")
    entered = {**COMPLETE, "case_id": str(uuid.uuid4())}
    response = await client.post(
        f"/calls/{call.id}", data={**entered, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 422
    assert 'id="case_id-error"' in response.text
    assert "Det finns inget ärende med detta id som du får läsa." in response.text
    assert COMPLETE["summary"] in response.text and entered["case_id"] in response.text
    saved = await world.scalar(select(HelplineCall).where(HelplineCall.id == call.id))
    assert saved.summary is None and saved.completed_at is None and saved.case_id is None


@pytest.mark.parametrize("summary", [
    "Bor på Storgatan\u200b12 i Botkyrka.",  # a zero-width space
    "Bor på Storgatan\u00ad 12.",  # a soft hyphen
    "Bor på Storgatan １２.",  # full-width digits
    "Född 850612\u200b-1234.",
])
def test_invisible_or_full_width_characters_do_not_hide_an_address_or_number(summary):
    """What reads as an address is refused however it is spelt underneath."""
    from helpline.calls.schemas import summary_problem

    assert summary_problem(summary) is not None
    assert summary_problem("Vill prata om att lämna nätverket.") is None
