"""A supervisor approves a relocation plan in a real Chromium, re-authentication included.

The officer's side (case, plan, step, submission) is set up through the running server's own
JSON API with a token made by ``helpline token create``; the supervisor's side is the browser.
To reach the re-authentication step, the supervisor's session is made older than the
re-authentication window (5 minutes) directly in the server's database: the same state as a
supervisor who signed in a while ago.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
import urllib.request
from typing import TYPE_CHECKING, Any

import pytest

from helpline import clock
from helpline.demo import DEMO_PASSWORD
from tests.conftest import IN_CI

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports this (fails under CI)
    if IN_CI:
        raise
    pytest.skip("The playwright package is not available", allow_module_level=True)

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser

OFFICER = "officer@polis.example"
SUPERVISOR = "supervisor@polis.example"
TARGET = "2584"  # Kiruna


def _api(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        server.url(path), method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def _submitted_plan(server: LiveServer) -> tuple[str, str]:
    out = server.run("token", "create", "--user", OFFICER, "--name", "e2e-relocation")
    token = re.search(r"token \(shown once\): (\S+)", out).group(1)  # type: ignore[union-attr]
    organisation = _api(server, token, "GET", "/api/v1/me")["organisation"]["id"]
    case = _api(server, token, "POST", "/api/v1/cases", {
        "held_at": "2026-01-10T10:00", "motivation": "HIGH", "suitability": "SUITABLE",
        "definition_met": "yes", "threat_documented": "yes", "is_adult": "yes",
        "is_witness": "no"})
    plans = f"/api/v1/cases/{case['id']}/relocation-plans"
    today = clock.today().isoformat()  # Swedish date, as the server's
    plan = _api(server, token, "POST", plans, {
        "from_municipality": "0180", "target_municipality": TARGET, "starts_on": today})
    _api(server, token, "POST", f"{plans}/{plan['id']}/steps", {
        "kind": "EMERGENCY_HOUSING", "responsible_organisation_id": organisation,
        "due_on": today})
    _api(server, token, "POST", f"{plans}/{plan['id']}/transitions", {"action": "submit"})
    return case["id"], plan["id"]


def _sign_in(page: Page, server: LiveServer, email: str) -> int:
    """Password and TOTP through the real forms; returns the TOTP step used."""
    page.goto(server.url("/login"))
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    step = int(time.time() // 30)
    page.get_by_label("Sexsiffrig kod").fill(server.demo_code(email))
    page.get_by_role("button", name="Logga in", exact=True).click()
    expect(page).to_have_url(server.url("/start"))
    return step


def _age_sessions(server: LiveServer, email: str) -> None:
    database = server.env["HELPLINE_DATABASE_URL"].split("///", 1)[1]
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE user_sessions SET authenticated_at = "
            "strftime('%Y-%m-%d %H:%M:%f', authenticated_at, '-10 minutes') "
            "WHERE user_id = (SELECT id FROM users WHERE email = ?)", (email,))


def test_a_supervisor_approves_a_relocation_plan_after_re_authenticating(
    live_server: LiveServer, page: Page, problems: PageProblems
) -> None:
    case_id, plan_id = _submitted_plan(live_server)
    plan_url = live_server.url(f"/cases/{case_id}/relocation/{plan_id}")

    step = _sign_in(page, live_server, SUPERVISOR)
    page.goto(live_server.url(f"/cases/{case_id}"))
    section = page.locator("#relocation")
    expect(section).to_contain_text("Inskickad för godkännande")
    expect(section).not_to_contain_text("Kiruna")  # the target stays off the case page
    section.get_by_role("link", name="Öppna planen").click()
    expect(page).to_have_url(plan_url)
    expect(page.locator("#plan-target")).to_contain_text("Kiruna")
    expect(page.locator("#plan-state")).to_have_text("Inskickad för godkännande")

    _age_sessions(live_server, SUPERVISOR)  # signed in longer ago than the window allows
    page.get_by_role("button", name="Godkänn planen").click()
    expect(page).to_have_url(live_server.url("/reauth"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bekräfta din identitet")
    while int(time.time() // 30) <= step:  # a TOTP code is accepted once per 30 s step
        time.sleep(0.5)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_label("Sexsiffrig kod").fill(live_server.demo_code(SUPERVISOR))
    page.get_by_role("button", name="Bekräfta").click()
    expect(page).to_have_url(live_server.url("/start"))

    page.goto(plan_url)
    page.get_by_role("button", name="Godkänn planen").click()
    expect(page).to_have_url(plan_url)
    expect(page.locator("#plan-state")).to_have_text("Godkänd")
    expect(page.locator("#plan-approver")).to_contain_text("Siv Supervisor")
    expect(page.get_by_role("button", name="Godkänn planen")).to_have_count(0)
    assert problems.unexpected() == [], problems.unexpected()
