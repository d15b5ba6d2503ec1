"""Incoming calls, recorded in groups that share one transaction (group commit).

Every incoming call is committed before Twilio gets its answer: a call we answered is a call
we recorded, also after ``kill -9`` (SECURITY.md). With one transaction per call, each call
paid for a commit (an fsync on SQLite, a WAL flush on PostgreSQL), the audit chain's head lock
and a round of statements, and under load the calls queued behind each other for exactly these.

Here the calls that arrive while a group is being recorded form the next group, and a group is
one transaction: the line lookup, one roster read per organisation, one insert of the calls,
one of their data keys, one append of their audit events, one commit. Each request still waits
until the transaction holding its call has committed, so the guarantee is unchanged. Nothing
waits for company: there is no timer and no size to fill, so under light load a group is one
call, recorded at once. A group whose transaction fails is recorded again call by call, so one
bad call cannot fail the others (unless the database itself is unreachable: then every call of
the group gets the error at once, and Twilio turns to the fallback number).

Why by hand: SQLAlchemy and the drivers commit per session; no maintained library groups the
transactions of concurrent requests (PostgreSQL's own ``commit_delay`` shares only the flush).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import crypto
from helpline import clock, rls
from helpline.audit import AuditContext, AuditEntry, record_all
from helpline.calls import repository
from helpline.calls.fields import call_row_binding, call_scope, phone_index
from helpline.calls.telephony import duty_phones
from helpline.db import new_id
from helpline.keys import KeyService
from helpline.models.calls import CallChannel, CallStatus

log = logging.getLogger("helpline.calls.recorder")

MAX_GROUP = 200  # bounds one transaction's statements and the time a lock is held
# Failures of the database itself rather than of one call's data: not retried call by call.
_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout, OSError, TimeoutError)


@dataclass(frozen=True)
class IncomingCall:
    """What the voice webhook knows of a new call, checked and normalised."""

    line: str  # the called helpline number, E.164
    sid: str
    caller: str | None  # E.164, or None when withheld or not a phone number
    received_at: datetime
    request_id: str | None = None


@dataclass(frozen=True)
class CallAnswer:
    """What the TwiML needs once the call is recorded."""

    organisation_id: str | None  # None: the number is not one of ours, nothing was written
    duty_phones: tuple[str, ...] = ()
    can_call_back: bool = False  # there is a caller number to call back
    foreign: bool = False  # the CallSid was already recorded for another organisation's line


_Waiting = tuple[IncomingCall, "asyncio.Future[CallAnswer]"]


class CallRecorder:
    """Records incoming calls in groups; one per application (process)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], keys: KeyService,
        *, max_group: int = MAX_GROUP,
    ) -> None:
        self._sessions, self._keys, self._max_group = sessions, keys, max_group
        self._waiting: list[_Waiting] = []
        self._worker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def record(self, call: IncomingCall) -> CallAnswer:
        """Returns once the call is committed (or raises if it could not be)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests): nothing of the old one carries
            self._loop, self._waiting, self._worker = loop, [], None
        future: asyncio.Future[CallAnswer] = loop.create_future()
        self._waiting.append((call, future))
        if self._worker is None or self._worker.done():
            self._worker = loop.create_task(self._work())
        return await future

    async def _work(self) -> None:
        group: list[_Waiting] = []
        try:
            while self._waiting:
                group = self._waiting[: self._max_group]
                del self._waiting[: self._max_group]
                await self._record_group(group)
        except BaseException:  # cancelled (shutdown): nobody may wait for ever
            for _call, future in [*group, *self._waiting]:
                if not future.done():
                    future.set_exception(RuntimeError("the call recorder stopped"))
            self._waiting = []
            raise

    async def _record_group(self, group: list[_Waiting]) -> None:
        try:
            answers = await record_calls(self._sessions, self._keys, [c for c, _ in group])
        except Exception as exc:  # noqa: BLE001 - handed to the waiting requests, or retried
            if len(group) == 1 or isinstance(exc, _UNAVAILABLE):
                # One call, or a database that cannot be reached: trying again call by call
                # would only make every caller wait longer for the same error.
                for _call, future in group:
                    _settle(future, exception=exc)
                return
            log.warning("a group of %d calls failed; recording them one by one", len(group))
            for waiting in group:
                await self._record_group([waiting])
            return
        for (_call, future), answer in zip(group, answers, strict=True):
            _settle(future, answer=answer)


def _settle(
    future: asyncio.Future[CallAnswer], *, answer: CallAnswer | None = None,
    exception: BaseException | None = None,
) -> None:
    if future.done():  # the request went away (cancelled); the call is recorded all the same
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        assert answer is not None
        future.set_result(answer)


async def record_calls(
    sessions: async_sessionmaker[AsyncSession], keys: KeyService,
    calls: Sequence[IncomingCall],
) -> list[CallAnswer]:
    """Record the calls in one transaction; the answers, in order, once it has committed."""
    async with sessions() as db, db.begin():
        return await _record(db, keys, calls)


async def _record(
    db: AsyncSession, keys: KeyService, calls: Sequence[IncomingCall]
) -> list[CallAnswer]:
    owners = await repository.organisations_of_lines(db, (call.line for call in calls))
    answers: list[CallAnswer] = [CallAnswer(organisation_id=None)] * len(calls)
    by_organisation: dict[str, list[int]] = {}
    for position, call in enumerate(calls):
        organisation_id = owners.get(call.line)
        if organisation_id is not None:
            by_organisation.setdefault(organisation_id, []).append(position)
    new_keys: list[tuple[str, crypto.DataKey]] = []
    events: list[AuditEntry] = []
    now = clock.now()
    for organisation_id, positions in by_organisation.items():
        # The roster first and the audit chain last: appending locks the chain's head
        # (PostgreSQL) until the commit.
        await rls.bind_organisation(db, organisation_id)
        duty = await duty_phones(db, keys, organisation_id, now=now)
        phones = duty.phones
        group = _OrganisationGroup(organisation_id, keys, rung=duty.shift_ids)
        for position in positions:
            group.add(calls[position])
        created = await repository.insert_calls_once(db, list(group.rows.values()))
        known = await repository.withheld_by_sid(
            db, organisation_id, [sid for sid in group.rows if sid not in created]
        )
        new_keys += group.keys_of(created)
        events += group.events_of(created)
        if duty.shift_ids:
            # A retried or repeated delivery read the duty phones again to answer: that reading
            # is recorded too (the call's own event went with its first delivery).
            repeats = [calls[p] for p in positions if calls[p].sid not in created]
            events += group.repeat_events(repeats)
        for position in positions:
            sid = calls[position].sid
            if sid in created:
                can_call_back = group.rows[sid]["caller_number"] is not None
            elif sid in known:
                can_call_back = not known[sid]
            else:
                answers[position] = CallAnswer(organisation_id, phones, foreign=True)
                continue
            answers[position] = CallAnswer(organisation_id, phones, can_call_back=can_call_back)
    await keys.store_new_keys(db, new_keys)
    await record_all(db, events)
    return answers


class _OrganisationGroup:
    """The rows, data keys and audit events of one organisation's share of a group."""

    def __init__(
        self, organisation_id: str, keys: KeyService, *, rung: tuple[str, ...]
    ) -> None:
        self.organisation_id = organisation_id
        self._rung = list(rung)  # the duty periods whose phones were read to ring these calls
        self.rows: dict[str, dict[str, object]] = {}  # by CallSid: a repeat in the group is one row
        self._request_ids: dict[str, str | None] = {}
        self._keys: dict[str, crypto.DataKey] = {}
        self._index = phone_index(keys)

    def add(self, call: IncomingCall) -> None:
        if call.sid in self.rows:
            return
        call_id = new_id()
        row: dict[str, object] = {
            "id": call_id,
            "organisation_id": self.organisation_id,
            "call_sid": call.sid,
            "channel": CallChannel.HELPLINE,
            "status": CallStatus.RINGING,
            "received_at": call.received_at,
            "caller_withheld": call.caller is None,
            "caller_number": None,
            "caller_number_index": None,
        }
        if call.caller is not None:
            # Encrypted under a key made in memory; the key is stored only if the insert
            # creates the row, so a retried webhook or a lost race leaves no key behind.
            key = crypto.DataKey.generate(key_id=1)
            binding = call_row_binding(self.organisation_id, call_id, "caller_number")
            row["caller_number"] = key.encrypt_value(call.caller, binding)
            row["caller_number_index"] = self._index.compute(call.caller)
            self._keys[call.sid] = key
        self.rows[call.sid] = row
        self._request_ids[call.sid] = call.request_id

    def keys_of(self, created: set[str]) -> list[tuple[str, crypto.DataKey]]:
        return [
            (call_scope(str(self.rows[sid]["id"])), key)
            for sid, key in self._keys.items()
            if sid in created
        ]

    def repeat_events(self, repeats: Sequence[IncomingCall]) -> list[AuditEntry]:
        return [
            AuditEntry(
                context=AuditContext(actor=None, request_id=call.request_id),
                action="call.duty_phones_read",
                organisation_id=self.organisation_id,
                object_type="call_sid",
                object_id=call.sid,
                fields=["duty_shift.phone"],
                details={"rung_shifts": self._rung},
            )
            for call in repeats
        ]

    def events_of(self, created: set[str]) -> list[AuditEntry]:
        return [
            AuditEntry(
                context=AuditContext(actor=None, request_id=self._request_ids[sid]),
                action="call.received",
                organisation_id=self.organisation_id,
                object_type="call",
                object_id=str(row["id"]),
                # What was read for it (the duty phones, to dial) as well as what was stored.
                fields=(["caller_number"] if row["caller_number"] is not None else [])
                + (["duty_shift.phone"] if self._rung else []),
                details={"withheld": row["caller_number"] is None, "rung_shifts": self._rung},
            )
            for sid, row in self.rows.items()
            if sid in created
        ]
