"""Level propagation: a person's effective level is the highest GRANTED or APPLIED measure; the
case's sensitivity is the highest among its persons. PLANNED, REFUSED, ENDED and NOT_APPLICABLE
never count. FICTITIOUS_IDENTITY stores no link between the identities."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect as sa_inspect

from helpline.models.protection import MeasureLevel, MeasureState, ProtectedDataMeasure
from helpline.protection import levels
from helpline.protection.levels import ProtectionLevel
from tests.helpline.persons.helpers import add_person

from .helpers import office, set_measure

L, S = MeasureLevel, MeasureState


def test_levels_are_ordered():
    assert (
        ProtectionLevel.NONE
        < ProtectionLevel.CONFIDENTIALITY_MARKING
        < ProtectionLevel.PROTECTED_REGISTRATION
        < ProtectionLevel.FICTITIOUS_IDENTITY
    )
    assert not ProtectionLevel.NONE.sensitive and ProtectionLevel.CONFIDENTIALITY_MARKING.sensitive


@pytest.mark.parametrize(
    ("state", "counts"),
    [(S.APPLIED, True), (S.GRANTED, True), (S.REFUSED, False), (S.ENDED, False),
     (S.PLANNED, False), (S.NOT_APPLICABLE, False)],
)
def test_only_applied_and_granted_count(state, counts):
    level = levels.effective_level([(L.PROTECTED_REGISTRATION, state)])
    assert level == (ProtectionLevel.PROTECTED_REGISTRATION if counts else ProtectionLevel.NONE)


def test_the_highest_counting_level_wins():
    measures = [
        (L.CONFIDENTIALITY_MARKING, S.GRANTED),
        (L.FICTITIOUS_IDENTITY, S.REFUSED),
        (L.PROTECTED_REGISTRATION, S.APPLIED),
    ]
    assert levels.effective_level(measures) is ProtectionLevel.PROTECTED_REGISTRATION


def test_a_measure_has_no_column_that_could_hold_a_new_identity():
    columns = {c.key for c in sa_inspect(ProtectedDataMeasure).columns}
    assert columns == {
        "id", "case_id", "organisation_id", "person_id", "level", "state", "applied_on",
        "decided_on", "review_on", "decision_reference_enc", "created_by_id", "created_at",
        "updated_by_id", "updated_at", "version",
    }
    forbidden = ("name", "identity", "new_", "alias", "fictitious", "personnummer", "note")
    assert not [c for c in columns for word in forbidden if word in c and c != "id"]


async def test_applied_counts_and_refused_does_not_for_the_case(world):
    o = await office(world)
    relative = await add_person(world, o.officer.id, o.case_id, role="RELATIVE")
    async with world.sessions() as db:
        assert await levels.case_sensitivity(db, o.case_id) is ProtectionLevel.NONE

    await set_measure(world, o.officer.id, o.case_id, relative, L.FICTITIOUS_IDENTITY, S.REFUSED)
    await set_measure(world, o.officer.id, o.case_id, o.person_id, L.PROTECTED_REGISTRATION,
                      S.APPLIED)
    async with world.sessions() as db:
        level = await levels.case_sensitivity(db, o.case_id)
        assert level is ProtectionLevel.PROTECTED_REGISTRATION
        assert await levels.person_levels(db, o.case_id) == {
            o.person_id: ProtectionLevel.PROTECTED_REGISTRATION
        }
        assert await levels.case_sensitivities(db, [o.case_id]) == {
            o.case_id: ProtectionLevel.PROTECTED_REGISTRATION
        }

    # Refused after the application: nothing counts any more.
    await set_measure(world, o.officer.id, o.case_id, o.person_id, L.PROTECTED_REGISTRATION,
                      S.REFUSED)
    async with world.sessions() as db:
        assert await levels.case_sensitivity(db, o.case_id) is ProtectionLevel.NONE

    await set_measure(world, o.officer.id, o.case_id, relative, L.CONFIDENTIALITY_MARKING,
                      S.GRANTED)
    async with world.sessions() as db:
        assert await levels.case_sensitivity(db, o.case_id) is (
            ProtectionLevel.CONFIDENTIALITY_MARKING
        )
