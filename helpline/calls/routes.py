"""Routes of the calls domain (joined into the one table in helpline/routes.py)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from helpline.web.templating import NavEntry

ROUTES: list[BaseRoute] = []
NAVIGATION: tuple[NavEntry, ...] = ()
