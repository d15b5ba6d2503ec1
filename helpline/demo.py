"""Idempotent demo data for a newcomer's first ``make run``. Refused in production."""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline import clock, rls
from helpline.accounts import service as accounts
from helpline.audit import AuditContext
from helpline.auth import repository
from helpline.auth import service as auth_service
from helpline.calls.telephony import ensure_demo_line
from helpline.demo_cases import create_demo_cases
from helpline.keys import KeyService, user_scope
from helpline.models.cases import Case, CaseState
from helpline.models.org import Organisation, OrganisationType
from helpline.models.users import Role
from helpline.threats.demo import create_demo_assessments

DEMO_PASSWORD = "Demo-losenord-2026"  # noqa: S105 - demo only, refused in production

POLICE = "Personskydd Stockholm"
BOTKYRKA = "Socialförvaltningen, Botkyrka"
SODERTALJE = "Socialförvaltningen, Södertälje"

ORGANISATIONS = (
    (POLICE, OrganisationType.POLICE, None),
    (BOTKYRKA, OrganisationType.MUNICIPAL_SOCIAL_SERVICES, "0127"),
    (SODERTALJE, OrganisationType.MUNICIPAL_SOCIAL_SERVICES, "0181"),
)


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    organisation: str


USERS = (
    DemoUser("officer@polis.example", "Olle Officer", Role.POLICE_CASE_OFFICER, POLICE),
    DemoUser("supervisor@polis.example", "Siv Supervisor", Role.SUPERVISOR, POLICE),
    DemoUser("auditor@polis.example", "Alva Auditor", Role.AUDITOR, POLICE),
    DemoUser("admin@polis.example", "Adam Admin", Role.SYSTEM_ADMIN, POLICE),
    DemoUser(
        "handlaggare@botkyrka.example", "Bo Handläggare", Role.MUNICIPAL_CASE_WORKER, BOTKYRKA
    ),
    DemoUser(
        "handlaggare@sodertalje.example", "Sara Handläggare", Role.MUNICIPAL_CASE_WORKER, SODERTALJE
    ),
)


async def create_demo_data(db: AsyncSession, *, keys: KeyService) -> list[str]:
    """Create what is missing; returns the e-mail addresses of users created now."""
    context = AuditContext(actor=None, request_id=None)
    organisations: dict[str, Organisation] = {}
    for name, type_, code in ORGANISATIONS:
        existing = await accounts.organisation_by_name(db, name)
        organisations[name] = existing or await accounts.create_organisation(
            db, context=context, name=name, type=type_, kommunkod=code
        )
    created = []
    for demo in USERS:
        await rls.bind_organisation(db, organisations[demo.organisation].id)
        if await repository.user_by_email(db, demo.email) is not None:
            continue
        user = await accounts.create_user(
            db,
            context=context,
            organisation=organisations[demo.organisation],
            email=demo.email,
            display_name=demo.name,
            role=demo.role,
            password=DEMO_PASSWORD,
        )
        # Demo users come enrolled so a newcomer can sign in with `helpline demo-code`.
        await accounts.set_totp_secret(
            db, keys=keys, user=user, secret=pyotp.random_base32(length=32), enrolled=True
        )
        created.append(demo.email)
    await _demo_cases(db, keys, organisations)
    return created


async def _demo_cases(
    db: AsyncSession, keys: KeyService, organisations: dict[str, Organisation]
) -> None:
    # The demo officer and supervisor are the police's: the loop above left the transaction
    # bound (row-level security) to the last demo user's organisation, a municipality.
    await rls.bind_organisation(db, organisations[POLICE].id)
    officer = await repository.user_by_email(db, "officer@polis.example")
    supervisor = await repository.user_by_email(db, "supervisor@polis.example")
    assert officer is not None and supervisor is not None
    recipients = [organisations[BOTKYRKA].id, organisations[SODERTALJE].id]
    await create_demo_cases(
        db, keys=keys, officer=officer, supervisor=supervisor,
        recipient_organisation_ids=recipients,
    )
    case_ids = (
        await db.execute(
            select(Case.id).where(
                Case.responsible_officer_id == officer.id,
                Case.state.in_([CaseState.ASSESSMENT, CaseState.ACTIVE]),
            )
        )
    ).scalars().all()
    await create_demo_assessments(db, keys=keys, case_ids=case_ids)
    await ensure_demo_line(db, organisations[POLICE])


async def current_code(db: AsyncSession, *, keys: KeyService, email: str) -> str:
    """The TOTP code a demo user's authenticator would show now."""
    if email not in {demo.email for demo in USERS}:
        raise LookupError("only demo users")
    await rls.allow_identity_lookup(db)  # the account, in whichever organisation
    user = await repository.user_by_email(db, email)
    if user is None or user.totp_secret is None:
        raise LookupError("no such demo user; run `helpline demo` first")
    await rls.bind_organisation(db, user.organisation_id)
    secret = await keys.decrypt(
        db,
        scope=user_scope(user.id),
        binding=auth_service.totp_binding(user),
        blob=user.totp_secret,
    )
    return pyotp.TOTP(str(secret)).at(clock.now())  # the time sign-in checks it against
