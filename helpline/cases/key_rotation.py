"""Data-key rotation of one case: a new key generation, and every field re-encrypted under it.

Every encrypted column of a case lives in a table with ``case_id`` and ``organisation_id``
whose name ends in ``_enc``, bound as (organisation, table, column, row id); the tables are
found from the models, so a table added later is rotated without being listed here. Each value
is decrypted under the generation its ciphertext names and encrypted under the new one
(``crypto.reencrypt``), in one transaction: a crash leaves the case wholly under its old key.
A value whose binding were not what this assumes would fail to decrypt and stop the rotation
with nothing changed, never be rewritten wrongly.

Calls linked to the case keep their own keys (``call:<id>``); shredding takes them with the
case, rotation leaves them.

Approved and superseded threat assessments are immutable in the database itself (migration
0005): their content stays under the generation it was written with. Older generations are
therefore kept, inactive: they still decrypt what was written under them (also a value a
request wrote while the rotation ran), while every new value goes under the new generation.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import crypto
from helpline import rls
from helpline.audit import AuditAction, AuditContext, record
from helpline.cases.service import binding
from helpline.cases.shredding import lock_case
from helpline.db import Base
from helpline.errors import RuleViolation
from helpline.keys import KeyService, case_scope
from helpline.models.cases import AssessmentState, Case
from helpline.models.keys import DataKeyRecord

# Rows the database keeps unchanged (see the module docstring), by table.
_IMMUTABLE_STATES = {
    "threat_assessments": {AssessmentState.APPROVED.value, AssessmentState.SUPERSEDED.value},
}


@dataclass(frozen=True)
class Rotated:
    key_id: int
    fields: int
    kept: int


def case_encrypted_columns() -> list[tuple[Table, list[str]]]:
    """Every table of case data with its encrypted columns."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c.name for c in table.columns if c.name.endswith("_enc")]
        if columns and "case_id" in table.c:
            found.append((table, columns))
    return found


async def rotate_case_key(
    db: AsyncSession, keys: KeyService, case: Case, *, context: AuditContext
) -> Rotated:
    """RuleViolation for a shredded case (it has no key to rotate, and must not get one)."""
    await rls.bind_organisation(db, case.organisation_id)
    # First the case row (as shredding does): a second rotation, or a shredding, of this case
    # waits here and then sees this one's keys.
    case = await lock_case(db, case)
    if case.shredded_at is not None:
        raise RuleViolation("case_shredded")
    scope = case_scope(case.id)
    current = await db.scalar(
        select(DataKeyRecord.key_id)
        .where(DataKeyRecord.scope == scope)
        .order_by(DataKeyRecord.key_id.desc())
        .limit(1)
    )
    new = crypto.DataKey.generate(key_id=(current or 0) + 1)
    await keys.store_new_key(db, scope, new)
    fields = kept = 0
    for table, columns in case_encrypted_columns():
        immutable = _IMMUTABLE_STATES.get(table.name, set())
        selected = [table.c.id, *(table.c[name] for name in columns)]
        if immutable:
            selected.append(table.c.state)
        # Locked: an edit committed while the rotation runs is waited for and then read, not
        # overwritten with the value from before it.
        rows = await db.execute(
            select(*selected).where(table.c.case_id == case.id).with_for_update()
        )
        for row in rows.mappings().all():
            blobs = {name: row[name] for name in columns if row[name] is not None}
            if immutable and row["state"] in immutable:
                kept += len(blobs)
                continue
            changes = {}
            for name, blob in blobs.items():
                old = await keys.key_for(db, scope, crypto.ciphertext_key_id(blob))
                place = binding(case, table.name, name, row["id"])
                changes[name] = crypto.reencrypt(blob, place, old=old, new=new)
            if changes:
                await db.execute(update(table).where(table.c.id == row["id"]).values(changes))
                fields += len(changes)
    await db.execute(
        update(DataKeyRecord)
        .where(DataKeyRecord.scope == scope, DataKeyRecord.key_id < new.key_id)
        .values(active=False)
    )
    await record(
        db,
        context=context,
        action=AuditAction.DATA_KEY_ROTATED,
        organisation_id=case.organisation_id,
        object_type="case",
        object_id=case.id,
        details={"key_id": new.key_id, "fields": fields, "kept": kept},
    )
    return Rotated(new.key_id, fields, kept)
