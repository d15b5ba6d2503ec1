"""The one route table. Each route is named "<domain>:<action>" and declares its access.

Each domain keeps its routes in ``helpline/<domain>/routes.py`` (``ROUTES`` and ``NAVIGATION``);
this module puts them together in one table, which a test walks.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from helpline.api import endpoints as api_endpoints
from helpline.api import openapi
from helpline.audit import endpoints as audit
from helpline.auth import endpoints as auth
from helpline.authz import Access, Permission
from helpline.calls import routes as calls_routes
from helpline.cases import routes as cases_routes
from helpline.consent import routes as consent_routes
from helpline.measures import routes as measures_routes
from helpline.persons import routes as persons_routes
from helpline.protection import routes as protection_routes
from helpline.relocation import routes as relocation_routes
from helpline.reminders import routes as reminders_routes
from helpline.shell import endpoints as shell
from helpline.threats import routes as threats_routes
from helpline.web.routing import api, page, share_allowed_methods
from helpline.web.templating import TEMPLATE_DIR, NavEntry

STATIC_DIR = TEMPLATE_DIR.parent / "static"

FOUNDATION_ROUTES: list[BaseRoute] = [
    page("/", shell.root, name="shell:root", access=Access.PUBLIC),
    page("/healthz", shell.healthz, name="health:live", access=Access.PUBLIC),
    page("/readyz", shell.readyz, name="health:ready", access=Access.PUBLIC),
    page("/login", auth.login_form, name="auth:login", access=Access.PUBLIC),
    page(
        "/login",
        auth.login_submit,
        name="auth:login_submit",
        access=Access.PUBLIC,
        methods=["POST"],
    ),
    page(
        "/login/second-factor",
        auth.second_factor_form,
        name="auth:second_factor",
        access=Access.PUBLIC,
    ),
    page(
        "/login/second-factor",
        auth.second_factor_submit,
        name="auth:second_factor_submit",
        access=Access.PUBLIC,
        methods=["POST"],
    ),
    page("/reauth", auth.reauth_form, name="auth:reauth", access=Access.AUTHENTICATED),
    page(
        "/reauth",
        auth.reauth_submit,
        name="auth:reauth_submit",
        access=Access.AUTHENTICATED,
        methods=["POST"],
    ),
    page("/logout", auth.logout, name="auth:logout", access=Access.AUTHENTICATED, methods=["POST"]),
    page(
        "/language",
        shell.set_language,
        name="shell:language",
        access=Access.PUBLIC,
        methods=["POST"],
    ),
    page("/start", shell.home, name="shell:home", access=Permission.SHELL_VIEW),
    page("/profile", shell.profile, name="profile:show", access=Permission.PROFILE_VIEW),
    page("/audit", audit.list_events, name="audit:list", access=Permission.AUDIT_READ),
    api("/api/v1/openapi.json", api_endpoints.openapi, name="api:openapi", access=Access.PUBLIC),
    api("/api/v1/me", api_endpoints.me, name="api:me", access=Access.AUTHENTICATED),
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]

DOMAIN_ROUTES = (
    calls_routes,
    cases_routes,
    persons_routes,
    consent_routes,
    threats_routes,
    protection_routes,
    relocation_routes,
    measures_routes,
    reminders_routes,
)

ROUTES: list[BaseRoute] = [
    *FOUNDATION_ROUTES,
    *(route for domain in DOMAIN_ROUTES for route in domain.ROUTES),
]

share_allowed_methods(ROUTES)

for domain in DOMAIN_ROUTES:
    openapi.register(getattr(domain, "OPENAPI_OPERATIONS", {}))

# Sections other domains add to the case page: objects with ``name`` and
# ``async load(deps, case)``; the case page decrypts them within its one audited read.
CASE_PAGE_SECTIONS: tuple[object, ...] = tuple(
    section for domain in DOMAIN_ROUTES for section in getattr(domain, "CASE_PAGE_SECTIONS", ())
)

NAVIGATION: tuple[NavEntry, ...] = (
    ("shell:home", "Start", Permission.SHELL_VIEW),
    *cases_routes.NAVIGATION,
    *persons_routes.NAVIGATION,
    *calls_routes.NAVIGATION,
    *threats_routes.NAVIGATION,
    *protection_routes.NAVIGATION,
    *relocation_routes.NAVIGATION,
    *measures_routes.NAVIGATION,
    *reminders_routes.NAVIGATION,
    ("audit:list", "Audit log", Permission.AUDIT_READ),
    ("profile:show", "My account", Permission.PROFILE_VIEW),
)
