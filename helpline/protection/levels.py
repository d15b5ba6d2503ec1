"""Protection levels: a person's effective level and the case's sensitivity (DOMAIN.md §4).

A person's effective level is the highest level among their measures in state GRANTED or
APPLIED (an application already triggers the stricter behaviour: fail safe). PLANNED, REFUSED,
ENDED and NOT_APPLICABLE do not count. A case's sensitivity is the highest effective level among
its persons. Other domains import ``ProtectionLevel``, ``case_sensitivity`` and ``person_levels``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
