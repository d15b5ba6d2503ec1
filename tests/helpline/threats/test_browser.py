# ruff: noqa: F811 - pytest fixtures imported by name and then used as parameters
"""In a real Chromium against the real server: an officer submits, a supervisor returns it with
a comment, the officer resubmits, the supervisor approves. No console errors, no CSP violations.

The server is the e2e live server (``helpline migrate`` + ``helpline demo`` in a throwaway
directory); the case is opened through the intake form like a user would. Each user signs in
once (a TOTP code is accepted once per user and 30-second step), in their own browser profile.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.conftest import IN_CI, require
from tests.e2e.conftest import (  # noqa: F401 - fixtures, used by name
    CHROMIUM,
    CHROMIUM_ARGS,
    PAGE_TIMEOUT_MS,
    context,
    live_server,
    page,
    problems,
)

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports this (fails under CI)
    if IN_CI:
        raise
    pytest.skip("The playwright package is not available", allow_module_level=True)

from tests.e2e.test_sign_in_browser import sign_in

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

    from tests.e2e.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for this module only: sync Playwright keeps an event loop running in this
    thread, which would break the async tests that run after this module in the same session."""
    require(CHROMIUM.exists(), "Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()

OFFICER = "officer@polis.example"
SUPERVISOR = "supervisor@polis.example"


def _open_case(page: Page, server: LiveServer) -> str:
    page.goto(server.url("/intake/new"))
    page.locator("#held_at").fill("2026-01-10T10:00")
    page.locator("#motivation").select_option("HIGH")
    page.locator("#suitability").select_option("SUITABLE")
    page.locator("input[name=is_adult][value=yes]").check()
    page.locator("input[name=is_witness][value=no]").check()
    page.locator("form[action='/intake'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cases/[0-9a-f-]{36}$"))
    return page.url


def _fill_and_submit(page: Page) -> None:
    for select in page.locator("select[name^='factors-'][name$='-rating']").all():
        select.select_option("J")
    page.locator("#overall_level").select_option("HIGH")
    page.locator("#factors-A2-comment").fill("Hot framfördes via ombud")
    page.get_by_role("button", name="Skicka för granskning").click()
    expect(page.locator("#threat-state")).to_have_text("Inskickad för granskning")


def test_submit_return_resubmit_approve(
    live_server: LiveServer, browser: Browser, page: Page, problems: PageProblems
) -> None:
    sign_in(page, live_server, OFFICER)
    case_url = _open_case(page, live_server)
    page.locator("section.threats").get_by_role("button", name="Påbörja hotbildsbedömning").click()
    expect(page).to_have_url(re.compile(r"/threats/1/edit$"))
    _fill_and_submit(page)
    version_url = page.url

    reviewer_context = browser.new_context(locale="sv-SE")
    reviewer_context.set_default_timeout(PAGE_TIMEOUT_MS)
    reviewer = reviewer_context.new_page()
    reviewer_errors: list[str] = []
    reviewer.on("console", lambda m: reviewer_errors.append(m.text) if m.type == "error"
                and "favicon" not in (m.location.get("url") or "") else None)
    try:
        sign_in(reviewer, live_server, SUPERVISOR)
        reviewer.goto(live_server.url("/threats/dashboard"))
        expect(reviewer.locator("svg.threat-chart")).to_be_visible()
        # The demo data has assessments waiting too: pick this case's one from the queue.
        version_path = version_url.removeprefix(live_server.base_url)
        reviewer.locator(f"#review-queue a[href='{version_path}']").click()
        expect(reviewer).to_have_url(version_url)
        reviewer.get_by_role("button", name="Skicka tillbaka för komplettering").click()
        # An empty comment: the browser's own required check stops it before the server.
        expect(reviewer.locator("#threat-state")).to_have_text("Inskickad för granskning")
        reviewer.locator("#return-comment").fill("Ange källan till hotet i A2.")
        reviewer.get_by_role("button", name="Skicka tillbaka för komplettering").click()
        expect(reviewer.locator("#threat-state")).to_have_text("Återsänd för komplettering")

        page.goto(version_url)
        expect(page.locator("#returned-comment")).to_contain_text("Ange källan till hotet i A2.")
        page.get_by_role("link", name="Redigera den här versionen").click()
        expect(page.locator("#returned-comment")).to_be_visible()
        page.locator("#sources").fill("Samtal med ombudet 2026-01-09")
        page.get_by_role("button", name="Skicka för granskning").click()
        expect(page.locator("#threat-state")).to_have_text("Inskickad för granskning")

        reviewer.reload()
        reviewer.get_by_role("button", name="Godkänn bedömningen").click()
        expect(reviewer.locator("#threat-state")).to_have_text("Godkänd")
        reviewer.goto(case_url)
        expect(reviewer.locator("#threat-status")).to_contain_text("Gällande godkänd bedömning")
        assert reviewer_errors == []
    finally:
        reviewer_context.close()
    assert problems.csp_violations() == []
    assert problems.unexpected() == []
