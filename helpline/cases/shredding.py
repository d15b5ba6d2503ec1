"""Crypto-shredding of a case (SECURITY.md §2): destroy its data keys so nothing of it can be read.

A case's fields are encrypted under its own data key (scope ``case:<id>``); the calls linked to
it under theirs (``call:<id>``, a call's summary is often the first account of the case).
Shredding deletes those wrapped keys, and with them the blind-index entries that would still
let someone test a guessed personnummer or phone number against the case, in one transaction:
a crash leaves the case either whole or shredded. The intake's participants, the one free text
of a case in clear, are emptied with them. The call rows keep what is not personal
(times, channel, outcome) for statistics, without their now unreadable ciphertexts.

It is for cases whose work is over (DOMAIN.md §8.12, retention): a case still in progress
is refused. Afterwards the case is outside every read (``cases.access``), so no page tries to
decrypt it and no write can give it a new key. Copies outside the database (backups, the
keyring's retired KEK versions) follow their own retention; see ``crypto``'s non-guarantees.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import rls
from helpline.audit import AuditAction, AuditContext, record
from helpline.calls.fields import call_scope
from helpline.cases import lifecycle
from helpline.errors import RuleViolation
from helpline.keys import KeyService, case_scope
from helpline.models.calls import HelplineCall
from helpline.models.cases import Case, IntakeInterview, Person


class ShredReason(enum.StrEnum):
    RETENTION = "RETENTION"  # the retention period ran out (gallring)
    ERASURE_DECISION = "ERASURE_DECISION"  # a decision to erase (a court, the DPO)


@dataclass(frozen=True)
class Shredded:
    case_id: str
    data_keys: int
    calls: int
    already: bool = False


async def case_by_reference(
    db: AsyncSession, organisation_id: str, reference: str
) -> Case | None:
    """The organisation's case with this reference, for the operator's command (no case
    content is read). The transaction is bound to the organisation first (row-level security)."""
    await rls.bind_organisation(db, organisation_id)
    statement = select(Case).where(
        Case.organisation_id == organisation_id, Case.reference == reference
    )
    return (await db.execute(statement)).scalar_one_or_none()


async def lock_case(db: AsyncSession, case: Case) -> Case:
    """The case row, locked until the commit and read again: shredding and key rotation of one
    case take this lock first, so they run one after another and each sees what the other did
    (PostgreSQL; SQLite's writers are serial anyway)."""
    statement = (
        select(Case)
        .where(Case.id == case.id)
        .with_for_update(of=Case, key_share=True)  # as writes take it (cases.access)
        .execution_options(populate_existing=True)
    )
    return (await db.execute(statement)).scalar_one()


async def is_shredded(db: AsyncSession, case_id: str, *, lock: bool = False) -> bool:
    """``lock``: take the case row as a write does (see ``lock_case``), for a change that
    depends on the answer: a shredding then waits for it, or it for the shredding."""
    statement = select(Case.shredded_at).where(Case.id == case_id)
    if lock:
        statement = statement.with_for_update(of=Case, key_share=True)
    return await db.scalar(statement) is not None


async def shred_case(
    db: AsyncSession,
    keys: KeyService,
    case: Case,
    *,
    reason: ShredReason,
    context: AuditContext,
    now: datetime,
) -> Shredded:
    """Destroy the case's data keys and those of its calls, drop their blind-index entries
    and record it. Idempotent: a shredded case is left as it is. RuleViolation if the case is
    still being worked."""
    await rls.bind_organisation(db, case.organisation_id)
    case = await lock_case(db, case)
    if case.shredded_at is not None:
        return Shredded(case.id, data_keys=0, calls=0, already=True)
    if case.state not in lifecycle.FINISHED:  # only cases whose work is over
        raise RuleViolation("case_not_finished")
    linked = select(HelplineCall.id).where(HelplineCall.case_id == case.id)
    call_ids = list(await db.scalars(linked))
    scopes = [case_scope(case.id), *(call_scope(call_id) for call_id in call_ids)]
    data_keys = await keys.shred(db, scopes)
    await db.execute(update(Person).where(Person.case_id == case.id).values(id_index=None))
    # The one free text of a case kept in clear (who took part in the intake interview: roles
    # and organisations, the form asks, but it is typed freely) goes with the keys.
    await db.execute(
        update(IntakeInterview).where(IntakeInterview.case_id == case.id).values(participants=[])
    )
    if call_ids:
        await db.execute(
            update(HelplineCall)
            .where(HelplineCall.id.in_(call_ids))
            .values(caller_number=None, caller_number_index=None, summary=None)
        )
    case.shredded_at = now
    await record(
        db,
        context=context,
        action=AuditAction.DATA_KEY_SHREDDED,
        organisation_id=case.organisation_id,
        object_type="case",
        object_id=case.id,
        details={"reason": str(reason), "data_keys": data_keys, "calls": len(call_ids)},
    )
    return Shredded(case.id, data_keys=data_keys, calls=len(call_ids))
