"""The location vault: the only place a real address or whereabouts is kept (DOMAIN.md §3, §8.4).

An entry's address, whereabouts and notes are encrypted under the case's data key, bound to the
entry's row and column. Lists show a label ("Address 1"), kind and validity only. Reading an entry
needs a stated purpose and a name on the entry's list, and writes exactly one ``vault.read``
audit event (purpose, field names, entry id: never the address). A user who can read the case but
is not named may break the glass: a reason, a recent sign-in (enforced on the route), one
``vault.break_glass`` audit event and an alert to the organisation's supervisors. Break-glass
reads once; it does not add the user to the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from helpline import clock
from helpline.audit import AuditResult, RecordedEvent, record
from helpline.cases import lifecycle
from helpline.cases.access import can_supervise
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.cases.views import user_names
from helpline.db import new_id
from helpline.errors import DomainError, InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case
from helpline.models.protection import (
    AlertKind,
    LocationVaultAccess,
    LocationVaultEntry,
    ProtectionAlert,
)
from helpline.models.users import Role
from helpline.persons import repository as persons_repository
from helpline.protection import repository
from helpline.protection.schemas import EntryInput

TABLE = "location_vault_entries"
SECRET_COLUMNS = {"address": "address_enc", "whereabouts": "whereabouts_enc", "notes": "notes_enc"}
LOG_SIZE = 200
# Lines this long or longer are looked for in a stated purpose (a purpose must not repeat them).
MIN_LOCATION_FRAGMENT = 6


class Forbidden(DomainError):
    """Allowed to see the case, not this: the refusal is logged, nothing is shown."""

    status_code = 403

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True)
class EntryView:
    id: str
    label_number: int
    kind: str
    person_id: str | None
    person_pseudonym: str
    valid_from: date | None
    valid_to: date | None
    current: bool
    named: list[str]
    named_ids: frozenset[str]
    me_named: bool


@dataclass(frozen=True)
class VaultPage:
    entries: list[EntryView]
    readers: list[tuple[str, str]]  # (user id, display name) who may be named
    may_manage: bool


@dataclass(frozen=True)
class RevealedLocation:
    entry_id: str
    label_number: int
    kind: str
    valid_from: date | None
    valid_to: date | None
    address: str
    whereabouts: str
    notes: str
    break_glass: bool


@dataclass(frozen=True)
class LogItem:
    occurred_at: datetime
    actor: str
    action: str
    result: str
    case_id: str | None
    case_reference: str
    label: tuple[str, int] | None
    purpose: str


@dataclass(frozen=True)
class AlertItem:
    id: str
    created_at: datetime
    actor: str
    case_id: str
    case_reference: str
    label: tuple[str, int] | None
    reason: str
    acknowledged_at: datetime | None
    acknowledged_by: str


@dataclass(frozen=True)
class VaultLog:
    events: list[LogItem]
    alerts: list[AlertItem]


def may_manage(deps: Deps, case: Case) -> bool:
    """Who may change an entry's list of named users: the responsible officer or a supervisor."""
    return deps.actor.id == case.responsible_officer_id or can_supervise(deps.actor, case)


def _is_current(entry: LocationVaultEntry, today: date) -> bool:
    return (entry.valid_from is None or entry.valid_from <= today) and (
        entry.valid_to is None or entry.valid_to >= today
    )


async def entry_of(deps: Deps, case: Case, entry_id: str) -> LocationVaultEntry:
    entry = await repository.entry_on_case(deps.db, case.id, entry_id)
    if entry is None:
        raise NotFound()
    return entry


async def vault_page(deps: Deps, case: Case) -> VaultPage:
    """The entries of a case without their contents: one audit event (no location fields)."""
    entries = await repository.entries_of_case(deps.db, case.id)
    named = await repository.named_users(deps.db, [e.id for e in entries])
    names = await user_names(deps, case.organisation_id)
    pseudonyms = await repository.pseudonyms(deps.db, case.id)
    today = clock.today()
    views = [
        EntryView(
            id=e.id,
            label_number=e.label_number,
            kind=e.kind.value,
            person_id=e.person_id,
            person_pseudonym=pseudonyms.get(e.person_id or "", ""),
            valid_from=e.valid_from,
            valid_to=e.valid_to,
            current=_is_current(e, today),
            named=sorted(names.get(u, "—") for u in named[e.id]),
            named_ids=frozenset(named[e.id]),
            me_named=deps.actor.id in named[e.id],
        )
        for e in entries
    ]
    readers = await case_readers(deps, case)
    await audit(
        deps, case, "vault.listed", purpose="case work", fields=["label", "validity", "named"]
    )
    return VaultPage(views, readers, may_manage(deps, case))


async def case_readers(deps: Deps, case: Case) -> list[tuple[str, str]]:
    """(user id, display name) of the users who may be named on the case's entries."""
    return [(u.id, u.display_name) for u in await repository.case_readers(deps.db, case)]


async def _check_named(deps: Deps, case: Case, user_ids: tuple[str, ...] | list[str]) -> None:
    readers = {u.id for u in await repository.case_readers(deps.db, case)}
    if any(user_id not in readers for user_id in user_ids):
        raise InvalidInput({"named": "not_a_reader"})


async def add_entry(deps: Deps, case: Case, data: EntryInput) -> LocationVaultEntry:
    """A new entry; its author is always named (they have just typed the address)."""
    if case.state in lifecycle.FINISHED:
        raise RuleViolation("case_closed")
    if data.person_id and not await persons_repository.person_on_case(
        deps.db, case.id, data.person_id
    ):
        raise InvalidInput({"person_id": "unknown_person"})
    await _check_named(deps, case, data.named_user_ids)
    entry = LocationVaultEntry(
        id=new_id(),
        case_id=case.id,
        organisation_id=case.organisation_id,
        person_id=data.person_id,
        label_number=await repository.next_label_number(deps.db, case.id),
        kind=data.kind,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        created_by_id=deps.actor.id,
        created_at=clock.now(),
    )
    written = []
    for name, column in SECRET_COLUMNS.items():
        value = getattr(data, name)
        if value:
            setattr(entry, column, await encrypt(deps, case, TABLE, column, entry.id, value))
            written.append(name)
    deps.db.add(entry)
    await deps.db.flush()
    for user_id in {deps.actor.id, *data.named_user_ids}:
        _name(deps, entry, user_id)
    await add_event(deps, case, "VAULT_ENTRY_ADDED", reason_code=data.kind.value)
    await audit(
        deps,
        case,
        "vault.entry_created",
        fields=sorted(written),
        details={
            "entry_id": entry.id,
            "label_number": entry.label_number,
            "named_user_ids": sorted({deps.actor.id, *data.named_user_ids}),
        },
    )
    return entry


def _name(deps: Deps, entry: LocationVaultEntry, user_id: str) -> None:
    deps.db.add(
        LocationVaultAccess(
            entry_id=entry.id,
            user_id=user_id,
            organisation_id=entry.organisation_id,
            granted_by_id=deps.actor.id,
            granted_at=clock.now(),
        )
    )


async def set_named_users(deps: Deps, case: Case, entry_id: str, user_ids: list[str]) -> None:
    """Replace the entry's list of named users (responsible officer or supervisor only)."""
    entry = await entry_of(deps, case, entry_id)
    if not may_manage(deps, case):
        raise RuleViolation("manage_vault")
    wanted = set(user_ids)
    await _check_named(deps, case, sorted(wanted))
    rows = {row.user_id: row for row in await repository.access_rows(deps.db, entry.id)}
    added, removed = sorted(wanted - set(rows)), sorted(set(rows) - wanted)
    if added and case.state in lifecycle.FINISHED:
        # No new readers once the case's work has ended (removing one is always allowed).
        raise RuleViolation("case_closed")
    if deps.actor.id in added:
        # Naming oneself would be a read without break-glass's reason and alert: someone else
        # (the responsible officer or a supervisor) must grant it.
        raise RuleViolation("name_yourself")
    if not added and not removed:
        return
    for user_id in added:
        _name(deps, entry, user_id)
    for user_id in removed:
        await deps.db.delete(rows[user_id])
    await add_event(deps, case, "VAULT_ACCESS_CHANGED")
    await audit(
        deps,
        case,
        "vault.access_changed",
        fields=["named"],
        details={"entry_id": entry.id, "added": added, "removed": removed},
    )


class NamesLocation(InvalidInput):
    """The stated purpose or reason repeats part of the location. Finding that out decrypted
    the entry, and the answer tells whether a guessed address is right, so the attempt was
    audited (without the statement, which holds the location): keep that event (and, for a
    break-glass attempt, its alert) although the answer is a 422."""


def _fragments(text: str) -> list[str]:
    lines = [" ".join(line.split()).casefold() for line in re.split(r"[\n,;]", text)]
    return [line for line in lines if len(line) >= MIN_LOCATION_FRAGMENT]


# Pieces of a location a stated purpose must not repeat even alone: a name (a capitalised word
# of the address, or one inside a sentence of the whereabouts: a street, a town, a place; not a
# word that merely starts a sentence, "Skyddat boende i ..."), also inflected either way
# ("Gömstads" for Gömstad, "Wiklund" for Wiklunds), and
# any number of three or more digits of the location, notes included (a postcode written with
# or without its space, a door code). Words of the notes are not names: they are free text.
_WORD = re.compile(r"[^\W\d_]{3,}")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\n]\s*)$")


def _digit_runs(text: str) -> set[str]:
    joined = re.sub(r"(?<=\d)[ \u00a0]+(?=\d)", "", text)  # "123 45" is the postcode 12345
    return set(re.findall(r"\d{3,}", joined))


def _names(text: str, *, sentence_starts: bool) -> set[str]:
    return {
        m.group().casefold()
        for m in _WORD.finditer(text)
        if m.group()[0].isupper()
        and (sentence_starts or not _SENTENCE_START.search(text[: m.start()]))
    }


def _repeats_location(statement: str, values: dict[str, str]) -> bool:
    said = " ".join(statement.split()).casefold()
    location = [values["address"], values["whereabouts"], values["notes"]]
    if any(fragment in said for text in location for fragment in _fragments(text)):
        return True
    names = _names(values["address"], sentence_starts=True) | _names(
        values["whereabouts"], sentence_starts=False
    )
    if any(
        word.startswith(name) or (len(word) >= 5 and name.startswith(word))  # inflected
        for word in _WORD.findall(said)
        for name in names
    ):
        return True
    stored = set().union(*map(_digit_runs, location))
    # Either way round: "123" of the postcode 12345, or the postcode inside a longer number.
    return any(
        run in number or number in run for run in stored for number in _digit_runs(said)
    )


async def _reveal(
    deps: Deps, case: Case, entry: LocationVaultEntry, *, statement: str, field: str,
    refusal: str,
) -> RevealedLocation:
    values: dict[str, str] = {}
    for name, column in SECRET_COLUMNS.items():
        blob = getattr(entry, column)
        values[name] = str(await decrypt(deps, case, TABLE, column, entry.id, blob)) if blob else ""
    if _repeats_location(statement, values):
        # The purpose goes to the audit log in clear text: it must not carry the address. The
        # refusal is itself a consultation (it confirms a guess): audited, without the purpose.
        event = await _record(
            deps, case, entry, refusal, fields=_read_fields(entry), result=AuditResult.DENIED
        )
        if field == "reason":
            _alert(deps, case, entry, event)
        raise NamesLocation({field: "contains_location"})
    return RevealedLocation(
        entry_id=entry.id,
        label_number=entry.label_number,
        kind=entry.kind.value,
        valid_from=entry.valid_from,
        valid_to=entry.valid_to,
        break_glass=field == "reason",
        **values,
    )


def _read_fields(entry: LocationVaultEntry) -> list[str]:
    return [name for name, column in SECRET_COLUMNS.items() if getattr(entry, column)]


def _details(entry: LocationVaultEntry) -> dict[str, object]:
    return {"entry_id": entry.id, "label_number": entry.label_number, "kind": entry.kind.value}


async def _record(
    deps: Deps, case: Case, entry: LocationVaultEntry, action: str, **kwargs: object
) -> RecordedEvent:
    return await record(
        deps.db,
        context=deps.context,
        action=action,
        organisation_id=case.organisation_id,
        object_type="case",
        object_id=case.id,
        details=_details(entry),
        **kwargs,  # type: ignore[arg-type]
    )


async def read_entry(deps: Deps, case: Case, entry_id: str, *, purpose: str) -> RevealedLocation:
    """A named user's read, with a stated purpose: one ``vault.read`` audit event."""
    if not purpose.strip():
        raise InvalidInput({"purpose": "required"})
    entry = await entry_of(deps, case, entry_id)
    if not await repository.is_named(deps.db, entry.id, deps.actor.id):
        # Without the purpose: it has not been checked against the location (that would
        # decrypt the entry for someone not named), and it may repeat the address.
        await _record(deps, case, entry, "vault.read_denied", result=AuditResult.DENIED)
        raise Forbidden("not_named")
    revealed = await _reveal(
        deps, case, entry, statement=purpose, field="purpose", refusal="vault.read_refused"
    )
    await _record(deps, case, entry, "vault.read", purpose=purpose, fields=_read_fields(entry))
    return revealed


async def break_glass(deps: Deps, case: Case, entry_id: str, *, reason: str) -> RevealedLocation:
    """An emergency read by a user who may read the case but is not named: audited, alerted."""
    if not reason.strip():
        raise InvalidInput({"reason": "required"})
    entry = await entry_of(deps, case, entry_id)
    if await repository.is_named(deps.db, entry.id, deps.actor.id):
        raise RuleViolation("already_named")
    revealed = await _reveal(
        deps, case, entry, statement=reason, field="reason", refusal="vault.break_glass_refused"
    )
    event = await _record(
        deps, case, entry, "vault.break_glass", purpose=reason, fields=_read_fields(entry)
    )
    _alert(deps, case, entry, event)
    await add_event(deps, case, "VAULT_BREAK_GLASS", reason_code=entry.kind.value)
    return revealed


def _alert(deps: Deps, case: Case, entry: LocationVaultEntry, event: RecordedEvent) -> None:
    """A break-glass read (or attempt) for the supervisors, pointing at its audit event."""
    deps.db.add(
        ProtectionAlert(
            id=new_id(),
            organisation_id=case.organisation_id,
            kind=AlertKind.BREAK_GLASS,
            case_id=case.id,
            entry_id=entry.id,
            actor_id=deps.actor.id,
            audit_seq=event.seq,
            created_at=clock.now(),
        )
    )


def require_supervisor(deps: Deps) -> None:
    if deps.actor.role is not Role.SUPERVISOR:
        raise Forbidden("supervisor_required")


async def vault_log(deps: Deps) -> VaultLog:
    """The organisation's vault reads, refusals and break-glass reads, and the open alerts."""
    require_supervisor(deps)
    organisation_id = deps.actor.organisation_id
    events = await repository.vault_events(deps.db, organisation_id, limit=LOG_SIZE)
    alerts = await repository.alerts(deps.db, organisation_id, limit=LOG_SIZE)
    case_ids = [e.object_id for e in events if e.object_id] + [a.case_id for a in alerts]
    references = await repository.case_references(deps.db, case_ids)
    entry_ids = [str(e.details.get("entry_id", "")) for e in events]
    labels = await repository.entry_labels(deps.db, entry_ids + [a.entry_id or "" for a in alerts])
    names = await user_names(deps, organisation_id)
    # Each alert's reason from its own event, however many vault events came after it.
    reasons = await repository.purposes_of(
        deps.db, organisation_id, [a.audit_seq for a in alerts if a.audit_seq is not None]
    )
    await record(
        deps.db,
        context=deps.context,
        action="protection.vault_log.read",
        object_type="vault_log",
        purpose="log review",
    )
    return VaultLog(
        events=[
            LogItem(
                e.occurred_at,
                names.get(e.actor_user_id or "", "—"),
                e.action,
                e.result,
                e.object_id,
                references.get(e.object_id or "", "—"),
                labels.get(str(e.details.get("entry_id", ""))),
                e.purpose or "",
            )
            for e in events
        ],
        alerts=[
            AlertItem(
                a.id,
                a.created_at,
                names.get(a.actor_id, "—"),
                a.case_id,
                references.get(a.case_id, "—"),
                labels.get(a.entry_id or ""),
                reasons.get(a.audit_seq or -1, ""),
                a.acknowledged_at,
                names.get(a.acknowledged_by_id or "", ""),
            )
            for a in alerts
        ],
    )


async def acknowledge_alert(deps: Deps, alert_id: str) -> None:
    require_supervisor(deps)
    alert = await repository.alert_of(deps.db, deps.actor.organisation_id, alert_id)
    if alert is None:
        raise NotFound()
    if alert.actor_id == deps.actor.id:  # four eyes: not the alert about one's own read
        raise RuleViolation("own_alert")
    if alert.acknowledged_at is not None:
        return
    alert.acknowledged_at, alert.acknowledged_by_id = clock.now(), deps.actor.id
    await record(
        deps.db,
        context=deps.context,
        action="protection.alert_acknowledged",
        object_type="protection_alert",
        object_id=alert.id,
        details={"case_id": alert.case_id, "kind": alert.kind.value},
    )
