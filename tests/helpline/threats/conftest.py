"""Helpers for threat-assessment tests: the case helpers plus assessments through the service."""

from __future__ import annotations

from typing import Any

import pytest

from helpline.models import ThreatAssessment
from helpline.threats import repository, service
from helpline.threats.catalogue import catalogue
from helpline.threats.schemas import parse_document
from tests.helpline.cases.conftest import Cases, cases  # noqa: F401 - the fixture, reused

CANARY = "Kanariefågel-hot 4417"


def document(*, level: str | None = "HIGH", acute: bool = False, rate: str | None = "J",
             justification: str = "", unrated: tuple[str, ...] = (), **extra: Any) -> dict:
    """A complete assessment document (every factor rated) unless told otherwise."""
    factors = {
        code: {"rating": None if code in unrated else rate, "timing": "CURRENT",
               "comment": f"{CANARY} {code}" if code == "A2" else ""}
        for code in catalogue().codes
    }
    return {
        "overall_level": level, "acute": acute, "factors": factors,
        "actors": [{"kind": "GROUP", "label": "Grupp Norr", "intent": "J", "capability": "J",
                    "description": "Har hotat tidigare"}],
        "scenarios": [{"what": "Uppsökande våld", "who": "Grupp Norr", "likelihood": "HIGH",
                       "imminence": "WEEKS", "severity": "LIFE_THREATENING"}],
        "measures": ["SAFETY_ADVICE", "RELOCATION"], "protection_need": "Skyddat boende",
        "sources": "Underrättelse 12", "level_justification": justification, **extra,
    }


class Threats:
    def __init__(self, cases: Cases) -> None:  # noqa: F811
        self.cases = cases

    async def _on_version(self, user, case_id: str, number: int, call):
        async def run(deps, case):
            assessment = await repository.version(deps.db, case_id, number)
            return await call(deps, case, assessment)

        return await self.cases.act(user, case_id, run)

    async def start(self, case_id: str, *, by=None, trigger: str = "INITIAL") -> int:
        async def run(deps, case):
            return (await service.start_assessment(deps, case, trigger=trigger)).version

        return await self.cases.act(by or self.cases.officer, case_id, run)

    async def save(self, case_id: str, number: int, *, by=None, **doc: Any) -> None:
        async def run(deps, case, assessment):
            data = parse_document(document(**doc), service.catalogue_of(assessment))
            await service.save_draft(deps, case, assessment, data)

        await self._on_version(by or self.cases.officer, case_id, number, run)

    async def submit(self, case_id: str, number: int, *, by=None) -> None:
        await self._on_version(by or self.cases.officer, case_id, number,
                               lambda d, c, a: service.submit(d, c, a))

    async def approve(self, case_id: str, number: int, *, by=None) -> None:
        await self._on_version(by or self.cases.supervisor, case_id, number,
                               lambda d, c, a: service.approve(d, c, a))

    async def return_(self, case_id: str, number: int, *, by=None, comment: str = "Komplettera A3"):
        await self._on_version(
            by or self.cases.supervisor, case_id, number,
            lambda d, c, a: service.return_for_revision(d, c, a, comment=comment))

    async def approved(self, case_id: str, *, trigger: str = "INITIAL", **doc: Any) -> int:
        """Start, fill, submit (officer) and approve (supervisor): the new version's number."""
        number = await self.start(case_id, trigger=trigger)
        await self.save(case_id, number, **doc)
        await self.submit(case_id, number)
        await self.approve(case_id, number)
        return number

    async def submitted(self, case_id: str, **doc: Any) -> int:
        number = await self.start(case_id)
        await self.save(case_id, number, **doc)
        await self.submit(case_id, number)
        return number

    async def get(self, case_id: str, number: int) -> ThreatAssessment:
        async with self.cases.world.sessions() as db:
            return await repository.version(db, case_id, number)


@pytest.fixture
async def threats(cases) -> Threats:  # noqa: F811
    return Threats(cases)
