"""create_app(settings): middleware order, routes, exception handlers, lifespan."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

import crypto
from helpline import errors, rls
from helpline.auth.sessions import SessionPolicy
from helpline.auth.throttle import SignInThrottle
from helpline.calls.recorder import CallRecorder
from helpline.db import DBSessionMiddleware, create_engine, session_factory
from helpline.keys import KeyService
from helpline.routes import CASE_PAGE_SECTIONS, NAVIGATION, ROUTES
from helpline.settings import Settings
from helpline.web import access_log
from helpline.web.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from helpline.web.templating import Templates


def open_keyring(settings: Settings) -> crypto.LocalKeyring:
    """The local KEK holder. In production it must already exist (``helpline keys init``):
    a new, empty keyring at a mistyped path would make every stored key unreadable."""
    if settings.is_production:
        return crypto.LocalKeyring(settings.keyring_path, create=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return crypto.LocalKeyring(settings.keyring_path)


def _freeze_startup_objects() -> None:
    """Leave what start-up built (modules, mapped classes, compiled statements, templates) out
    of the garbage collector's full collections. Each of them otherwise walked every one of
    those objects: 60-100 ms with the loop stopped, several times a minute under load, which
    was the slowest 1 % of the webhook benchmark's answers. Start-up's garbage goes first."""
    gc.collect()
    gc.freeze()


def _own_transaction_paths() -> frozenset[str]:
    return frozenset(
        route.path for route in ROUTES if getattr(route, "own_transactions", False)
    )


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()
    engine = create_engine(settings.database_url)
    keyring = open_keyring(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Mapped classes are configured now rather than by the first request that builds an
        # object (which took a quarter of a second), and a broken mapping stops the start.
        configure_mappers()
        if settings.is_production:  # a development database may well be the owner's
            await rls.require_bound_role(engine)
        _freeze_startup_objects()
        yield
        await engine.dispose()

    sessions = session_factory(engine)
    middleware = [
        # Outermost first: headers on every response (errors too), then the body limit, then
        # the per-request database session, which must wrap every endpoint.
        Middleware(SecurityHeadersMiddleware),
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(
            DBSessionMiddleware, sessions=sessions, without_session=_own_transaction_paths()
        ),
    ]
    app = Starlette(
        debug=False,
        routes=ROUTES,
        middleware=middleware,
        exception_handlers={
            HTTPException: errors.http_exception,
            errors.DomainError: errors.domain_error,
            Exception: errors.server_error,
        },
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.keys = KeyService(keyring)
    app.state.call_recorder = CallRecorder(sessions, app.state.keys)
    app.state.csrf_key = keyring.purpose_key("csrf")
    app.state.signin_throttle = SignInThrottle()
    app.state.session_policy = SessionPolicy(
        idle=settings.session_idle, absolute=settings.session_absolute
    )
    app.state.templates = Templates(NAVIGATION)
    app.state.case_page_sections = CASE_PAGE_SECTIONS
    logging.getLogger("helpline").setLevel(logging.INFO)
    access_log.install()
    return app
