"""Journal notes (journalanteckningar): encrypted and append-only; corrections are new notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from helpline import clock
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.db import new_id
from helpline.errors import InvalidInput
from helpline.models.cases import Case, Note

MAX_NOTE = 20_000


@dataclass(frozen=True)
class NoteView:
    id: str
    author_id: str
    created_at: datetime
    body: str
    corrects_note_id: str | None


async def add_note(
    deps: Deps, case: Case, *, body: str, corrects_note_id: str | None = None
) -> Note:
    body = body.strip()
    if not body:
        raise InvalidInput({"body": "required"})
    if len(body) > MAX_NOTE:
        raise InvalidInput({"body": "too_long"})
    if corrects_note_id and not await _note_of_case(deps, case, corrects_note_id):
        raise InvalidInput({"corrects_note_id": "not_in_case"})
    note = Note(
        id=new_id(),
        case_id=case.id,
        organisation_id=case.organisation_id,
        author_id=deps.actor.id,
        created_at=clock.now(),
        corrects_note_id=corrects_note_id,
    )
    note.body_enc = await encrypt(deps, case, "notes", "body_enc", note.id, body)
    deps.db.add(note)
    await add_event(deps, case, "NOTE_ADDED")
    await audit(deps, case, "case.note_added", fields=["notes.body"])
    return note


async def _note_of_case(deps: Deps, case: Case, note_id: str) -> bool:
    statement = select(Note.id).where(Note.id == note_id, Note.case_id == case.id)
    return (await deps.db.execute(statement)).first() is not None


async def notes_for_case(deps: Deps, case: Case) -> list[NoteView]:
    """Decrypted notes, oldest first. The caller writes the read's audit event."""
    statement = select(Note).where(Note.case_id == case.id).order_by(Note.created_at, Note.id)
    views = []
    for note in (await deps.db.execute(statement)).scalars():
        body = await decrypt(deps, case, "notes", "body_enc", note.id, note.body_enc)
        views.append(
            NoteView(note.id, note.author_id, note.created_at, str(body), note.corrects_note_id)
        )
    return views
