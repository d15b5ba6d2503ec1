"""Protection levels: a person's effective level and the case's sensitivity (DOMAIN.md §4).

A person's effective level is the highest level among their measures in state GRANTED or
APPLIED (an application already triggers the stricter behaviour: fail safe). PLANNED, REFUSED,
ENDED and NOT_APPLICABLE do not count. A case's sensitivity is the highest effective level among
its persons. Other domains import ``ProtectionLevel``, ``case_sensitivity``, ``person_levels``
and, for what a case's shared views (person lists) show per person, ``household_levels``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.models.cases import PersonRelation
from helpline.models.protection import MeasureLevel, MeasureState, ProtectedDataMeasure


class ProtectionLevel(enum.IntEnum):
    """Ordered: compare with ``<``/``>=``, combine with ``max``."""

    NONE = 0
    CONFIDENTIALITY_MARKING = 1
    PROTECTED_REGISTRATION = 2
    FICTITIOUS_IDENTITY = 3

    @classmethod
    def of(cls, level: MeasureLevel | str) -> ProtectionLevel:
        return cls[str(level)]

    @property
    def sensitive(self) -> bool:
        """Any level above NONE: pseudonyms only wherever many cases are shown."""
        return self > ProtectionLevel.NONE


COUNTING_STATES: frozenset[MeasureState] = frozenset({MeasureState.GRANTED, MeasureState.APPLIED})


def effective_level(
    measures: Iterable[tuple[MeasureLevel | str, MeasureState | str]],
) -> ProtectionLevel:
    """The highest level among (level, state) pairs whose state counts."""
    counted = [
        ProtectionLevel.of(level)
        for level, state in measures
        if MeasureState(state) in COUNTING_STATES
    ]
    return max(counted, default=ProtectionLevel.NONE)


async def person_levels(db: AsyncSession, case_id: str) -> dict[str, ProtectionLevel]:
    """person_id → effective level, for the persons of ``case_id`` that have a counting measure.

    Persons without one are absent: use ``.get(person_id, ProtectionLevel.NONE)``.
    """
    rows = await db.execute(
        select(ProtectedDataMeasure.person_id, ProtectedDataMeasure.level).where(
            ProtectedDataMeasure.case_id == case_id,
            ProtectedDataMeasure.state.in_(COUNTING_STATES),
        )
    )
    levels: dict[str, ProtectionLevel] = {}
    for person_id, level in rows:
        levels[person_id] = max(
            levels.get(person_id, ProtectionLevel.NONE), ProtectionLevel.of(level)
        )
    return levels


async def household_levels(db: AsyncSession, case_id: str) -> dict[str, ProtectionLevel]:
    """person_id → the level that decides what the case's person lists show of that person.

    Protected registration "can cover family members living with the person" (DOMAIN.md §4):
    a household member's name, birth year or identity number leads to the protected person
    (and the shared address), so whoever lives with a person with a protection level is
    treated as at least that level. A ``lives_with`` relation counts in either direction,
    and households are followed transitively (who lives with a household member lives in the
    same home: fail safe). Only these lists use it; the person's own (audited) page and the
    case's sensitivity are unchanged: a household takes its level from one of the persons in
    it, so ``case_sensitivity`` and ``case_sensitivities`` already give the same answer.
    Persons without a level are absent: use ``.get(person_id, ProtectionLevel.NONE)``.
    """
    levels = await person_levels(db, case_id)
    rows = await db.execute(
        select(PersonRelation.person_id, PersonRelation.related_person_id).where(
            PersonRelation.case_id == case_id,
            PersonRelation.lives_with.is_(True),
        )
    )
    housemates: dict[str, set[str]] = {}
    for one, other in rows:
        housemates.setdefault(one, set()).add(other)
        housemates.setdefault(other, set()).add(one)
    effective = dict(levels)
    seen: set[str] = set()
    for start in housemates:
        if start in seen:
            continue
        household: set[str] = set()
        stack = [start]
        while stack:
            member = stack.pop()
            if member not in household:
                household.add(member)
                stack.extend(housemates.get(member, ()))
        seen |= household
        level = max((levels.get(m, ProtectionLevel.NONE) for m in household),
                    default=ProtectionLevel.NONE)
        if level.sensitive:
            effective.update(dict.fromkeys(household, level))
    return effective


async def case_sensitivity(db: AsyncSession, case_id: str) -> ProtectionLevel:
    """The case's sensitivity: the highest effective level among its persons."""
    return max((await person_levels(db, case_id)).values(), default=ProtectionLevel.NONE)


async def case_sensitivities(
    db: AsyncSession, case_ids: Iterable[str]
) -> dict[str, ProtectionLevel]:
    """case_id → sensitivity for many cases in one query (for lists); absent cases are NONE."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    rows = await db.execute(
        select(ProtectedDataMeasure.case_id, ProtectedDataMeasure.level).where(
            ProtectedDataMeasure.case_id.in_(ids),
            ProtectedDataMeasure.state.in_(COUNTING_STATES),
        )
    )
    levels: dict[str, ProtectionLevel] = {}
    for case_id, level in rows:
        levels[case_id] = max(levels.get(case_id, ProtectionLevel.NONE), ProtectionLevel.of(level))
    return levels
