"""The call recorder: incoming calls recorded in groups that share one transaction.

Against the real database (both engines, the app's own role on PostgreSQL): what a group
writes, across organisations, unknown numbers, repeats and foreign CallSids. Without a
database (``record_calls`` replaced): how calls are grouped, that a failing group is retried
call by call, and that nobody waits for ever when a request or the recorder is cancelled.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from helpline import clock
from helpline.audit import verify
from helpline.calls import recorder as recorder_module
from helpline.calls import telephony
from helpline.calls.fields import call_scope
from helpline.calls.recorder import CallAnswer, CallRecorder, IncomingCall, record_calls
from helpline.db import session_factory
from helpline.models import AuditEvent, DataKeyRecord, HelplineCall
from tests.helpline.calls.conftest import (
    CALLER,
    LINE,
    call_params,
    new_sid,
    on_duty,
    post_signed,
    sessions_of,
)

OTHER_LINE = "+46701740606"
UNKNOWN_LINE = "+46701740607"
DUTY = "+46701740620"


def incoming(sid: str, *, line: str = LINE, caller: str | None = CALLER) -> IncomingCall:
    return IncomingCall(line=line, sid=sid, caller=caller, received_at=clock.now())


async def _calls(world, sid: str) -> list[HelplineCall]:  # type: ignore[no-untyped-def]
    return await world.scalars(select(HelplineCall).where(HelplineCall.call_sid == sid))


async def _received_events(world, call_id: str) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    return await world.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "call.received", AuditEvent.object_id == call_id
        )
    )


async def _keys(world, call_id: str) -> list[DataKeyRecord]:  # type: ignore[no-untyped-def]
    return await world.scalars(
        select(DataKeyRecord).where(DataKeyRecord.scope == call_scope(call_id))
    )


async def _chain_ok(world) -> bool:  # type: ignore[no-untyped-def]
    from helpline import rls

    async with sessions_of(world)() as db, db.begin():
        await rls.allow_whole_audit_log(db)
        return (await verify(db)).ok


# --- against the database ----------------------------------------------------------------------


async def test_concurrent_calls_are_recorded_together_each_once_with_its_key_and_event(
    client, world, app, line, monkeypatch
):
    await on_duty(world, app, line, DUTY)
    groups: list[int] = []
    original = recorder_module.record_calls

    async def spy(sessions, keys, calls):  # type: ignore[no-untyped-def]
        groups.append(len(calls))
        return await original(sessions, keys, calls)

    monkeypatch.setattr(recorder_module, "record_calls", spy)
    sids = [new_sid() for _ in range(25)]
    withheld = set(sids[::5])
    responses = await asyncio.gather(
        *(
            post_signed(
                client, "/twilio/voice",
                call_params(sid, From="anonymous" if sid in withheld else CALLER),
            )
            for sid in sids
        )
    )
    assert [r.status_code for r in responses] == [200] * 25
    assert all(re.search(rf"<Number[^>]*>{re.escape(DUTY)}</Number>", r.text) for r in responses)
    assert sum(groups) == 25 and max(groups) > 1  # shared transactions, every call once
    for sid in sids:
        (call,) = await _calls(world, sid)
        assert call.organisation_id == line.organisation.id
        assert len(await _received_events(world, call.id)) == 1
        assert len(await _keys(world, call.id)) == (0 if sid in withheld else 1)
        assert (call.caller_number is None) == (sid in withheld)
    assert await _chain_ok(world)


async def test_one_group_can_hold_two_organisations_an_unknown_number_and_a_repeat(
    world, app, line
):
    other = await world.organisation()
    async with sessions_of(world)() as db, db.begin():
        await telephony.ensure_line(db, organisation_id=other.id, number=OTHER_LINE)
    await on_duty(world, app, line, DUTY)
    ours, theirs, lost = new_sid(), new_sid(), new_sid()
    calls = [
        incoming(ours),
        incoming(theirs, line=OTHER_LINE, caller=None),
        incoming(lost, line=UNKNOWN_LINE),
        incoming(ours),  # Twilio's retry arriving in the same group
    ]
    sessions = session_factory(app.state.engine)  # the app's role: row-level security applies
    answers = await record_calls(sessions, app.state.keys, calls)

    first = CallAnswer(line.organisation.id, (DUTY,), can_call_back=True)
    assert answers == [
        first, CallAnswer(other.id, (), can_call_back=False), CallAnswer(None), first
    ]
    (our_call,) = await _calls(world, ours)
    (their_call,) = await _calls(world, theirs)
    assert our_call.organisation_id == line.organisation.id
    assert their_call.organisation_id == other.id and their_call.caller_number is None
    assert await _calls(world, lost) == []
    assert len(await _received_events(world, our_call.id)) == 1
    assert len(await _received_events(world, their_call.id)) == 1
    assert len(await _keys(world, our_call.id)) == 1 and await _keys(world, their_call.id) == []
    assert await _chain_ok(world)


async def test_a_call_recorded_earlier_answers_as_it_did_and_writes_nothing_more(
    world, app, line
):
    sessions = session_factory(app.state.engine)
    with_number, withheld = new_sid(), new_sid()
    first = await record_calls(
        sessions, app.state.keys, [incoming(with_number), incoming(withheld, caller=None)]
    )
    again = await record_calls(
        sessions, app.state.keys, [incoming(withheld, caller=None), incoming(with_number)]
    )
    assert [a.can_call_back for a in first] == [True, False]
    assert [a.can_call_back for a in again] == [False, True]
    for sid in (with_number, withheld):
        (call,) = await _calls(world, sid)
        assert len(await _received_events(world, call.id)) == 1
    (call,) = await _calls(world, with_number)
    assert len(await _keys(world, call.id)) == 1


async def test_a_call_sid_recorded_for_another_organisation_is_foreign_and_changes_nothing(
    world, app, line
):
    other = await world.organisation()
    async with sessions_of(world)() as db, db.begin():
        await telephony.ensure_line(db, organisation_id=other.id, number=OTHER_LINE)
    sessions = session_factory(app.state.engine)
    sid = new_sid()
    await record_calls(sessions, app.state.keys, [incoming(sid)])
    (answer,) = await record_calls(sessions, app.state.keys, [incoming(sid, line=OTHER_LINE)])
    assert answer == CallAnswer(other.id, (), foreign=True)
    (call,) = await _calls(world, sid)
    assert call.organisation_id == line.organisation.id
    assert len(await _received_events(world, call.id)) == 1


async def test_the_voice_webhook_runs_without_a_request_session(app):
    from helpline.db import DBSessionMiddleware

    (configured,) = [m for m in app.user_middleware if m.cls is DBSessionMiddleware]
    assert configured.kwargs["without_session"] == frozenset({"/twilio/voice"})


# --- grouping, without a database -------------------------------------------------------------


class FakeStore:
    """Stands in for ``record_calls``: notes each group, waits while told to, fails on demand."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.failing: set[str] = set()
        self.error: Exception = RuntimeError("this group cannot be written")
        self.started = asyncio.Event()

    async def __call__(self, sessions, keys, calls: Sequence[IncomingCall]) -> list[CallAnswer]:  # type: ignore[no-untyped-def]
        self.groups.append([call.sid for call in calls])
        self.started.set()
        await self.hold.wait()
        if self.failing & {call.sid for call in calls}:
            raise self.error
        return [CallAnswer(organisation_id=f"org-of-{call.sid}") for call in calls]


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStore:
    fake = FakeStore()
    monkeypatch.setattr(recorder_module, "record_calls", fake)
    return fake


def _recorder(**kwargs: int) -> CallRecorder:
    return CallRecorder(None, None, **kwargs)  # type: ignore[arg-type]


async def _settle_all() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_calls_arriving_during_a_group_form_the_next_group(store):
    recorder = _recorder()
    store.hold.clear()
    first = asyncio.create_task(recorder.record(incoming("a")))
    await store.started.wait()
    rest = [asyncio.create_task(recorder.record(incoming(sid))) for sid in "bcde"]
    await _settle_all()
    store.hold.set()
    answers = await asyncio.gather(first, *rest)
    assert store.groups == [["a"], ["b", "c", "d", "e"]]
    assert [a.organisation_id for a in answers] == [f"org-of-{sid}" for sid in "abcde"]


async def test_a_group_is_at_most_max_group_calls(store):
    recorder = _recorder(max_group=3)
    store.hold.clear()
    tasks = [asyncio.create_task(recorder.record(incoming(sid))) for sid in "abcdefg"]
    await _settle_all()
    store.hold.set()
    await asyncio.gather(*tasks)
    assert store.groups == [["a", "b", "c"], ["d", "e", "f"], ["g"]]


async def test_a_failing_group_is_retried_call_by_call_and_only_the_bad_call_fails(store):
    recorder = _recorder()
    store.failing = {"b"}
    store.hold.clear()
    tasks = [asyncio.create_task(recorder.record(incoming(sid))) for sid in "abc"]
    await _settle_all()
    store.hold.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert store.groups == [["a", "b", "c"], ["a"], ["b"], ["c"]]
    assert results[0] == CallAnswer("org-of-a") and results[2] == CallAnswer("org-of-c")
    assert isinstance(results[1], RuntimeError)


async def test_an_unreachable_database_fails_the_whole_group_at_once_without_retries(store):
    from sqlalchemy.exc import OperationalError

    recorder = _recorder()
    store.failing = {"a"}
    store.error = OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    store.hold.clear()
    tasks = [asyncio.create_task(recorder.record(incoming(sid))) for sid in "abc"]
    await _settle_all()
    store.hold.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert store.groups == [["a", "b", "c"]]
    assert all(isinstance(r, OperationalError) for r in results)


async def test_a_request_that_goes_away_leaves_the_others_and_its_call_is_still_recorded(store):
    recorder = _recorder()
    store.hold.clear()
    leaving = asyncio.create_task(recorder.record(incoming("a")))
    staying = asyncio.create_task(recorder.record(incoming("b")))
    await store.started.wait()
    leaving.cancel()
    store.hold.set()
    assert (await staying).organisation_id == "org-of-b"
    assert leaving.cancelled() and store.groups == [["a", "b"]]
    assert (await recorder.record(incoming("c"))).organisation_id == "org-of-c"


async def test_a_cancelled_recorder_fails_its_waiting_calls_instead_of_leaving_them_hanging(store):
    recorder = _recorder(max_group=1)
    store.hold.clear()
    tasks = [asyncio.create_task(recorder.record(incoming(sid))) for sid in "abc"]
    await store.started.wait()
    tasks[2].cancel()  # a request already gone is left as it is
    await _settle_all()
    assert recorder._worker is not None
    recorder._worker.cancel()
    results = await asyncio.wait_for(asyncio.gather(*tasks[:2], return_exceptions=True), 5)
    assert all(isinstance(r, RuntimeError) for r in results) and tasks[2].cancelled()
    store.hold.set()
    assert (await recorder.record(incoming("c"))).organisation_id == "org-of-c"


def test_a_recorder_used_from_a_new_event_loop_starts_afresh(store):
    recorder = _recorder()
    assert asyncio.run(recorder.record(incoming("a"))).organisation_id == "org-of-a"
    assert asyncio.run(recorder.record(incoming("b"))).organisation_id == "org-of-b"
    assert store.groups == [["a"], ["b"]]
