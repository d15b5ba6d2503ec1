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

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STARTUP_TIMEOUT = 20.0  # seconds for /healthz to answer
COMMAND_TIMEOUT = 60.0  # seconds for one CLI command (migrate, demo, demo-code)
PAGE_TIMEOUT_MS = 10_000
TOTP_STEP_SECONDS = 30


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _helpline_command() -> list[str]:
    # The interpreter running pytest, so the server runs the same code and packages as the tests.
    return [sys.executable, "-m", "helpline.cli"]


def _server_environ(data_dir: Path, base_url: str) -> dict[str, str]:
    # Nothing HELPLINE_* leaks in from the developer's shell: the server sees only what we set.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HELPLINE_")}
    # The repository first on the path: an editable install made before a package gained its
    # __init__.py would otherwise import that package as an empty namespace package.
    environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    environ.update(
        HELPLINE_ENV="development",
        HELPLINE_DATA_DIR=str(data_dir),
        HELPLINE_DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'helpline_e2e_test.db'}",
        HELPLINE_PUBLIC_BASE_URL=base_url,
    )
    return environ


def _totp_step() -> int:
    return int(time.time() // TOTP_STEP_SECONDS)


@dataclass
class LiveServer:
    base_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    # The TOTP step of the last code handed out per e-mail (see demo_code).
    _code_steps: dict[str, int] = field(default_factory=dict, repr=False)

    def url(self, path: str) -> str:
        return self.base_url + path

    def run(self, *args: str) -> str:
        """Run a ``helpline`` CLI command against this server's database; returns its stdout."""
        result = subprocess.run(
            [*_helpline_command(), *args],
            cwd=REPO_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        assert result.returncode == 0, (
            f"helpline {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
        return result.stdout

    def demo_code(self, email: str) -> str:
        """The demo user's current TOTP code, never one of a step already handed out.

        The app accepts a code once per user and 30-second step (replay protection), and every
        module in tests/e2e shares this server. A second code for the same user within one step
        would be refused, so this waits (at most one step) for a fresh step instead.
        """
        while _totp_step() <= self._code_steps.get(email, -1):
            time.sleep(0.2)
        code = self.run("demo-code", email).strip()
        # The code belongs to a step between the call and now: remember the later, to be safe.
        self._code_steps[email] = _totp_step()
        assert code.isdigit() and len(code) == 6, code
        return code

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


def _wait_until_healthy(server: LiveServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"helpline serve exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"helpline serve did not answer /healthz within {STARTUP_TIMEOUT:.0f} s:\n"
        f"{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real app on http://127.0.0.1:<free port>, with migrated schema and demo users."""
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    data_dir.mkdir()
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = _server_environ(data_dir, base_url)
    log_path = data_dir.parent / "server.log"

    for args in (("migrate",), ("demo",)):
        result = subprocess.run(
            [*_helpline_command(), *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if result.returncode != 0:
            pytest.fail(f"helpline {args[0]} failed:\n{result.stdout}\n{result.stderr}")

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_helpline_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(base_url=base_url, env=env, log_path=log_path, process=process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)


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
