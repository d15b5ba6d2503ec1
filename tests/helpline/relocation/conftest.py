"""Helpers for relocation, measures and action-plan tests: the case helpers plus API tokens."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from helpline import clock
from helpline.cases import service as case_service
from tests.helpline.cases.conftest import Cases, cases  # noqa: F401 - the fixture, reused
from tests.helpline.persons.helpers import token

TARGET = "2584"  # Kiruna: a canary that must never appear outside the plan's own read


def names_target(text: str) -> bool:
    """Whether the text names the target municipality's code as a value of its own: not
    merely four digits inside a random id, token or pseudonym (those made tests fail by chance)."""
    return re.search(rf"(?<![0-9A-Za-z_-]){TARGET}(?![0-9A-Za-z_-])", text) is not None


def day(offset: int = 0) -> str:
    return (clock.today() + timedelta(days=offset)).isoformat()


class Office:
    """A case of ``cases.officer`` with a defector, tokens, and a receiving municipality."""

    def __init__(self, cases: Cases, case_id: str, municipality, auth: dict) -> None:  # noqa: F811
        self.cases, self.case_id, self.municipality, self.auth = cases, case_id, municipality, auth

    def plans_url(self) -> str:
        return f"/api/v1/cases/{self.case_id}/relocation-plans"

    async def create_plan(self, client, **extra) -> str:
        body = {"from_municipality": "0180", "target_municipality": TARGET,
                "starts_on": day(0), **extra}
        response = await client.post(self.plans_url(), headers=self.auth, json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def add_step(self, client, plan_id: str, kind="EMERGENCY_HOUSING", due=3, **extra):
        body = {"kind": kind, "responsible_organisation_id": self.municipality.id,
                "due_on": day(due), **extra}
        response = await client.post(f"{self.plans_url()}/{plan_id}/steps", headers=self.auth,
                                     json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def move(self, client, plan_id: str, action: str, comment: str = "", auth=None):
        return await client.post(f"{self.plans_url()}/{plan_id}/transitions",
                                 headers=auth or self.auth,
                                 json={"action": action, "comment": comment})


@pytest.fixture
async def office(cases, world) -> Office:  # noqa: F811
    case_id = await cases.open()
    await cases.add_defector(case_id)
    # In assessment: protection may start once a supervisor has signed off (DOMAIN.md §7).
    await cases.act(cases.supervisor, case_id, lambda d, c: case_service.start_emergency_protection(
        d, c, reason_text="Akut hot mot avhopparen"))
    municipality = await world.organisation(kommunkod=TARGET)
    return Office(cases, case_id, municipality, await token(world, cases.officer.id))
