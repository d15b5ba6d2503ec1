"""Demo cases for a newcomer's first ``make run``: fictional people, cases in different states.

Every name and number here is invented (19121212-1212 is Skatteverket's well-known test
number). Created through the same services as real work, so everything is encrypted, audited
and on the timeline exactly as it would be. Idempotent: nothing is added once the demo officer
has cases.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock, rls
from helpline.audit import AuditContext
from helpline.cases import notes, repository, service
from helpline.cases.schemas import InformationGiven, IntakeInput, Motivation, Suitability
from helpline.consent import conditions as conditions_service
from helpline.consent import service as consent_service
from helpline.consent.schemas import AgreementInput, ConsentInput
from helpline.keys import KeyService
from helpline.models.cases import (
    AssessmentState,
    Case,
    CaseState,
    ConsentState,
    IdType,
    Milieu,
    PersonRole,
    ReferralSource,
    RelationKind,
    ThreatAssessment,
    ThreatLevel,
)
from helpline.models.protection import LocationKind, MeasureLevel, MeasureState
from helpline.models.users import User
from helpline.persons import service as persons_service
from helpline.persons.schemas import PersonInput, RelationInput
from helpline.protection import measures, vault
from helpline.protection.schemas import EntryInput, MeasureInput


def _intake(**overrides: object) -> IntakeInput:
    values: dict[str, object] = dict(
        held_at=clock.now() - timedelta(days=2), motivation=Motivation.HIGH,
        suitability=Suitability.SUITABLE, participants=["Personskydd", "Socialtjänsten"],
        information_given=list(InformationGiven), definition_met=True, threat_documented=True,
        is_adult=True, is_witness=False, milieu=Milieu.CRIMINAL_NETWORK,
        referral_source=ReferralSource.HELPLINE,
        notes="Fiktiv demoanteckning: personen vill lämna nätverket.",
    )
    values.update(overrides)
    return IntakeInput(**values)  # type: ignore[arg-type]


def _person(role: PersonRole, given: str, family: str, *, number: str | None = None,
            birth_year: int | None = None, relation: RelationInput | None = None) -> PersonInput:
    return PersonInput(
        role=role, given_name=given, family_name=family,
        id_type=IdType.PERSONNUMMER if number else IdType.NONE, id_number=number,
        keep_id_number=False, birth_year=birth_year, interpreter_needed=False,
        interpreter_language="", notes="", relation=relation,
    )


async def create_demo_cases(
    db: AsyncSession, *, keys: KeyService, officer: User, supervisor: User,
    recipient_organisation_ids: list[str],
) -> int:
    """Three demo cases for ``officer``; returns how many were created now."""
    await rls.bind_organisation(db, officer.organisation_id)
    existing = await db.scalar(
        select(func.count()).select_from(Case).where(Case.responsible_officer_id == officer.id)
    )
    if existing:
        return 0
    deps = service.Deps(db, keys, AuditContext(actor=officer))
    await _assessment_case(deps, recipient_organisation_ids)
    await _active_case(deps, supervisor, recipient_organisation_ids)
    await service.open_case_from_intake(deps, _intake(is_adult=False, notes=""))
    return 3


async def _with_defector(deps: service.Deps, given: str, family: str, number: str | None,
                         recipients: list[str]) -> Case:
    case = await service.open_case_from_intake(deps, _intake())
    defector = await persons_service.add_person(
        deps, case, _person(PersonRole.DEFECTOR, given, family, number=number, birth_year=1991)
    )
    await persons_service.add_person(deps, case, _person(
        PersonRole.RELATIVE, "Demo", "Syster", birth_year=1994,
        relation=RelationInput(defector.id, RelationKind.SIBLING, lives_with=False),
    ))
    await consent_service.record_consent(deps, case, ConsentInput(
        person_id=defector.id, state=ConsentState.GIVEN, form="WRITTEN",
        recipients=tuple(recipients), categories=("IDENTITY", "THREAT_ASSESSMENT", "FAMILY"),
        purposes=("POLICE_REGISTER_CHECKS", "INFO_EXCHANGE_EXIT",
                  "HANDOVER_RECEIVING_MUNICIPALITY"),
        valid_from=clock.today(), valid_to=clock.today() + timedelta(days=365),
    ))
    await conditions_service.record_agreement(deps, case, AgreementInput(
        clock.today(), ("NO_CRIME", "NO_DRUGS", "MEETINGS", "NO_CONTACT_WITH_MILIEU")
    ))
    return case


async def _assessment_case(deps: service.Deps, recipients: list[str]) -> None:
    case = await _with_defector(deps, "Fiktiv", "Testperson", "19121212-1212", recipients)
    await notes.add_note(deps, case, body="Demo: hotbildsbedömning pågår.")
    # This person has applied for protected registration: the case is sensitive from now on.
    defector = await repository.defector_of(deps.db, case.id)
    assert defector is not None
    await measures.set_measure(deps, case, defector, MeasureInput(
        level=MeasureLevel.PROTECTED_REGISTRATION, state=MeasureState.APPLIED,
        applied_on=clock.today(), decided_on=None,
        review_on=clock.today() + timedelta(days=60), decision_reference="",
    ))


async def _active_case(deps: service.Deps, supervisor: User, recipients: list[str]) -> None:
    case = await _with_defector(deps, "Påhittad", "Demosson", None, recipients)
    # A reviewed assessment (author the officer, reviewer the supervisor) lets the case go active.
    deps.db.add(ThreatAssessment(
        case_id=case.id, organisation_id=case.organisation_id, version=1,
        state=AssessmentState.APPROVED, overall_level=ThreatLevel.MODERATE,
        author_id=deps.actor.id, reviewer_id=supervisor.id, submitted_at=clock.now(),
        approved_at=clock.now(), review_due_on=clock.today() + timedelta(days=90),
    ))
    await deps.db.flush()
    await service.transition(deps, case, to=CaseState.ACTIVE)
    # A made-up whereabouts in the vault, readable by the officer (its author) and the
    # supervisor, so the demo shows the vault (and the API's vault read has an entry to read).
    await vault.add_entry(deps, case, EntryInput(
        kind=LocationKind.WHEREABOUTS, person_id=None, address="",
        whereabouts="Påhittat skyddat boende (demo)", notes="", valid_from=clock.today(),
        valid_to=None, named_user_ids=(supervisor.id,),
    ))
