"""What relocation, measures and reminders share: open cases, organisations, dates, text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.cases.service import Deps, decrypt, encrypt
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case, CaseState
from helpline.models.org import Organisation
from helpline.persons.schemas import Errors, text_of

# Cases on which protection and relocation work goes on (not closed or routed away).
OPEN_CASE_STATES = frozenset(
    {
        CaseState.CONTACT,
        CaseState.INTAKE_BOOKED,
        CaseState.ASSESSMENT,
        CaseState.ACTIVE,
        CaseState.HANDOVER_PENDING,
        CaseState.HANDED_OVER,
    }
)
NOTE_MAX = 2000
# Before activation a case is still being assessed: protection may start only once a
# supervisor has signed off emergency protection, with a reason (DOMAIN.md §7).
BEFORE_ACTIVATION = frozenset({CaseState.CONTACT, CaseState.INTAKE_BOOKED, CaseState.ASSESSMENT})


def require_open_case(case: Case) -> None:
    if case.state not in OPEN_CASE_STATES:
        raise RuleViolation("case_not_open")


def require_protection_may_start(case: Case) -> None:
    """Protection put in place (a measure, a relocation under way) before the case is active
    needs the supervisor's emergency sign-off; planning it does not."""
    if case.state in BEFORE_ACTIVATION and case.emergency_protection_by_id is None:
        raise RuleViolation("emergency_protection_required")


async def organisations(db: AsyncSession) -> list[tuple[str, str]]:
    """Every organisation (reference data: any may be responsible for a step or measure)."""
    rows = await db.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name))
    return [(org_id, name) for org_id, name in rows.all()]


async def organisation_names(db: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    statement = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    return {org_id: name for org_id, name in (await db.execute(statement)).all()}


async def check_organisation(db: AsyncSession, organisation_id: str, field: str) -> None:
    if not await organisation_names(db, {organisation_id}):
        raise InvalidInput({field: "unknown_organisation"})


def optional_day(data: Mapping[str, object], name: str, errors: Errors) -> date | None:
    value = text_of(data, name)
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "invalid_date"
        return None


def uuid_text(data: Mapping[str, object], name: str, errors: Errors, code: str) -> str:
    value = text_of(data, name)
    if value and len(value) != 36:
        errors[name] = code
    return value


async def seal(deps: Deps, case: Case, table: str, column: str, row_id: str, text: str) -> bytes:
    return await encrypt(deps, case, table, column, row_id, text)


async def unseal(
    deps: Deps, case: Case, table: str, column: str, row_id: str, blob: bytes | None
) -> str:
    if blob is None:
        return ""
    return str(await decrypt(deps, case, table, column, row_id, blob))
