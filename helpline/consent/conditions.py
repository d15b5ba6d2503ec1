"""The conditions the person signs (no crime, no drugs, drug tests, meetings, no contact with the
milieu, follow safety advice) and breaches of them. A breach's description is encrypted under
the case's data key, bound to its row; a breach belongs to the latest signed agreement and must
name one of its conditions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from helpline import clock
from helpline.cases.service import Deps, add_event, audit, decrypt, encrypt
from helpline.consent import repository
from helpline.consent.schemas import AgreementInput, BreachInput
from helpline.db import new_id
from helpline.errors import InvalidInput, RuleViolation
from helpline.models.cases import Case, ConditionBreach, ConditionsAgreement
from helpline.persons.service import require_open

BREACHES = "condition_breaches"


@dataclass(frozen=True)
class BreachView:
    id: str
    occurred_on: date
    condition: str
    consequence: str
    description: str
    recorded_at: datetime


@dataclass(frozen=True)
class AgreementView:
    id: str
    signed_on: date
    conditions: list[str]
    recorded_at: datetime
    current: bool
    breaches: list[BreachView] = field(default_factory=list)


async def conditions_for_case(deps: Deps, case: Case) -> list[AgreementView]:
    """Signed agreements, newest first (the first is current), each with its breaches
    (descriptions decrypted). Writes NO audit event: the case page writes one for its read."""
    agreements = await repository.agreements_of_case(deps.db, case.id)
    breaches = await repository.breaches_of_case(deps.db, case.id)
    views = []
    for position, agreement in enumerate(agreements):
        mine = [b for b in breaches if b.agreement_id == agreement.id]
        views.append(
            AgreementView(
                id=agreement.id, signed_on=agreement.signed_on,
                conditions=list(agreement.conditions), recorded_at=agreement.recorded_at,
                current=position == 0, breaches=[await _breach_view(deps, case, b) for b in mine],
            )
        )
    return views


async def read_conditions(deps: Deps, case: Case) -> list[AgreementView]:
    """The conditions page's and API's read: one audit event."""
    views = await conditions_for_case(deps, case)
    await audit(deps, case, "conditions.read", fields=["conditions", "breaches.description"])
    return views


async def _breach_view(deps: Deps, case: Case, breach: ConditionBreach) -> BreachView:
    text, blob = "", breach.description_enc
    if blob is not None:
        text = str(await decrypt(deps, case, BREACHES, "description_enc", breach.id, blob))
    return BreachView(
        id=breach.id, occurred_on=breach.occurred_on, condition=breach.condition,
        consequence=breach.consequence, description=text, recorded_at=breach.recorded_at,
    )


async def record_agreement(deps: Deps, case: Case, data: AgreementInput) -> ConditionsAgreement:
    require_open(case)
    if data.signed_on > clock.today():
        raise InvalidInput({"signed_on": "in_future"})
    agreement = ConditionsAgreement(
        id=new_id(), case_id=case.id, organisation_id=case.organisation_id,
        signed_on=data.signed_on, conditions=list(data.conditions),
        recorded_by_id=deps.actor.id, recorded_at=clock.now(),
    )
    deps.db.add(agreement)
    await deps.db.flush()
    await add_event(deps, case, "CONDITIONS_SIGNED")
    await audit(
        deps, case, "conditions.recorded",
        details={"agreement_id": agreement.id, "conditions": list(data.conditions)},
    )
    return agreement


async def record_breach(deps: Deps, case: Case, data: BreachInput) -> ConditionBreach:
    require_open(case)
    agreements = await repository.agreements_of_case(deps.db, case.id)
    if not agreements:
        raise RuleViolation("no_conditions_agreement")
    current = agreements[0]
    if data.condition not in current.conditions:
        raise InvalidInput({"condition": "not_in_agreement"})
    if data.occurred_on < current.signed_on:
        raise InvalidInput({"occurred_on": "before_agreement"})
    if data.occurred_on > clock.today():
        raise InvalidInput({"occurred_on": "in_future"})
    breach = ConditionBreach(
        id=new_id(), agreement_id=current.id, case_id=case.id,
        organisation_id=case.organisation_id, occurred_on=data.occurred_on,
        condition=data.condition, consequence=data.consequence,
        recorded_by_id=deps.actor.id, recorded_at=clock.now(),
    )
    breach.description_enc = await encrypt(
        deps, case, BREACHES, "description_enc", breach.id, data.description
    )
    deps.db.add(breach)
    await deps.db.flush()
    await add_event(deps, case, "CONDITION_BREACH", reason_code=data.consequence)
    await audit(
        deps, case, "conditions.breach_recorded", fields=["description"],
        details={"breach_id": breach.id, "condition": data.condition,
                 "consequence": data.consequence},
    )
    return breach
