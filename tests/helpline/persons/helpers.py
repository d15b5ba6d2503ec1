"""Shared set-up for the persons and consent tests: cases opened through the case service,
persons added through the persons service, API tokens, valid identity numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.audit import AuditContext
from helpline.auth import tokens
from helpline.cases import service as cases_service
from helpline.cases.schemas import IntakeInput, Motivation, Suitability
from helpline.cases.service import Deps
from helpline.models import AuditEvent, User
from helpline.models.cases import Case
from helpline.models.users import Role
from helpline.persons import schemas as person_schemas
from helpline.persons import service as persons_service


def luhn(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def pnr(yyyymmdd: str, serial: str = "123") -> str:
    """A personnummer (or samordningsnummer, day + 60) with a correct check digit."""
    return f"{yyyymmdd}-{serial}{luhn(yyyymmdd[2:] + serial)}"


async def deps_for(world: Any, db: Any, user_id: str) -> Deps:
    user = await db.get(User, user_id)
    return Deps(db, world.app.state.keys, AuditContext(actor=user))


async def open_case(world: Any, user_id: str) -> str:
    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, user_id)
        case = await cases_service.open_case_from_intake(
            deps,
            IntakeInput(
                held_at=clock_module.now(), motivation=Motivation.HIGH,
                suitability=Suitability.SUITABLE, is_adult=True, is_witness=False,
            ),
        )
        return case.id


async def add_person(world: Any, user_id: str, case_id: str, **fields: Any) -> str:
    data = {"role": "DEFECTOR", "id_type": "NONE", **fields}
    form = person_schemas.parse_person(data, today=clock_module.today())
    assert form.data is not None, form.errors
    async with world.sessions() as db, db.begin():
        deps = await deps_for(world, db, user_id)
        case = await db.get(Case, case_id)
        person = await persons_service.add_person(deps, case, form.data)
        return person.id


async def token(world: Any, user_id: str) -> dict[str, str]:
    async with world.sessions() as db, db.begin():
        user = await db.get(User, user_id)
        secret, _ = await tokens.create_token(
            db, user=user, actor=None, name="test", expires_days=30, now=clock_module.now()
        )
    return {"Authorization": f"Bearer {secret}"}


async def audit_events(world: Any, action: str) -> list[AuditEvent]:
    return await world.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    )


async def audit_count(world: Any) -> int:
    return len(await world.scalars(select(AuditEvent.seq)))


@dataclass
class Office:
    """A police organisation with an officer who owns a case."""

    org: Any
    officer: Any
    case_id: str


async def office(world: Any) -> Office:
    org = await world.organisation()
    officer = await world.user(org, Role.POLICE_CASE_OFFICER)
    return Office(org, officer, await open_case(world, officer.id))
