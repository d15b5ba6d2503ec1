"""In a real Chromium against the real server (uvicorn, as ``helpline serve`` runs it): a call
comes in through a signed Twilio webhook over real HTTP, and an officer completes it.

The server here has a Twilio auth token and the demo helpline number mapped, unlike the shared
e2e server, so it is started by this module; the browser fixtures are the shared ones.
"""

from __future__ import annotations

import subprocess
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
        COMMAND_TIMEOUT,
        REPO_ROOT,
        LiveServer,
        _free_port,
        _helpline_command,
        _server_environ,
        _stop,
        _wait_until_healthy,
        context,
        page,
        problems,
    )
    from tests.e2e.test_sign_in_browser import sign_in
except ImportError:  # pragma: no cover - the browser fixture reports this (fails under CI)
    if IN_CI:
        raise
    pytest.skip("Playwright or the e2e fixtures are not available", allow_module_level=True)

from tests.helpline.calls.conftest import TOKEN, sign

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

DEMO_LINE = "+46701740605"
MAP_DEMO_LINE = """
import asyncio
from helpline.app import create_app
from helpline.accounts.service import organisation_by_name
from helpline.calls.telephony import ensure_demo_line
from helpline.db import session_factory
from helpline.demo import POLICE

async def main():
    app = create_app()
    async with session_factory(app.state.engine)() as db, db.begin():
        await ensure_demo_line(db, await organisation_by_name(db, POLICE))
    await app.state.engine.dispose()

asyncio.run(main())
"""


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
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**_server_environ(data_dir, base_url), "HELPLINE_TWILIO_AUTH_TOKEN": TOKEN}
    for command in (
        [*_helpline_command(), "migrate"],
        [*_helpline_command(), "demo"],
        [env.get("PYTHON", _helpline_command()[0]), "-c", MAP_DEMO_LINE],
    ):
        result = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if result.returncode != 0:
            pytest.fail(f"{command[-1]} failed:\n{result.stdout}\n{result.stderr}")
    log_path = data_dir.parent / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_helpline_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url=base_url, env=env, log_path=log_path, process=process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)


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
