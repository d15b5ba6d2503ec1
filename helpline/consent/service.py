"""Consent (samtycke): versioned per person, recipients named, end date mandatory, revocation
immediate, minors consent through a guardian recorded on the same case (DOMAIN.md §8 rule 3).

A new version supersedes the person's GIVEN one, whatever the new version says: the person's
latest statement governs, so a refusal after a consent ends that consent too. Expiry is not
stored: a GIVEN consent whose ``valid_to`` is before today (Swedish date) is expired, and every
check (``helpline.cases.service.activation_facts`` included) compares dates at the time asked.

Revocation takes effect at once: state REVOKED in the same transaction, so the activation
guard sees it on the next query. Withdrawing pending handovers that rely on the consent comes
with the handover domain; until then the revocation's timeline and audit events are the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from helpline import clock
from helpline.cases.service import Deps, add_event, audit
from helpline.consent import repository
from helpline.consent.schemas import ConsentInput, RevocationInput
from helpline.db import new_id
from helpline.errors import InvalidInput, NotFound, RuleViolation
from helpline.models.cases import Case, Consent, ConsentState, Person, RelationKind
from helpline.persons import identity
from helpline.persons import repository as persons_repository
from helpline.persons.service import require_open, stored_id_number


@dataclass(frozen=True)
class ConsentView:
    id: str
    person_id: str
    person_pseudonym: str
    version: int
    state: str  # as stored: GIVEN / REFUSED / REVOKED / SUPERSEDED
    effective_state: str  # GIVEN turns EXPIRED after valid_to, NOT_YET_VALID before valid_from
    in_force: bool
    form: str
    recipients: list[tuple[str, str]]  # (organisation id, name)
    categories: list[str]
    purposes: list[str]
    valid_from: date
    valid_to: date
    guardian_pseudonym: str | None
    recorded_at: datetime
    revoked_at: datetime | None
    revocation_method: str | None


def effective_state(consent: Consent, today: date) -> str:
    if consent.state is not ConsentState.GIVEN:
        return consent.state.value
    if consent.valid_to < today:
        return "EXPIRED"
    if consent.valid_from > today:
        return "NOT_YET_VALID"
    return "GIVEN"


async def _views(deps: Deps, case: Case, consents: list[Consent]) -> list[ConsentView]:
    today = clock.today()
    names = {p.id: p.pseudonym for p in await persons_repository.persons_of_case(deps.db, case.id)}
    wanted = sorted({org for c in consents for org in c.recipient_organisation_ids})
    organisations = await repository.organisation_names(deps.db, wanted)
    return [
        ConsentView(
            id=c.id, person_id=c.person_id, person_pseudonym=names.get(c.person_id, ""),
            version=c.version, state=c.state.value, effective_state=effective_state(c, today),
            in_force=effective_state(c, today) == "GIVEN", form=c.form,
            recipients=[(o, organisations.get(o, "")) for o in c.recipient_organisation_ids],
            categories=list(c.categories), purposes=list(c.purposes),
            valid_from=c.valid_from, valid_to=c.valid_to,
            guardian_pseudonym=names.get(c.guardian_person_id or ""),
            recorded_at=c.recorded_at, revoked_at=c.revoked_at,
            revocation_method=c.revocation_method,
        )
        for c in consents
    ]


async def consent_summary(deps: Deps, case: Case) -> list[ConsentView]:
    """Every consent version of the case's persons, newest version first per person.

    Writes NO audit event: the case page writes one event for its whole read.
    """
    return await _views(deps, case, list(await repository.consents_of_case(deps.db, case.id)))


async def find_consent(deps: Deps, case: Case, consent_id: str) -> Consent:
    consent = await repository.consent_on_case(deps.db, case.id, consent_id)
    if consent is None:
        raise NotFound()
    return consent


async def readable_consent(deps: Deps, consent_id: str) -> tuple[Consent, Case]:
    found = await repository.readable_consent(deps.db, deps.actor, consent_id)
    if found is None:
        raise NotFound()
    return found


async def consent_view(deps: Deps, case: Case, consent: Consent) -> ConsentView:
    return (await _views(deps, case, [consent]))[0]


async def audit_read(deps: Deps, case: Case, consent: Consent) -> None:
    await audit(
        deps, case, "consent.read",
        details={"person_id": consent.person_id, "consent_id": consent.id,
                 "version": consent.version},
    )


async def printable_consent(deps: Deps, case: Case, person_id: str) -> ConsentView:
    """The person's latest consent version, for the form to be signed: one audit event."""
    person = await persons_repository.person_on_case(deps.db, case.id, person_id)
    consent = await repository.latest_of_person(deps.db, person.id) if person else None
    if consent is None:
        raise NotFound()
    await audit(
        deps, case, "consent.printed",
        details={"person_id": person_id, "consent_id": consent.id, "version": consent.version},
    )
    return await consent_view(deps, case, consent)


async def _is_minor(deps: Deps, case: Case, person: Person) -> bool | None:
    number = None
    if person.id_type in identity.SWEDISH_TYPES:
        number = await stored_id_number(deps, case, person)
    born = identity.birth_date(person.id_type, number)
    return identity.is_minor(person.birth_year, today=clock.today(), born=born)


async def _check_guardian(deps: Deps, case: Case, person: Person, data: ConsentInput) -> None:
    """A minor consents through a guardian: a person on the case with a GUARDIAN relation to
    them. Unknown age is not taken for adult. A refusal authorises nothing: no guardian check."""
    if data.state is not ConsentState.GIVEN:
        return
    minor = await _is_minor(deps, case, person)
    if minor is None:
        raise InvalidInput({"person_id": "age_unknown"})
    if data.guardian_person_id is None:
        if minor:
            raise InvalidInput({"guardian_person_id": "guardian_required"})
        return
    guardian = await persons_repository.person_on_case(deps.db, case.id, data.guardian_person_id)
    if guardian is None or guardian.id == person.id:
        raise InvalidInput({"guardian_person_id": "unknown_person"})
    if not await persons_repository.relation_exists(
        deps.db, person_id=guardian.id, related_person_id=person.id, kind=RelationKind.GUARDIAN
    ):
        raise InvalidInput({"guardian_person_id": "not_a_guardian"})


async def record_consent(deps: Deps, case: Case, data: ConsentInput) -> Consent:
    require_open(case)
    person = await persons_repository.person_on_case(deps.db, case.id, data.person_id)
    if person is None:
        raise InvalidInput({"person_id": "unknown_person"})
    known = await repository.organisation_names(deps.db, data.recipients)
    if set(known) != set(data.recipients):
        raise InvalidInput({"recipients": "unknown_organisation"})
    await _check_guardian(deps, case, person, data)
    await repository.lock_person(deps.db, person)
    previous = list(await repository.given_consents(deps.db, person.id))
    for earlier in previous:
        earlier.state = ConsentState.SUPERSEDED
    superseded = [earlier.id for earlier in previous]
    consent = Consent(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id, person_id=person.id,
        version=await repository.next_version(deps.db, person.id), state=data.state,
        form=data.form, recipient_organisation_ids=list(data.recipients),
        categories=list(data.categories), purposes=list(data.purposes),
        valid_from=data.valid_from, valid_to=data.valid_to,
        guardian_person_id=data.guardian_person_id, recorded_by_id=deps.actor.id,
        recorded_at=clock.now(),
    )
    deps.db.add(consent)
    await deps.db.flush()
    await add_event(deps, case, "CONSENT_RECORDED", reason_code=data.state.value)
    await audit(
        deps, case, "consent.recorded",
        details={"person_id": person.id, "consent_id": consent.id, "version": consent.version,
                 "state": data.state.value, "superseded": superseded,
                 "recipients": list(data.recipients), "purposes": list(data.purposes),
                 "categories": list(data.categories)},
    )
    return consent


async def revoke_consent(
    deps: Deps, case: Case, consent: Consent, data: RevocationInput
) -> None:
    """Immediate: REVOKED now, in this transaction. Allowed on a closed case too."""
    if consent.state is not ConsentState.GIVEN:
        raise RuleViolation("consent_not_revocable")
    consent.state = ConsentState.REVOKED
    consent.revoked_at = clock.now()
    consent.revoked_by_id = deps.actor.id
    consent.revocation_method = data.method
    await deps.db.flush()
    await add_event(
        deps, case, "CONSENT_REVOKED", reason_code=data.method, reason_text=data.note
    )
    await audit(
        deps, case, "consent.revoked",
        details={"person_id": consent.person_id, "consent_id": consent.id,
                 "version": consent.version, "method": data.method},
    )
