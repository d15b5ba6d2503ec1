"""Local sign-in: password plus mandatory TOTP, one generic failure, lockout, enrolment."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import func, select

from helpline.auth.service import LOCKOUT_THRESHOLD
from helpline.auth.sessions import COOKIE_NAME
from helpline.models import AuditEvent, User
from helpline.models.users import Role
from tests.conftest import code_for, csrf_from, login

GENERIC_ERROR = "E-postadressen eller lösenordet är fel"


async def _post_password(client, email, password):
    page = await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


async def test_password_and_totp_sign_in_reaches_the_swedish_shell(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    home = await client.get("/start")
    assert home.status_code == 200
    assert "Välkommen, Test Person" in home.text
    assert 'lang="sv"' in home.text


async def test_password_alone_gives_no_access(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    response = await _post_password(client, user.email, user.password)
    assert response.status_code == 303
    start = await client.get("/start")
    assert start.status_code == 303 and start.headers["location"].endswith("/login")


async def test_unknown_user_and_wrong_password_get_the_same_answer(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    unknown = await _post_password(client, "nobody@test.example", "whatever-password")
    wrong = await _post_password(client, user.email, "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 401
    assert GENERIC_ERROR in unknown.text and GENERIC_ERROR in wrong.text
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(unknown.text) == strip(wrong.text)


async def test_failed_sign_ins_are_audited_even_though_refused(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await _post_password(client, user.email, "wrong-password-123")
    count = await world.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "auth.login.failed", AuditEvent.object_id == user.id
        )
    )
    assert count == 1


async def test_account_locks_after_repeated_failures_even_for_the_right_password(
    client, world, clock
):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    for _ in range(LOCKOUT_THRESHOLD):
        assert (await _post_password(client, user.email, "wrong-password-123")).status_code == 401
    locked = await _post_password(client, user.email, user.password)
    assert locked.status_code == 401 and GENERIC_ERROR in locked.text
    clock.advance(minutes=16)
    assert (await _post_password(client, user.email, user.password)).status_code == 303


async def test_wrong_totp_codes_count_towards_lockout(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await _post_password(client, user.email, user.password)
    for _ in range(LOCKOUT_THRESHOLD):
        page = await client.get("/login/second-factor")
        response = await client.post(
            "/login/second-factor", data={"code": "000000", "csrf_token": csrf_from(page.text)}
        )
        assert response.status_code in (401, 303)
    locked_until = await world.scalar(select(User.locked_until).where(User.id == user.id))
    assert locked_until is not None


async def test_a_totp_code_is_accepted_only_once(client, world, app):
    import httpx

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as other:
        await _post_password(other, user.email, user.password)
        page = await other.get("/login/second-factor")
        replay = await other.post(
            "/login/second-factor",
            data={"code": code_for(user.totp_secret), "csrf_token": csrf_from(page.text)},
        )
    assert replay.status_code == 401


async def test_first_sign_in_enrols_totp_with_a_qr_code(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER, enrolled=False)
    await _post_password(client, user.email, user.password)
    page = await client.get("/login/second-factor")
    assert "<svg" in page.text and "otpauth://totp/" in page.text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    again = await client.get("/login/second-factor")
    assert secret in again.text  # the pending secret is stable across reloads
    response = await client.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).at(clock.now()), "csrf_token": csrf_from(again.text)},
    )
    assert response.status_code == 303
    enrolled = await world.scalar(select(User.totp_enrolled_at).where(User.id == user.id))
    assert enrolled is not None


async def test_totp_secret_is_stored_encrypted(client, world):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    stored = await world.scalar(select(User.totp_secret).where(User.id == user.id))
    assert stored and user.totp_secret.encode() not in stored


async def _reauth(client, password: str, code: str):  # type: ignore[no-untyped-def]
    page = await client.get("/reauth")
    return await client.post("/reauth", data={
        "password": password, "code": code, "csrf_token": csrf_from(page.text)})


async def test_failed_reauthentications_lock_the_account_and_end_the_session(client, world, clock):
    """Whoever holds a signed-in session (a stolen cookie, an unlocked screen) gets no more
    guesses at /reauth than at sign-in: the lockout counts there too, and ends the session."""
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    for _ in range(LOCKOUT_THRESHOLD - 1):
        assert (await _reauth(client, user.password, "000000")).status_code == 401
    ended = await _reauth(client, user.password, "000000")
    assert ended.status_code == 303 and ended.headers["location"].endswith("/login")
    assert ended.headers["set-cookie"].startswith(f"{COOKIE_NAME}=")  # deleted
    start = await client.get("/start")
    assert start.status_code == 303 and start.headers["location"].endswith("/login")
    assert await world.scalar(select(User.locked_until).where(User.id == user.id)) is not None
    locked = await world.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "auth.login.locked", AuditEvent.object_id == user.id))
    assert locked == 1
    # Locked: even the right password and code do not sign in again until the lock expires.
    assert (await _post_password(client, user.email, user.password)).status_code == 401
    clock.advance(minutes=16)
    await login(client, user)


async def test_a_session_whose_account_was_locked_elsewhere_cannot_reauthenticate(
    client, world, clock
):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    import httpx

    other_transport = client._transport  # someone else guessing the password at /login
    async with httpx.AsyncClient(transport=other_transport, base_url=str(client.base_url)) as other:
        for _ in range(LOCKOUT_THRESHOLD):
            await _post_password(other, user.email, "wrong-password-123")
    clock.advance(seconds=30)
    response = await _reauth(client, user.password, code_for(user.totp_secret))
    assert response.status_code == 303 and response.headers["location"].endswith("/login")
    assert (await client.get("/start")).status_code == 303


async def test_a_successful_reauthentication_clears_earlier_failures(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    for _ in range(LOCKOUT_THRESHOLD - 1):
        await _reauth(client, user.password, "000000")
    clock.advance(seconds=30)
    assert (await _reauth(client, user.password, code_for(user.totp_secret))).status_code == 303
    assert await world.scalar(select(User.failed_logins).where(User.id == user.id)) == 0
    assert (await _reauth(client, user.password, "000000")).status_code == 401  # not locked
    assert (await client.get("/start")).status_code == 200


async def test_wrong_passwords_sent_at_once_are_all_counted(client, world):
    """Guesses sent in parallel must not slip past the lockout: each one counts (on PostgreSQL
    the transactions run side by side, and a counter read before the others commit would lose
    their failures)."""
    import asyncio

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    page = await client.get("/login")
    token = csrf_from(page.text)

    async def guess(n: int) -> int:
        response = await client.post("/login", data={
            "email": user.email, "password": f"wrong-password-{n}", "csrf_token": token})
        return response.status_code

    assert set(await asyncio.gather(*(guess(n) for n in range(LOCKOUT_THRESHOLD)))) == {401}
    locked_until = await world.scalar(select(User.locked_until).where(User.id == user.id))
    assert locked_until is not None
    assert (await _post_password(client, user.email, user.password)).status_code == 401


async def test_one_totp_code_sent_at_once_from_three_sign_ins_is_accepted_once(world, app):
    """The replay check must hold for codes sent in parallel too: three sign-ins that all passed
    the password send the same code at the same moment, and only one may become a session (on
    PostgreSQL both transactions would otherwise read the same last step before either writes)."""
    import asyncio

    import httpx

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver")
        for _ in range(3)
    ]
    tokens = []
    for each in clients:
        assert (await _post_password(each, user.email, user.password)).status_code == 303
        tokens.append(csrf_from((await each.get("/login/second-factor")).text))
    code = code_for(user.totp_secret)

    async def send(each: httpx.AsyncClient, token: str) -> int:
        response = await each.post(
            "/login/second-factor", data={"code": code, "csrf_token": token}
        )
        return response.status_code

    try:
        statuses = await asyncio.gather(*(send(c, t) for c, t in zip(clients, tokens)))
    finally:
        for each in clients:
            await each.aclose()
    assert sorted(statuses) == [303, 401, 401]


async def test_a_code_of_digits_outside_ascii_is_refused_like_a_wrong_code(client, world):
    # str.isdigit() is true for '¹²³' and '١٢٣', and hmac.compare_digest raises TypeError on
    # anything but ASCII: such a code must be one more wrong code, not a server error.
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await _post_password(client, user.email, user.password)
    for code in ("¹²³⁴⁵⁶", "١٢٣٤٥٦", "１２３４５６"):
        page = await client.get("/login/second-factor")
        response = await client.post(
            "/login/second-factor", data={"code": code, "csrf_token": csrf_from(page.text)}
        )
        assert response.status_code == 401, code
    failures = await world.scalar(
        select(User.failed_logins).where(User.id == user.id)
    )
    assert failures == 3


async def _set_password(world, user, password: str) -> None:
    from sqlalchemy import update

    from helpline.auth.passwords import hash_password

    async with world.sessions() as db, db.begin():
        await db.execute(
            update(User).where(User.id == user.id).values(password_hash=hash_password(password))
        )


async def test_a_password_is_checked_exactly_as_typed_spaces_and_length_included(
    client, world, clock
):
    # It is hashed as given when set; the form used to strip it (and cut it at 1,024
    # characters) before the check, so such a password could never sign in.
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await _set_password(world, user, "  correct horse battery staple  ")
    stripped = await _post_password(client, user.email, "correct horse battery staple")
    assert stripped.status_code == 401
    assert (await _post_password(client, user.email, "  correct horse battery staple  ")
            ).status_code == 303
    await _set_password(world, user, "ö" * 1024)
    assert (await _post_password(client, user.email, "ö" * 1024)).status_code == 303
    assert (await _post_password(client, user.email, "ö" * 1025)).status_code == 401


def test_a_password_longer_than_the_limit_cannot_be_set():
    import pytest

    from helpline.auth.passwords import MAX_LENGTH, PasswordPolicyError, hash_password

    with pytest.raises(PasswordPolicyError):
        hash_password("x" * (MAX_LENGTH + 1))


async def test_a_successful_reauthentication_is_audited(client, world, clock):
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await login(client, user)
    clock.advance(seconds=30)
    assert (await _reauth(client, user.password, code_for(user.totp_secret))).status_code == 303
    events = await world.scalars(select(AuditEvent).where(
        AuditEvent.action == "auth.reauth.succeeded", AuditEvent.object_id == user.id))
    assert len(events) == 1 and events[0].actor_user_id == user.id


async def test_opening_the_enrolment_page_twice_at_once_shows_one_secret(client, world):
    import asyncio

    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER, enrolled=False)
    assert (await _post_password(client, user.email, user.password)).status_code == 303
    pages = await asyncio.gather(*(client.get("/login/second-factor") for _ in range(5)))
    assert [page.status_code for page in pages] == [200] * 5
    secrets = {re.search(r'id="totp-secret">([A-Z2-7]+)<', p.text).group(1) for p in pages}
    assert len(secrets) == 1


def _from(app, address: str):  # type: ignore[no-untyped-def]
    import httpx

    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="https://testserver")


async def test_an_address_with_many_failed_sign_ins_is_throttled_before_any_work(world, app):
    from helpline.auth.throttle import SignInThrottle

    app.state.signin_throttle = SignInThrottle(failures_per_minute=3)
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    async with _from(app, "10.0.0.7") as guesser, _from(app, "10.0.0.8") as colleague:
        for n in range(3):  # unknown accounts: never locked out, so only the throttle holds
            response = await _post_password(guesser, f"nobody{n}@test.example", "a-wrong-guess!")
            assert response.status_code == 401
        events = await world.scalar(select(func.count()).select_from(AuditEvent))
        throttled = await _post_password(guesser, user.email, user.password)
        assert throttled.status_code == 429
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        assert "För många misslyckade inloggningar" in throttled.text
        assert "Storgatan" not in throttled.text
        # Answered before any work: no audit event, no lockout count, no session.
        assert await world.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert await world.scalar(select(User.failed_logins).where(User.id == user.id)) == 0
        # Another address is not held up, and successes do not count.
        for _ in range(4):
            assert (await _post_password(colleague, user.email, user.password)).status_code == 303


async def test_the_password_is_hashed_off_the_event_loop(client, world, monkeypatch):
    # Argon2 takes a core for a sixth of a second: on the loop's thread it stalled every other
    # request (the helpline's calls too) while anyone tried to sign in.
    import threading

    from helpline.auth import passwords

    threads: list[int] = []
    verify = passwords.verify_password

    def recording(stored_hash, password):  # type: ignore[no-untyped-def]
        threads.append(threading.get_ident())
        return verify(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", recording)
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    await _post_password(client, "nobody@test.example", "a-wrong-guess!")
    await login(client, user)
    await _reauth(client, user.password, "000000")
    assert len(threads) == 3
    assert threading.get_ident() not in threads


def test_the_throttle_counts_an_ipv6_client_by_its_64_network():
    # One IPv6 customer has 2^64 addresses: counted one by one, each try could be a new one.
    from helpline.auth.throttle import SignInThrottle, client_key

    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9") == (
        "2001:db8:1:2::/64")
    assert client_key("::ffff:10.0.0.7") == client_key("10.0.0.7") == "10.0.0.7"
    throttle = SignInThrottle(failures_per_minute=2)
    throttle.failed("2001:db8:1:2::1")
    throttle.failed("2001:db8:1:2::2")
    assert throttle.retry_after("2001:db8:1:2::3") is not None
    assert throttle.retry_after("2001:db8:1:3::1") is None


async def test_a_sign_in_holds_no_database_connection_while_its_password_is_hashed(
    client, world, app, monkeypatch
):
    """While the hash runs (or waits for a core), other requests reach the database: SQLite's
    one connection and write lock, PostgreSQL's pool, were held by every sign-in in flight."""
    import asyncio
    import threading

    from helpline.auth import passwords

    started, release = threading.Event(), threading.Event()
    verify = passwords.verify_password

    def slow(stored_hash, password):  # type: ignore[no-untyped-def]
        started.set()
        release.wait(timeout=30)
        return verify(stored_hash, password)

    monkeypatch.setattr(passwords, "verify_password", slow)
    org = await world.organisation()
    user = await world.user(org, Role.POLICE_CASE_OFFICER)
    page = await client.get("/login")
    signing_in = asyncio.create_task(client.post("/login", data={
        "email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)}))
    try:
        while not started.is_set():
            await asyncio.sleep(0.01)
        # A deadlock guard, not a timing: without the fix this waits until the hash is released.
        ready = await asyncio.wait_for(client.get("/readyz"), timeout=10)
        assert ready.status_code == 200
        assert not signing_in.done()
    finally:
        release.set()
    assert (await signing_in).status_code == 303
