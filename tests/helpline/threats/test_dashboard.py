"""The supervisor dashboard against a seeded mix of assessments."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from helpline.models import AuditEvent, Person
from helpline.models.users import Role
from helpline.threats import views
from tests.conftest import login

# Review dates are Swedish dates, and these tests advance 24 hours at a time.
pytestmark = pytest.mark.usefixtures("swedish_midday")


async def _seed(cases, threats, clock):
    """Cases with a known mix; returns their ids by role in the mix."""
    ids = {}
    ids["high_overdue"] = await cases.open()
    await threats.approved(ids["high_overdue"], level="HIGH")
    clock.advance(days=40)  # the HIGH one is now 10 days overdue
    ids["low"] = await cases.open()
    await threats.approved(ids["low"], level="LOW")
    ids["acute"] = await cases.open()
    await threats.approved(ids["acute"], level="HIGH", acute=True)
    ids["moderate_soon"] = await cases.open()
    await threats.approved(ids["moderate_soon"], level="MODERATE")
    clock.advance(days=80)  # moderate due in 10 days; acute HIGH overdue by 50; LOW current
    ids["queued_old"] = await cases.open()
    await threats.submitted(ids["queued_old"], level="LOW")
    clock.advance(hours=1)
    ids["queued_new"] = await cases.open()
    await threats.submitted(ids["queued_new"], level="MODERATE")
    ids["none"] = await cases.open()
    for case_id in ids.values():
        await cases.add_defector(case_id)
    return ids


async def test_the_dashboard_counts_and_lists_the_mix(cases, threats, clock):
    ids = await _seed(cases, threats, clock)
    board = await cases.act(cases.supervisor, ids["none"],
                            lambda deps, case: views.dashboard(deps))
    assert board.counts == {"LOW": 1, "MODERATE": 1, "HIGH": 2}
    assert [r.case_id for r in board.queue] == [ids["queued_old"], ids["queued_new"]]
    assert [r.case_id for r in board.overdue] == [ids["high_overdue"], ids["acute"]]
    assert [(r.case_id, r.days_left) for r in board.due_soon] == [(ids["moderate_soon"], 10)]
    assert [r.case_id for r in board.acute] == [ids["acute"]]
    assert {r.case_id for r in board.missing} == {ids["queued_old"], ids["queued_new"], ids["none"]}
    assert all(r.pseudonym == "Ek 1234" for r in board.queue)


async def test_the_page_shows_pseudonyms_a_chart_and_counts(client, cases, threats, clock, world):
    ids = await _seed(cases, threats, clock)
    async with world.sessions() as db, db.begin():  # a real name that must never show here
        person = (await db.execute(select(Person).where(Person.case_id == ids["acute"]))).scalar()
        person.pseudonym = "Lind 77"
    await login(client, cases.supervisor)
    before = await world.scalar(select(func.count()).select_from(AuditEvent))
    page = await client.get("/threats/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Lind 77" in html and "Ek 1234" in html
    assert re.search(r'<svg class="threat-chart" role="img"', html) and "<title" in html
    assert 'id="count-HIGH">2<' in html and 'id="count-OVERDUE">2<' in html
    assert 'id="count-MISSING">3<' in html
    assert "style=" not in html.split("<main")[1]  # CSP: no inline styles
    queue = html.split('id="review-queue"')[1].split("</table>")[0]
    assert queue.index(ids["queued_old"]) < queue.index(ids["queued_new"])
    after = await world.scalar(select(func.count()).select_from(AuditEvent))
    assert after - before == 1


async def test_the_dashboard_is_for_supervisors_only(client, cases):
    await login(client, cases.officer)
    assert (await client.get("/threats/dashboard")).status_code == 403
    start = await client.get("/start")
    assert "/threats/dashboard" not in start.text


async def test_other_organisations_cases_never_appear(client, cases, threats, world, clock):
    await _seed(cases, threats, clock)
    outsider = await world.user(await world.organisation(), Role.SUPERVISOR)
    await login(client, outsider)
    page = await client.get("/threats/dashboard")
    assert page.status_code == 200 and "AVH-" not in page.text
    assert 'id="count-HIGH">0<' in page.text


async def test_soon_due_respects_the_window(cases, threats, clock):
    case_id = await cases.open()
    await threats.approved(case_id, level="MODERATE")
    clock.advance(days=90 - 15)
    board = await cases.act(cases.supervisor, case_id, lambda deps, case: views.dashboard(deps))
    assert board.due_soon == []
    clock.advance(days=1)
    board = await cases.act(cases.supervisor, case_id, lambda deps, case: views.dashboard(deps))
    assert [r.days_left for r in board.due_soon] == [14]
