"""The route table: every route declares its access; names follow "<domain>:<action>"."""

from __future__ import annotations

from starlette.routing import Mount

from helpline.authz import Access, Permission
from helpline.routes import ROUTES


def test_every_route_declares_a_permission_or_public_access():
    undeclared = [
        r.path for r in ROUTES
        if not isinstance(r, Mount)
        and not isinstance(getattr(r, "access", None), (Permission, Access))
    ]
    assert undeclared == []


def test_route_names_are_domain_and_action():
    for route in ROUTES:
        assert ":" in route.name or isinstance(route, Mount), route.name


def test_public_routes_are_only_the_expected_ones():
    public = {r.name for r in ROUTES if getattr(r, "access", None) is Access.PUBLIC}
    assert public == {
        "shell:root", "health:live", "health:ready", "auth:login", "auth:login_submit",
        "auth:second_factor", "auth:second_factor_submit", "shell:language", "api:openapi",
    }


async def test_a_role_without_the_permission_is_refused(client, world):
    from helpline.models.users import Role
    from tests.conftest import login

    org = await world.organisation()
    await login(client, await world.user(org, Role.POLICE_CASE_OFFICER))
    assert (await client.get("/audit")).status_code == 403
