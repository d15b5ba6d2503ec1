"""HTTP for sign-in, second factor, re-authentication and sign-out. No SQL, no crypto here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from helpline import clock
from helpline.auth import service, sessions, totp
from helpline.web import csrf
from helpline.web.forms import read_form, secret, text


def _deps(request: Request) -> service.AuthDeps:
    return service.AuthDeps(
        db=request.state.db,
        keys=request.app.state.keys,
        policy=request.app.state.session_policy,
        context=request.state.audit,
    )


def _set_session_cookie(response: Response, token: str, max_age: int) -> None:
    response.set_cookie(
        sessions.COOKIE_NAME,
        token,
        max_age=max_age,
        httponly=True,
        secure=True,
        samesite="strict",
        path="/",
    )


def _keep_failure(request: Request) -> None:
    # A refused sign-in answers 401 but its audit event and lockout counter must be kept.
    request.state.commit_on_error = True


async def login_form(request: Request) -> Response:
    if request.state.user is not None:
        return RedirectResponse(request.url_for("shell:home"), status_code=303)
    return request.app.state.templates.render(
        request, "auth/login.html", {"error": False, "missing": False}
    )


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    email, password = text(form, "email", max_length=254), secret(form, "password")
    if not email or not password:
        # Incomplete form: say so, count nothing, write nothing.
        context = {"error": False, "missing": True, "email": email}
        return request.app.state.templates.render(
            request, "auth/login.html", context, status_code=400
        )
    throttle = request.app.state.signin_throttle
    address = request.client.host if request.client else "unknown"
    wait = throttle.retry_after(address)
    if wait is not None:
        context = {"error": False, "missing": False, "throttled": True, "email": email}
        response = request.app.state.templates.render(
            request, "auth/login.html", context, status_code=429
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = await service.check_password(
        _deps(request), email=email, password=password, now=clock.now()
    )
    if user is None:
        throttle.failed(address)
        _keep_failure(request)
        context = {"error": True, "missing": False, "email": email}
        return request.app.state.templates.render(
            request, "auth/login.html", context, status_code=401
        )
    # The cookie is about to be replaced: the sessions it held end now, not at their expiry.
    replaced = [row for row in (request.state.session, request.state.pending_session) if row]
    token = await service.begin_second_factor(
        _deps(request), user, now=clock.now(), replacing=replaced
    )
    response = RedirectResponse(request.url_for("auth:second_factor"), status_code=303)
    _set_session_cookie(response, token, int(sessions.SECOND_FACTOR_WINDOW.total_seconds()))
    return response


async def second_factor_form(request: Request, *, error: bool = False) -> Response:
    pending = request.state.pending_session
    if pending is None:
        return RedirectResponse(request.url_for("auth:login"), status_code=303)
    user = pending.user
    context: dict[str, object] = {"error": error, "enrol": user.totp_enrolled_at is None}
    if context["enrol"]:
        secret = await service.pending_totp_secret(_deps(request), user)
        uri = totp.provisioning_uri(secret, account=user.email)
        context.update(secret=secret, qr_svg=totp.qr_svg(uri), otpauth_uri=uri)
    status = 401 if error else 200
    return request.app.state.templates.render(
        request, "auth/second_factor.html", context, status_code=status
    )


async def second_factor_submit(request: Request) -> Response:
    pending = request.state.pending_session
    if pending is None:
        return RedirectResponse(request.url_for("auth:login"), status_code=303)
    form = await read_form(request)
    token = await service.complete_second_factor(
        _deps(request), pending, code=text(form, "code", max_length=20), now=clock.now()
    )
    if token is None:
        _keep_failure(request)
        return await second_factor_form(request, error=True)
    csrf.rotate(request, request.app.state.csrf_key)
    response = RedirectResponse(request.url_for("shell:home"), status_code=303)
    _set_session_cookie(
        response, token, int(request.app.state.session_policy.absolute.total_seconds())
    )
    return response


async def reauth_form(request: Request, *, error: bool = False) -> Response:
    return request.app.state.templates.render(
        request, "auth/reauth.html", {"error": error}, status_code=401 if error else 200
    )


async def reauth_submit(request: Request) -> Response:
    form = await read_form(request)
    result = await service.reauthenticate(
        _deps(request),
        request.state.session,
        password=secret(form, "password"),
        code=text(form, "code", max_length=20),
        now=clock.now(),
    )
    if result is service.Reauth.SIGNED_OUT:  # the account locked: the session has ended
        return _signed_out(request)
    if result is service.Reauth.REFUSED:
        _keep_failure(request)
        return await reauth_form(request, error=True)
    return RedirectResponse(request.url_for("shell:home"), status_code=303)


async def logout(request: Request) -> Response:
    await service.logout(_deps(request), request.state.session, now=clock.now())
    return _signed_out(request)


def _signed_out(request: Request) -> Response:
    csrf.rotate(request, request.app.state.csrf_key)
    response = RedirectResponse(request.url_for("auth:login"), status_code=303)
    response.delete_cookie(
        sessions.COOKIE_NAME, path="/", secure=True, httponly=True, samesite="strict"
    )
    return response
