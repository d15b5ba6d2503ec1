"""Sign-in, sign-out, language and CSP in a real Chromium against the real server.

Each test that signs in uses a different demo user: a TOTP code is accepted once per user and
30-second step (replay protection). ``LiveServer.demo_code`` waits for a fresh step when a user's
code was already handed out in this one, but distinct users keep these tests from ever waiting.
Other modules share the server: the supervisor is signed in by test_relocation_browser.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from helpline.demo import DEMO_PASSWORD
from tests.conftest import IN_CI

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture reports this (fails under CI)
    if IN_CI:
        raise
    pytest.skip("The playwright package is not available", allow_module_level=True)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Response, Route

    from tests.e2e.conftest import LiveServer, PageProblems

pytestmark = pytest.mark.browser

SESSION_COOKIE = "__Host-helpline-session"
CSRF_COOKIE = "__Host-helpline-csrf"
LANGUAGE_COOKIE = "helpline-lang"

OFFICER = ("officer@polis.example", "Olle Officer")
AUDITOR = ("auditor@polis.example", "Alva Auditor")
ADMIN = ("admin@polis.example", "Adam Admin")

SCREENSHOT = "/tmp/e2e_start.png"


def _cookies(context: BrowserContext) -> dict[str, dict]:  # type: ignore[type-arg]
    return {cookie["name"]: dict(cookie) for cookie in context.cookies()}


def sign_in(page: Page, server: LiveServer, email: str, *, language: str = "sv") -> None:
    """Password, then the demo user's current TOTP code, through the real forms."""
    labels = {
        "sv": ("E-postadress", "Lösenord", "Fortsätt", "Sexsiffrig kod", "Logga in"),
        "en": ("E-mail address", "Password", "Continue", "Six-digit code", "Sign in"),
    }[language]
    email_label, password_label, continue_button, code_label, sign_in_button = labels
    page.goto(server.url("/login"))
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=continue_button).click()
    expect(page).to_have_url(server.url("/login/second-factor"))
    page.get_by_label(code_label).fill(server.demo_code(email))
    page.get_by_role("button", name=sign_in_button, exact=True).click()
    expect(page).to_have_url(server.url("/start"))


def test_officer_signs_in_and_out_in_swedish(
    live_server: LiveServer, context: BrowserContext, page: Page, problems: PageProblems
) -> None:
    email, name = OFFICER
    page.goto(live_server.url("/start"))
    expect(page).to_have_url(live_server.url("/login"))  # not signed in yet
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    # Chromium kept the Secure __Host- CSRF cookie although this is plain http://127.0.0.1.
    assert CSRF_COOKIE in _cookies(context)

    sign_in(page, live_server, email)

    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {name}")
    expect(page.locator("header .who")).to_contain_text(name)
    cookies = _cookies(context)
    assert SESSION_COOKIE in cookies, cookies.keys()
    session_cookie = cookies[SESSION_COOKIE]
    assert session_cookie["domain"] == "127.0.0.1"
    assert session_cookie["path"] == "/"
    assert session_cookie["secure"] is True
    assert session_cookie["httpOnly"] is True
    assert session_cookie["sameSite"] == "Strict"
    assert "helpline" not in page.evaluate("document.cookie")  # HttpOnly: invisible to scripts
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.locator("header").get_by_role("button", name="Logga ut").click()

    expect(page).to_have_url(live_server.url("/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    assert SESSION_COOKIE not in _cookies(context)
    page.goto(live_server.url("/start"))
    expect(page).to_have_url(live_server.url("/login"))

    # The old session token is dead on the server too, not merely deleted from the browser.
    context.add_cookies([session_cookie])  # type: ignore[list-item]
    page.goto(live_server.url("/start"))
    expect(page).to_have_url(live_server.url("/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")

    assert problems.csp_violations() == []
    assert problems.unexpected() == []


def test_switching_language_shows_english(
    live_server: LiveServer, context: BrowserContext, page: Page, problems: PageProblems
) -> None:
    page.goto(live_server.url("/login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(live_server.url("/login"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Continue")).to_be_visible()
    assert _cookies(context)[LANGUAGE_COOKIE]["value"] == "en"

    page.get_by_role("button", name="Svenska").click()

    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    assert problems.unexpected() == []


def test_signed_in_language_choice_is_kept_on_the_account(
    live_server: LiveServer, context: BrowserContext, page: Page, problems: PageProblems
) -> None:
    email, name = AUDITOR
    sign_in(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {name}")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(live_server.url("/start"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    # Without the language cookie the account's saved preference still chooses English.
    context.clear_cookies(name=LANGUAGE_COOKIE)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert problems.unexpected() == []


def test_every_page_of_a_sign_in_has_a_nonce_csp_and_runs_clean(
    live_server: LiveServer, page: Page, problems: PageProblems
) -> None:
    documents: list[Response] = []

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document":
            documents.append(response)

    page.on("response", on_response)
    email, name = ADMIN
    sign_in(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Välkommen, {name}")

    # Each form post answers 303 and the browser then loads the next page; all carry headers.
    seen = [
        (response.request.method, response.url.removeprefix(live_server.base_url), response.status)
        for response in documents
    ]
    assert seen == [
        ("GET", "/login", 200),
        ("POST", "/login", 303),
        ("GET", "/login/second-factor", 200),
        ("POST", "/login/second-factor", 303),
        ("GET", "/start", 200),
    ], seen
    nonces = set()
    for response in documents:
        csp = response.headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        nonces.add(directives["script-src"].split()[0])
        assert directives["default-src"] == "'none'"
        assert directives["script-src"].startswith("'nonce-"), csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert directives["frame-ancestors"] == "'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
    assert len(nonces) == len(documents)  # a fresh nonce per response
    assert problems.csp_violations() == []
    assert problems.unexpected() == []


# What a stored or reflected XSS would put into a page: markup parsed with the document.
INJECTED_MARKUP = (
    "<script>window.__xss = 'inline script';</script>"
    '<img src="/static/missing.png" onerror="window.__xss = \'event handler\'">'
)
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
    (event) => window.__violations.push(event.effectiveDirective));
"""


def _serve_login_with_injected_markup(page: Page, server: LiveServer) -> None:
    """The real /login response, headers untouched, with attacker markup spliced into <main>."""

    def handle(route: Route) -> None:
        response = route.fetch()
        body = response.text()
        assert "</main>" in body
        route.fulfill(response=response, body=body.replace("</main>", INJECTED_MARKUP + "</main>"))

    page.route(server.url("/login"), handle)
    page.add_init_script(RECORD_VIOLATIONS)  # DevTools-injected: not itself subject to the CSP
    page.goto(server.url("/login"))
    # The broken image's error event (and so its handler) arrives after the load.
    page.wait_for_function("() => document.querySelector('main img').complete")
    page.wait_for_timeout(200)


def test_csp_blocks_injected_inline_script_and_handlers(
    live_server: LiveServer, browser: Browser, page: Page, problems: PageProblems
) -> None:
    _serve_login_with_injected_markup(page, live_server)

    expect(page.get_by_role("heading", level=1)).to_have_text("Logga in")
    assert page.evaluate("typeof window.__xss") == "undefined"
    violations = page.evaluate("window.__violations")
    assert "script-src-elem" in violations, violations  # the inline <script>
    assert "script-src-attr" in violations, violations  # the onerror= handler
    assert len(problems.csp_violations()) >= 2, problems.console

    # Control: with the CSP bypassed the same markup does run, so the check above is not vacuous.
    unprotected = browser.new_context(bypass_csp=True)
    try:
        other = unprotected.new_page()
        _serve_login_with_injected_markup(other, live_server)
        assert other.evaluate("window.__xss") in ("inline script", "event handler")
    finally:
        unprotected.close()


def test_markup_reflected_into_the_login_form_stays_text(
    live_server: LiveServer, page: Page, problems: PageProblems
) -> None:
    payload = '"><script>window.__xss=1</script><img src=x onerror="window.__xss=2">'
    page.goto(live_server.url("/login"))
    page.get_by_label("E-postadress").fill(payload)
    page.get_by_label("Lösenord").fill("wrong password")
    with page.expect_response(live_server.url("/login")) as answer:
        page.get_by_role("button", name="Fortsätt").click()
    assert answer.value.status == 401

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("E-postadress")).to_have_value(payload)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main script, main img").count() == 0
    # Escaping alone stopped it: nothing even reached the CSP.
    assert problems.csp_violations() == []
