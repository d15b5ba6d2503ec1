"""In a real Chromium against the real server (uvicorn, as ``helpline serve`` runs it): a call
comes in through a signed Twilio webhook over real HTTP, and an officer completes it.

The server here has a Twilio auth token, unlike the shared e2e server, so it is started by
this module (the demo data map the demo helpline number); the browser fixtures are the shared
ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
import pytest

from tests.conftest import IN_CI, require

try:
    from playwright.sync_api import expect

    from tests.e2e.conftest import (  # noqa: F401 - fixtures used by name
        CHROMIUM,
        CHROMIUM_ARGS,
        context,
        page,
        problems,
    )
    from tests.e2e.test_sign_in_browser import sign_in
except ImportError:  # pragma: no cover - the browser fixture reports this (fails under CI)
    if IN_CI:
        raise
    pytest.skip("Playwright or the e2e fixtures are not available", allow_module_level=True)

from helpline.calls.telephony import DEMO_LINE
from tests.helpline.calls.conftest import TOKEN, sign
from tests.support.live_server import LiveServer, live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for this module only: sync Playwright keeps an event loop running in this
    thread while it is open, which would break every async test that runs after this module
    (the shared e2e fixture is session-scoped, meant for tests/e2e run on its own)."""
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


@pytest.fixture(scope="module")
def calls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("calls-e2e") / "data"
    data_dir.mkdir()
    with live_server(data_dir, HELPLINE_TWILIO_AUTH_TOKEN=TOKEN) as server:
        yield server


def _incoming_call(server: LiveServer, query: str = "") -> None:
    """What Twilio sends when the helpline rings, over real HTTP to uvicorn."""
    path = "/twilio/voice" + query
    params = {
        "AccountSid": "AC" + "0" * 32, "CallSid": "CA" + uuid.uuid4().hex,
        "From": "+46701740611", "To": DEMO_LINE, "CallStatus": "ringing",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": sign(server.url(path), params),
    }
    response = httpx.post(server.url(path), content=urlencode(params), headers=headers)
    assert response.status_code == 200 and "112" in response.text, server.log_tail()


def test_an_officer_completes_a_call_that_came_in_on_the_helpline(
    calls_server: LiveServer, page: Page, problems
) -> None:
    # The query has the awkward characters of the signature matrix: uvicorn's raw path and
    # query must reach the signature check exactly as sent.
    _incoming_call(calls_server, "?src=it's+a%20test@x:1")
    sign_in(page, calls_server, "officer@polis.example")
    page.get_by_role("link", name="Samtal", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Samtal")
    expect(page.locator("#calls")).to_contain_text("Att komplettera")
    page.get_by_role("link", name="Öppna samtal").first.click()
    expect(page.locator("#earlier-count")).to_have_text("Inga tidigare samtal.")

    page.get_by_label("Vem ringde").select_option("RELATIVE")
    page.get_by_label("Hur samtalet kom in").select_option("HELPLINE")
    page.get_by_label("Samtalets språk").fill("svenska")
    page.get_by_label("Rådet att ringa 112 vid akut fara har getts").check()
    page.get_by_label("Utfall").select_option("MEETING_BOOKED")
    page.get_by_label("Kort sammanfattning").fill("Anhörig vill veta hur avhopp går till.")
    page.get_by_role("button", name="Spara").click()

    expect(page.get_by_role("status")).to_have_text("Samtalet har sparats.")
    row = page.locator("#calls tbody tr").first
    expect(row).to_contain_text("Möte bokat")
    expect(row).to_contain_text("Anhörig")
    expect(page.locator("#calls")).not_to_contain_text("+46701740611")
    assert problems.unexpected() == [], problems.unexpected()
