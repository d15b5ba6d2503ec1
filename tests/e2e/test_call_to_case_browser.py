"""From a logged call to an intake to a case in ASSESSMENT with a person and a consent, in Chromium.

The officer logs a call that came another way, completes it, starts an intake from it, saves
the intake (a case in ASSESSMENT opens, linked to the call), adds the defector with a
personnummer, and records a written consent. Every step goes through the real pages.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

import pytest

from helpline import clock
from tests.conftest import IN_CI

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover
    if IN_CI:
        raise
    pytest.skip("The playwright package is not available", allow_module_level=True)

from tests.e2e.test_sign_in_browser import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser

CANARY_NAME = "Kanariefågel"


def _log_and_complete_call(page: Page, server: LiveServer) -> str:
    page.goto(server.url("/calls/new"))
    # Swedish wall time, as the form means it: the machine's own zone may be ahead of Sweden's,
    # and a time in the future is refused.
    now = clock.now().astimezone(clock.SWEDEN).strftime("%Y-%m-%dT%H:%M")
    page.fill("#received_at", now)
    page.select_option("#caller_type", "SELF")
    page.select_option("#channel", "SWITCHBOARD")
    page.select_option("#outcome", "CASE_OPENED")
    page.fill("#summary", "Vill lämna nätverket, bokat möte.")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page).to_have_url(re.compile(r"/calls/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def test_officer_goes_from_a_call_to_a_case_with_a_person_and_a_consent(
    live_server: LiveServer, page: Page, problems: PageProblems
) -> None:
    sign_in(page, live_server, "officer@polis.example")
    call_id = _log_and_complete_call(page, live_server)

    page.get_by_role("link", name="Starta en inledande intervju utifrån samtalet").click()
    expect(page).to_have_url(re.compile(rf"/intake/new\?call={call_id}$"))
    page.select_option("#motivation", "HIGH")
    page.select_option("#suitability", "SUITABLE")
    for field in ("definition_met", "threat_documented", "is_adult"):
        page.locator(f"input[name={field}][value=yes]").check()
    page.locator("input[name=is_witness][value=no]").check()
    page.get_by_role("button", name="Spara intervjun och öppna ärende").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    case_url = page.url
    expect(page.locator("#case-state")).to_have_text("Bedömning")
    expect(page.locator("ol.timeline")).to_contain_text("Samtal kopplat till ärendet")

    page.get_by_role("link", name="Lägg till en person").click()
    page.select_option("#role", "DEFECTOR")
    page.fill("#given_name", CANARY_NAME)
    page.fill("#family_name", "Testsson")
    page.select_option("#id_type", "PERSONNUMMER")
    page.fill("#id_number", "19121212-1212")
    page.get_by_role("button", name="Spara", exact=True).click()
    expect(page).to_have_url(case_url)
    expect(page.locator("td.person-name")).to_contain_text(CANARY_NAME)
    expect(page.locator("span.masked")).to_have_text("19121212-****")

    page.get_by_role("link", name="Registrera samtycke").click()
    page.select_option("#person_id", index=1)
    page.locator("input[name=state][value=GIVEN]").check()
    page.locator("input[name=form][value=WRITTEN]").check()
    page.locator("input[name=recipients]").first.check()
    page.locator("input[name=categories][value=IDENTITY]").check()
    for purpose in ("POLICE_REGISTER_CHECKS", "INFO_EXCHANGE_EXIT"):
        page.locator(f"input[name=purposes][value={purpose}]").check()
    today = clock.today()  # the server's Swedish date, whatever the machine's zone
    page.fill("#valid_from", today.isoformat())
    page.fill("#valid_to", (today + dt.timedelta(days=180)).isoformat())
    page.get_by_role("button", name="Spara samtycke").click()
    expect(page).to_have_url(case_url)
    expect(page.locator("#consent-heading + table")).to_contain_text("Lämnat")
    expect(page.locator("#case-state")).to_have_text("Bedömning")
    # Every timeline entry is in Swedish: no untranslated event code shows.
    expect(page.locator("ol.timeline")).to_contain_text("Samtycke registrerat")
    expect(page.locator("ol.timeline")).not_to_contain_text("event:")

    # The list shows the case by pseudonym only, never the name.
    page.goto(live_server.url("/cases"))
    expect(page.locator("table")).not_to_contain_text(CANARY_NAME)
    assert problems.unexpected() == [], problems.unexpected()
