"""Need to know: who reads which case; another organisation's case is a 404 on every route."""

from __future__ import annotations

import re

import pytest

from helpline.cases import service
from helpline.models.users import Role
from helpline.routes import ROUTES
from tests.conftest import login

CASE_ROUTES = sorted(
    {(method, route.path) for route in ROUTES if "{case_id}" in getattr(route, "path", "")
     for method in route.methods - {"HEAD"}}
)


async def _get(client, case_id):
    return await client.get(f"/cases/{case_id}")


async def test_the_responsible_officer_and_supervisors_read_the_case(client, cases):
    case_id = await cases.open()
    await login(client, cases.officer)
    assert (await _get(client, case_id)).status_code == 200
    client.cookies.clear()
    await login(client, cases.supervisor)
    assert (await _get(client, case_id)).status_code == 200


async def test_a_colleague_outside_the_team_gets_404_until_added(client, cases):
    case_id = await cases.open()
    await login(client, cases.colleague)
    assert (await _get(client, case_id)).status_code == 404
    await cases.act(cases.officer, case_id,
                    lambda d, c: service.add_team_member(d, c, user_id=cases.colleague.id))
    assert (await _get(client, case_id)).status_code == 200


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSTEM_ADMIN])
async def test_auditors_and_administrators_never_read_case_content(client, cases, world, role):
    case_id = await cases.open()
    await login(client, await world.user(cases.org, role))
    assert (await _get(client, case_id)).status_code in (403, 404)


async def test_every_case_route_is_404_for_another_organisation(client, cases, world):
    from helpline import clock
    from helpline.auth import tokens
    from helpline.models import User

    case_id = await cases.open()
    other_org = await world.organisation()
    outsider = await world.user(other_org, Role.SUPERVISOR)
    await login(client, outsider)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', (await client.get("/start")).text)[1]
    async with world.sessions() as db, db.begin():
        secret, _ = await tokens.create_token(db, user=await db.get(User, outsider.id), actor=None,
                                              name="t", expires_days=1, now=clock.now())
    assert CASE_ROUTES, "the case routes were not found"
    for method, path in CASE_ROUTES:
        url = re.sub(r"\{case_id\}", case_id, path)
        url = re.sub(r"\{[a-z_]+\}", "00000000-0000-0000-0000-000000000000", url)
        if path.startswith("/api/"):
            response = await client.request(method, url, json={},
                                            headers={"Authorization": f"Bearer {secret}"})
        else:
            response = await client.request(method, url, data={"csrf_token": csrf})
        assert response.status_code == 404, (method, path, response.status_code)
    assert await cases.state(case_id) == "ASSESSMENT"
