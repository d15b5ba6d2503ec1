"""Helpers for case tests: open cases and satisfy activation guards directly in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from helpline import clock
from helpline.audit import AuditContext
from helpline.cases import service
from helpline.cases.schemas import IntakeInput, Motivation, Suitability
from helpline.db import new_id
from helpline.models import Case, ConditionsAgreement, Consent, Person, ThreatAssessment, User
from helpline.models.cases import (
    AssessmentState,
    ConsentState,
    IdType,
    PersonRole,
    ThreatLevel,
)
from helpline.models.users import Role


class Cases:
    def __init__(self, world, app) -> None:
        self.world, self.app = world, app

    async def setup(self):
        """A police organisation with an officer, a colleague and two supervisors."""
        org = await self.world.organisation()
        self.org = org
        self.officer = await self.world.user(org, Role.POLICE_CASE_OFFICER)
        self.colleague = await self.world.user(org, Role.POLICE_CASE_OFFICER)
        self.supervisor = await self.world.user(org, Role.SUPERVISOR)
        self.supervisor2 = await self.world.user(org, Role.SUPERVISOR)
        return self

    def deps(self, db, user_id_row):
        return service.Deps(db, self.app.state.keys, AuditContext(actor=user_id_row))

    async def open(self, *, by=None, **overrides) -> str:
        data = dict(held_at=clock.now() - timedelta(hours=1), motivation=Motivation.HIGH,
                    suitability=Suitability.SUITABLE, is_adult=True, is_witness=False,
                    threat_documented=True, definition_met=True)
        data.update(overrides)
        async with self.world.sessions() as db, db.begin():
            actor = await db.get(User, (by or self.officer).id)
            case = await service.open_case_from_intake(self.deps(db, actor), IntakeInput(**data))
            return case.id

    async def act(self, user, case_id, call):
        """Run ``call(deps, case)`` as ``user`` in one committed transaction."""
        async with self.world.sessions() as db, db.begin():
            actor = await db.get(User, user.id)
            case = await db.get(Case, case_id)
            return await call(self.deps(db, actor), case)

    async def add_defector(self, case_id) -> str:
        async with self.world.sessions() as db, db.begin():
            case = await db.get(Case, case_id)
            person = Person(id=new_id(), case_id=case_id, organisation_id=case.organisation_id,
                            role=PersonRole.DEFECTOR, pseudonym="Ek 1234", id_type=IdType.NONE)
            db.add(person)
            return person.id

    async def give_consent(self, case_id, person_id, *, purposes=None, days=365,
                           state=ConsentState.GIVEN) -> str:
        async with self.world.sessions() as db, db.begin():
            case = await db.get(Case, case_id)
            consent = Consent(
                id=new_id(), case_id=case_id, organisation_id=case.organisation_id,
                person_id=person_id, version=1, state=state, form="WRITTEN",
                purposes=purposes or ["POLICE_REGISTER_CHECKS", "INFO_EXCHANGE_EXIT"],
                categories=["IDENTITY"], valid_from=clock.today(),
                valid_to=clock.today() + timedelta(days=days), recorded_by_id=self.officer.id,
            )
            db.add(consent)
            return consent.id

    async def sign_conditions(self, case_id) -> None:
        async with self.world.sessions() as db, db.begin():
            case = await db.get(Case, case_id)
            db.add(ConditionsAgreement(case_id=case_id, organisation_id=case.organisation_id,
                                       signed_on=clock.today(), conditions=["NO_CRIME"],
                                       recorded_by_id=self.officer.id))

    async def approve_assessment(self, case_id, *, due_in_days=30) -> None:
        async with self.world.sessions() as db, db.begin():
            case = await db.get(Case, case_id)
            db.add(ThreatAssessment(
                case_id=case_id, organisation_id=case.organisation_id, version=1,
                state=AssessmentState.APPROVED, overall_level=ThreatLevel.HIGH,
                author_id=self.officer.id, reviewer_id=self.supervisor.id,
                approved_at=clock.now(), review_due_on=clock.today() + timedelta(days=due_in_days),
            ))

    async def make_ready_for_activation(self, case_id) -> str:
        person_id = await self.add_defector(case_id)
        await self.give_consent(case_id, person_id)
        await self.sign_conditions(case_id)
        await self.approve_assessment(case_id)
        return person_id

    async def state(self, case_id):
        async with self.world.sessions() as db:
            return (await db.get(Case, case_id)).state


@pytest.fixture
async def cases(world, app) -> Cases:
    return await Cases(world, app).setup()
