"""Set-up for the protection tests: a police office with a case, persons with canary names,
measures and vault entries written through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.models import AuditEvent, User
from helpline.models.cases import Case, Person
from helpline.models.protection import LocationKind, MeasureLevel, MeasureState
from helpline.models.users import Role
from helpline.protection import measures, vault
from helpline.protection.schemas import EntryInput, MeasureInput
from tests.helpline.persons.helpers import add_person, deps_for, open_case

CANARY_GIVEN = "Kanarievägen"  # a name nobody else uses: must never show in lists
CANARY_FAMILY = "Zqxwblomqvist"
CANARY_ADDRESS = "Hemligagatan 17, 123 45 Gömstad"
CANARY_WHEREABOUTS = "Hos mostern i Obskyrby"


@dataclass
class Office:
    org: Any
    officer: Any
    colleague: Any
    supervisor: Any
    case_id: str
    person_id: str


async def office(world: Any) -> Office:
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    colleague = await world.user(org, Role.POLICE_CASE_OFFICER)
    supervisor = await world.user(org, Role.SUPERVISOR)
    case_id = await open_case(world, officer.id)
    person_id = await add_person(
        world, officer.id, case_id, given_name=CANARY_GIVEN, family_name=CANARY_FAMILY
    )
    return Office(org, officer, colleague, supervisor, case_id, person_id)


async def add_team_member(world: Any, by: Any, case_id: str, user_id: str) -> None:
    from helpline.cases import service as cases_service

    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, by.id)
        case = await db.get(Case, case_id)
        await cases_service.add_team_member(deps, case, user_id=user_id)


async def set_measure(
    world: Any,
    user_id: str,
    case_id: str,
    person_id: str,
    level: MeasureLevel = MeasureLevel.PROTECTED_REGISTRATION,
    state: MeasureState = MeasureState.APPLIED,
    **dates: date | None,
) -> str:
    today = clock_module.today()
    defaults: dict[str, date | None] = {
        "applied_on": today - timedelta(days=10),
        "decided_on": today if state in (MeasureState.GRANTED, MeasureState.REFUSED) else None,
        "review_on": None,
    }
    defaults.update(dates)
    data = MeasureInput(level=level, state=state, decision_reference="Dnr 2026/1234", **defaults)
    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, user_id)
        case = await db.get(Case, case_id)
        person = await db.get(Person, person_id)
        return (await measures.set_measure(deps, case, person, data)).id


async def add_entry(
    world: Any, user_id: str, case_id: str, *, person_id: str | None = None,
    named: tuple[str, ...] = (),
) -> str:
    data = EntryInput(
        kind=LocationKind.ADDRESS, person_id=person_id, address=CANARY_ADDRESS,
        whereabouts=CANARY_WHEREABOUTS, notes="Portkod 4711", valid_from=clock_module.today(),
        valid_to=None, named_user_ids=named,
    )
    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, user_id)
        case = await db.get(Case, case_id)
        return (await vault.add_entry(deps, case, data)).id


async def events(world: Any, *actions: str) -> list[AuditEvent]:
    return await world.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.seq)
    )


async def user_row(world: Any, user_id: str) -> User:
    async with world.sessions() as db:
        return await db.get(User, user_id)
