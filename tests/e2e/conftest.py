"""Real-browser fixtures: the real app as a subprocess, and headless Chromium through Playwright.

The server is started exactly as an operator would start it (``helpline migrate``, ``helpline
demo``, ``helpline serve``) in a throwaway data directory with a fresh SQLite database, on a free
port of 127.0.0.1. Everything here is synchronous: Playwright's sync API refuses to run inside a
running event loop, and pytest-asyncio (auto mode) only runs a loop for ``async def`` tests.

The browser and the server are *package*-scoped, never session-scoped: while sync Playwright is
alive it leaves its own event loop marked as running in the main thread between calls, so every
``async def`` test collected after this package would fail with "Runner.run() cannot be called
from a running event loop". Package scope stops Playwright as soon as pytest leaves tests/e2e.

Chromium accepts the app's ``__Host-`` cookies (``Secure``) over plain ``http://127.0.0.1``: it
treats loopback origins as potentially trustworthy, so no TLS is needed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import require
from tests.support.live_server import LiveServer
from tests.support.live_server import live_server as start_live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PAGE_TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on http://127.0.0.1:<free port>, with migrated schema and demo users."""
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    data_dir.mkdir()
    with start_live_server(data_dir) as server:
        yield server


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the e2e tests (the system's, not a downloaded one)."""
    require(CHROMIUM.exists(), "Chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "The playwright package")
        raise  # unreachable: require() skips or fails
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageProblems:
    """Console errors and warnings, uncaught page errors and CSP violations seen by one page."""

    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def unexpected(self) -> list[str]:
        # The app has no favicon, so Chromium's automatic /favicon.ico request is a 404; that is
        # a missing resource, not a script error, and is the only console error tolerated.
        console = [m for m in self.console if "/favicon.ico" not in m]
        return console + [f"page error: {e}" for e in self.page_errors]


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile per test: no cookies or storage carried between tests."""
    ctx = browser.new_context(locale="sv-SE")
    ctx.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(context: BrowserContext, problems: PageProblems) -> Page:
    new_page = context.new_page()

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            location = message.location.get("url", "")
            problems.console.append(f"{message.type}: {message.text} ({location})")

    new_page.on("console", on_console)
    new_page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    return new_page
