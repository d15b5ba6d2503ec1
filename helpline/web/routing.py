"""Routes that declare their access, and the per-request authentication around them.

``page()`` and ``api()`` build Starlette routes whose handler first authenticates (session
cookie for pages, bearer token for the API), then enforces the declared permission, then CSRF
for state-changing page requests, and only then calls the endpoint. The declared access is kept
on the route (``route.access``) so a test can walk the table.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from helpline import clock, rls
from helpline.api import openapi
from helpline.audit import AuditContext
from helpline.auth import sessions, tokens
from helpline.authz import ROLE_PERMISSIONS, Access, Permission
from helpline.errors import InvalidInput
from helpline.web import csrf
from helpline.web.forms import holds_nul
from helpline.web.i18n import LANGUAGE_COOKIE, negotiate

Endpoint = Callable[[Request], Awaitable[Response]]
RouteAccess = Permission | Access


class DeclaredRoute(Route):
    access: RouteAccess
    reauth: bool
    is_api: bool
    # Every method of every route on this path (see share_allowed_methods).
    allowed_methods: frozenset[str] = frozenset()

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Starlette answers a wrong method with this one route's methods; a 405's Allow must
        # name all the methods the path has (RFC 9110, 15.5.6), also those of sibling routes.
        if self.methods and scope["method"] not in self.methods:
            allowed = self.allowed_methods or frozenset(self.methods)
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(sorted(allowed))})
        await super().handle(scope, receive, send)


def share_allowed_methods(routes: Sequence[BaseRoute]) -> None:
    """Give each declared route the methods of all declared routes with the same path."""
    by_path: dict[str, set[str]] = {}
    declared = [route for route in routes if isinstance(route, DeclaredRoute)]
    for route in declared:
        by_path.setdefault(route.path, set()).update(route.methods or ())
    for route in declared:
        route.allowed_methods = frozenset(by_path[route.path])


def page(
    path: str,
    endpoint: Endpoint,
    *,
    name: str,
    access: RouteAccess,
    methods: Sequence[str] = ("GET",),
    reauth: bool = False,
) -> DeclaredRoute:
    return _declare(
        path, endpoint, name=name, access=access, methods=methods, reauth=reauth, is_api=False
    )


def api(
    path: str,
    endpoint: Endpoint,
    *,
    name: str,
    access: RouteAccess,
    methods: Sequence[str] = ("GET",),
) -> DeclaredRoute:
    return _declare(
        path, endpoint, name=name, access=access, methods=methods, reauth=False, is_api=True
    )


def _declare(
    path: str,
    endpoint: Endpoint,
    *,
    name: str,
    access: RouteAccess,
    methods: Sequence[str],
    reauth: bool,
    is_api: bool,
) -> DeclaredRoute:
    async def handler(request: Request) -> Response:
        db = request.state.db
        if is_api:  # read_json holds the body to this operation's documented request schema
            request.state.api_operation = name
        await rls.allow_identity_lookup(db)
        if is_api:
            await authenticate_bearer(request)
        else:
            await authenticate_session(request)
        if request.state.user is not None and access is not Access.PUBLIC:
            # From here on the database shows this organisation's rows only.
            await rls.bind_organisation(db, request.state.user.organisation_id)
        denial = _deny(request, access, is_api=is_api)
        if denial is not None:
            return denial
        if any(holds_nul(value) for value in request.path_params.values()):
            raise HTTPException(status_code=404)  # no row's id holds U+0000
        if not is_api and holds_nul(request.query_params.multi_items()):
            raise HTTPException(status_code=400, detail="malformed_query")
        if is_api:  # the query string as the document says (the body: see forms.read_json)
            errors = openapi.query_errors(name, request.query_params.multi_items())
            if errors:
                raise InvalidInput(errors)
        if reauth and not _recently_authenticated(request):
            return RedirectResponse(request.url_for("auth:reauth"), status_code=303)
        if not is_api and request.method not in csrf.SAFE_METHODS:
            await csrf.check(request, request.app.state.csrf_key)
        response = await endpoint(request)
        if not is_api:
            csrf.apply_cookie(request, response, secure=True)
        return response

    route = DeclaredRoute(path, handler, name=name, methods=list(methods))
    route.access, route.reauth, route.is_api = access, reauth, is_api
    return route


def _deny(request: Request, access: RouteAccess, *, is_api: bool) -> Response | None:
    if access is Access.PUBLIC:
        return None
    if request.state.user is None:
        if is_api:
            raise HTTPException(status_code=401, detail="authentication_required")
        return RedirectResponse(request.url_for("auth:login"), status_code=303)
    if isinstance(access, Permission) and access not in request.state.permissions:
        raise HTTPException(status_code=403, detail="forbidden")
    return None


def _recently_authenticated(request: Request) -> bool:
    session = request.state.session
    window = request.app.state.settings.reauth_window
    return bool(
        session and session.authenticated_at and clock.now() - session.authenticated_at <= window
    )


def _set_identity(request: Request, user: Any, session: Any, via: str | None) -> None:
    request.state.user = user
    request.state.session = session
    request.state.auth_via = via
    request.state.permissions = ROLE_PERMISSIONS[user.role] if user else frozenset()
    request.state.audit = AuditContext(actor=user, request_id=request.state.request_id)


# A page that reloads itself (static/calls.js) asks with this query parameter, so that the
# reload does not count as the user's activity.
AUTO_REFRESH = ("refresh", "auto")


async def authenticate_session(request: Request) -> None:
    row = await sessions.resolve(
        request.state.db,
        request.cookies.get(sessions.COOKIE_NAME),
        now=clock.now(),
        policy=request.app.state.session_policy,
        touch=request.query_params.get(AUTO_REFRESH[0]) != AUTO_REFRESH[1],
    )
    request.state.pending_session = row if row and row.stage == sessions.STAGE_PASSWORD else None
    full = row if row and row.stage == sessions.STAGE_FULL else None
    _set_identity(request, full.user if full else None, full, "session" if full else None)
    user_language = full.user.language if full else None
    request.state.lang = negotiate(request.cookies.get(LANGUAGE_COOKIE), user_language)
    csrf.prepare(request, request.app.state.csrf_key)


async def authenticate_bearer(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and secret:
        token = await tokens.resolve_bearer(
            request.state.db, secret.strip(), now=clock.now(),
            context=AuditContext(actor=None, request_id=request.state.request_id),
        )
        if token is None:  # a known token's refusal is audited: kept with the 401, as a sign-in's
            request.state.commit_on_error = True
    _set_identity(request, token.user if token else None, None, "token" if token else None)
    request.state.lang = "en"
