"""Jinja2 with autoescaping everywhere and the i18n extension."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from helpline.authz import Permission
from helpline.clock import SWEDEN
from helpline.web.i18n import LANGUAGES, translations

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"

# A navigation entry: (route name, label msgid, permission). It shows when the user holds it.
NavEntry = tuple[str, str, Permission]


def make_environment(language: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        auto_reload=False,
    )
    env.install_gettext_translations(  # type: ignore[attr-defined]
        translations(language), newstyle=True
    )
    return env


class Templates:
    def __init__(self, navigation: Sequence[NavEntry] = ()) -> None:
        self.navigation = tuple(navigation)
        # One environment per language: the i18n extension binds its translations to it.
        self.envs = {language: make_environment(language) for language in LANGUAGES}

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        *,
        status_code: int = 200,
    ) -> HTMLResponse:
        lang = getattr(request.state, "lang", "sv")
        template = self.envs.get(lang, self.envs["sv"]).get_template(name)
        values = {**self._base_context(request, lang), **(context or {})}
        html = template.render(values)
        return HTMLResponse(html, status_code=status_code)

    def _base_context(self, request: Request, lang: str) -> dict[str, Any]:
        user = getattr(request.state, "user", None)
        permissions = getattr(request.state, "permissions", frozenset())
        nav = [(name, label) for name, label, perm in self.navigation if perm in permissions]
        return {
            "request": request,
            "user": user,
            "lang": lang,
            "languages": LANGUAGES,
            "nav": nav,
            "csp_nonce": getattr(request.state, "csp_nonce", ""),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "sweden": SWEDEN,
        }
