"""Rules for the call log and the callback queue: who may read what, what is audited.

Every read of a protected field (summary, caller number) writes one audit event in the same
transaction as the read, naming the fields, never their values. Caller ID is never identity:
the number is only ever used to find earlier calls and to call back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline.audit import AuditContext, record
from helpline.calls import repository
from helpline.calls.fields import call_binding, call_scope, phone_index
from helpline.calls.schemas import CallForm
from helpline.cases.access import get_readable_case
from helpline.cases.shredding import is_shredded
from helpline.db import new_id
from helpline.errors import InvalidInput, RuleViolation
from helpline.keys import KeyService
from helpline.models.calls import (
    CallbackOutcome,
    CallbackRequest,
    CallbackState,
    CallDirection,
    HelplineCall,
)
from helpline.models.users import User

RECENT = timedelta(days=14)
LIST_LIMIT = 200
EDITABLE_FIELDS = (
    "caller_type",
    "channel",
    "outcome",
    "language",
    "anonymous",
    "acute_danger_advice",
    "case_id",
)


@dataclass(frozen=True)
class Deps:
    db: AsyncSession
    keys: KeyService
    context: AuditContext
    now: datetime

    @property
    def actor(self) -> User:
        assert self.context.actor is not None
        return self.context.actor


@dataclass(frozen=True)
class CallRow:
    call: HelplineCall
    callback: bool


@dataclass(frozen=True)
class CallView:
    call: HelplineCall
    summary: str
    earlier: list[HelplineCall]
    callback: CallbackRequest | None


async def _audit(
    deps: Deps, action: str, call: HelplineCall | CallbackRequest, *, kind: str = "call",
    fields: list[str] | None = None, details: dict[str, object] | None = None,
) -> None:
    await record(
        deps.db,
        context=deps.context,
        action=action,
        organisation_id=call.organisation_id,
        object_type=kind,
        object_id=call.id,
        fields=fields or [],
        details=details,
    )


async def recent_calls(deps: Deps) -> list[CallRow]:
    calls = await repository.recent_calls(
        deps.db, deps.actor, since=deps.now - RECENT, limit=LIST_LIMIT
    )
    with_callback = await repository.callback_call_ids(deps.db, deps.actor, [c.id for c in calls])
    await record(
        deps.db, context=deps.context, action="call.list", object_type="call",
        details={"count": len(calls)},
    )
    return [CallRow(call, call.id in with_callback) for call in calls]


async def find_call(deps: Deps, call_id: str) -> HelplineCall | None:
    """A call the actor may read, for changing it (nothing protected is read)."""
    return await repository.readable_call(deps.db, deps.actor, call_id)


async def _decrypt(deps: Deps, call: HelplineCall, column: str) -> str | None:
    blob = getattr(call, column)
    if blob is None:
        return None
    value = await deps.keys.decrypt(
        deps.db, scope=call_scope(call.id), binding=call_binding(call, column), blob=blob
    )
    return str(value)


async def earlier_calls(deps: Deps, call: HelplineCall) -> list[HelplineCall]:
    """Earlier calls from the same number: index candidates, confirmed by decryption."""
    number = await _decrypt(deps, call, "caller_number")
    if number is None or call.caller_number_index is None:
        return []
    candidates = await repository.calls_with_index(
        deps.db, deps.actor, index=call.caller_number_index, before=call.received_at,
        exclude_id=call.id,
    )
    earlier = []
    for candidate in candidates:
        try:
            same = await _decrypt(deps, candidate, "caller_number") == number
        except crypto.DecryptionError:  # a shredded call cannot be matched, and is no match
            same = False
        if same:
            earlier.append(candidate)
    return earlier


async def read_call(deps: Deps, call_id: str) -> CallView | None:
    call = await repository.readable_call(deps.db, deps.actor, call_id)
    if call is None:
        return None
    summary = await _decrypt(deps, call, "summary") or ""
    earlier = await earlier_calls(deps, call)
    callback = await repository.callback_for_call(deps.db, call.id)
    # The number is decrypted to find earlier calls, never shown here.
    fields = [name for name in ("summary", "caller_number") if getattr(call, name) is not None]
    await _audit(deps, "call.read", call, fields=fields, details={"earlier_calls": len(earlier)})
    return CallView(call, summary, earlier, callback)


async def reveal_number(deps: Deps, call_id: str) -> tuple[HelplineCall, str | None] | None:
    call = await repository.readable_call(deps.db, deps.actor, call_id)
    if call is None:
        return None
    number = await _decrypt(deps, call, "caller_number")
    await _audit(deps, "call.number_read", call, fields=["caller_number"])
    return call, number


async def _apply(deps: Deps, call: HelplineCall, form: CallForm) -> list[str]:
    if call.case_id is not None and await is_shredded(deps.db, call.case_id, lock=True):
        # What is left of a shredded case's call is statistics: nothing new is written to it
        # (a summary would need a new key for a call whose case was destroyed).
        raise RuleViolation("case_shredded")
    if (form.case_id or None) != call.case_id:
        # Calls are the organisation's, but a link is part of its case: only a case this
        # officer may read can be linked, or unlinked; any other id is "not found".
        for case_id in (call.case_id, form.case_id):
            if case_id and await get_readable_case(deps.db, deps.actor, case_id) is None:
                raise InvalidInput({"case_id": "not_found"})
    wanted = {name: getattr(form, name) for name in EDITABLE_FIELDS}
    wanted["language"] = form.language or None
    changed = [name for name, value in wanted.items() if getattr(call, name) != value]
    for name, value in wanted.items():
        setattr(call, name, value)
    old_summary = await _decrypt(deps, call, "summary") or ""
    if form.summary != old_summary:
        changed.append("summary")
        call.summary = (
            await deps.keys.encrypt(
                deps.db, scope=call_scope(call.id), binding=call_binding(call, "summary"),
                value=form.summary,
            )
            if form.summary
            else None
        )
    return changed


async def complete_call(deps: Deps, call: HelplineCall, form: CallForm) -> None:
    """Save the officer's record of the call; the first save completes it."""
    assert form.ok
    changed = await _apply(deps, call, form)
    first = call.completed_at is None
    if first:
        call.completed_at, call.completed_by_user_id = deps.now, deps.actor.id
        if call.answered_by_user_id is None:
            call.answered_by_user_id = deps.actor.id
    await _audit(deps, "call.completed" if first else "call.updated", call, fields=changed)


async def log_call(deps: Deps, form: CallForm) -> HelplineCall:
    """A call that came another way (switchboard, walk-in, another authority), logged by hand."""
    assert form.ok and form.received_at is not None and form.channel is not None
    call = HelplineCall(
        id=new_id(),
        organisation_id=deps.actor.organisation_id,
        direction=CallDirection.INBOUND,
        channel=form.channel,
        received_at=form.received_at,
        logged_by_user_id=deps.actor.id,
        caller_withheld=form.caller_number is None,
    )
    if form.caller_number is not None:
        call.caller_number = await deps.keys.encrypt(
            deps.db, scope=call_scope(call.id), binding=call_binding(call, "caller_number"),
            value=form.caller_number,
        )
        call.caller_number_index = phone_index(deps.keys).compute(form.caller_number)
    deps.db.add(call)
    await deps.db.flush()
    await _audit(deps, "call.logged", call, fields=["caller_number"] if form.caller_number else [])
    await complete_call(deps, call, form)
    return call


# --- callback requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackView:
    callback: CallbackRequest
    call: HelplineCall
    number: str | None


async def callback_queue(deps: Deps) -> list[tuple[CallbackRequest, HelplineCall | None]]:
    callbacks = await repository.callback_queue(deps.db, deps.actor, limit=LIST_LIMIT)
    rows = []
    for callback in callbacks:
        call = await repository.readable_call(deps.db, deps.actor, callback.call_id)
        rows.append((callback, call))
    await record(
        deps.db, context=deps.context, action="callback.list", object_type="callback",
        details={"count": len(callbacks)},
    )
    return rows


async def read_callback(deps: Deps, callback_id: str) -> CallbackView | None:
    callback = await repository.readable_callback(deps.db, deps.actor, callback_id)
    call = callback and await repository.readable_call(deps.db, deps.actor, callback.call_id)
    if callback is None or call is None:
        return None
    number = await _decrypt(deps, call, "caller_number")
    # The fields actually read: none when the number is gone (its case was shredded).
    fields = ["caller_number"] if call.caller_number is not None else []
    await _audit(deps, "callback.read", callback, kind="callback", fields=fields)
    return CallbackView(callback, call, number)


async def find_callback(deps: Deps, callback_id: str) -> CallbackRequest | None:
    """A callback the actor may read, locked for a change (nothing protected is read)."""
    return await repository.readable_callback(deps.db, deps.actor, callback_id, lock=True)


async def complete_callback(
    deps: Deps, callback: CallbackRequest, outcome: CallbackOutcome
) -> None:
    """Mark an open callback done. Once done, its outcome and who did it stand: a second
    officer's choice (sent from a page opened before the first one's) is refused, not
    written over the record of whether the caller was reached."""
    if callback.state is not CallbackState.OPEN:
        raise RuleViolation("callback_already_done")
    callback.state, callback.outcome = CallbackState.DONE, outcome
    callback.done_at, callback.done_by_user_id = deps.now, deps.actor.id
    await _audit(
        deps, "callback.completed", callback, kind="callback", details={"outcome": str(outcome)}
    )
