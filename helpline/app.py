"""create_app(settings): middleware order, routes, exception handlers, lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

import crypto
from helpline import errors
from helpline.auth.sessions import SessionPolicy
from helpline.db import DBSessionMiddleware, create_engine, session_factory
from helpline.keys import KeyService
from helpline.routes import CASE_PAGE_SECTIONS, NAVIGATION, ROUTES
from helpline.settings import Settings
from helpline.web.middleware import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from helpline.web.templating import Templates


def open_keyring(settings: Settings) -> crypto.LocalKeyring:
    """The local KEK holder. In production it must already exist (``helpline keys init``):
    a new, empty keyring at a mistyped path would make every stored key unreadable."""
    if settings.is_production:
        return crypto.LocalKeyring(settings.keyring_path, create=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return crypto.LocalKeyring(settings.keyring_path)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_environ()
    engine = create_engine(settings.database_url)
    keyring = open_keyring(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await engine.dispose()

    middleware = [
        # Outermost first: headers on every response (errors too), then the body limit, then
        # the per-request database session, which must wrap every endpoint.
        Middleware(SecurityHeadersMiddleware),
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes),
        Middleware(DBSessionMiddleware, sessions=session_factory(engine)),
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
    app.state.csrf_key = keyring.purpose_key("csrf")
    app.state.session_policy = SessionPolicy(
        idle=settings.session_idle, absolute=settings.session_absolute
    )
    app.state.templates = Templates(NAVIGATION)
    app.state.case_page_sections = CASE_PAGE_SECTIONS
    logging.getLogger("helpline").setLevel(logging.INFO)
    return app
