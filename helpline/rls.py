"""Row-level security on PostgreSQL: the second layer of tenant isolation (SECURITY.md §1).

The application's queries already filter by organisation and need-to-know; the database then
refuses rows of any other organisation as well. Each transaction says whose it is:

* ``bind_organisation`` after authentication: only that organisation's rows are visible;
* ``allow_identity_lookup`` while authenticating: user accounts of every organisation are
  visible (to find the account behind an e-mail address, session or token), case data is not.

Nothing set means nothing visible (``current_setting(..., true)`` is NULL): fail closed. On
SQLite these are no-ops; the query-level checks are the only layer there.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

ORGANISATION_SETTING = "helpline.organisation_id"
IDENTITY_LOOKUP_SETTING = "helpline.identity_lookup"
APP_ROLE = "helpline_app"


def _is_postgres(db: AsyncSession) -> bool:
    return db.get_bind().dialect.name == "postgresql"


# Built once: every request binds its transaction, and building a statement costs more than
# running it.
_BIND_ORGANISATION = text(
    "SELECT set_config(:org_key, :org, true), set_config(:lookup_key, 'off', true)"
)


async def bind_organisation(db: AsyncSession, organisation_id: str) -> None:
    if not _is_postgres(db):
        return
    await db.execute(
        _BIND_ORGANISATION,
        {"org_key": ORGANISATION_SETTING, "org": organisation_id,
         "lookup_key": IDENTITY_LOOKUP_SETTING},
    )


async def allow_identity_lookup(db: AsyncSession) -> None:
    if not _is_postgres(db):
        return
    await db.execute(
        text("SELECT set_config(:key, 'on', true)"), {"key": IDENTITY_LOOKUP_SETTING}
    )


async def allow_whole_audit_log(db: AsyncSession) -> None:
    """For `helpline audit verify` only: the chain spans every organisation."""
    if not _is_postgres(db):
        return
    await db.execute(text("SELECT set_config('helpline.audit_all', 'on', true)"))


# A role the policies do not bind: a superuser, one with BYPASSRLS, or the tables' owner
# (who may turn the policies off), or a member of any of these (which may SET ROLE to it).
# Connected as one, every organisation's rows are within reach.
_UNBOUND_ROLE = text(
    "SELECT EXISTS ("
    "  SELECT 1 FROM pg_roles r"
    "  WHERE (r.rolsuper OR r.rolbypassrls) AND pg_has_role(current_user, r.oid, 'MEMBER')"
    ") OR EXISTS ("
    "  SELECT 1 FROM pg_tables t"
    "  WHERE t.schemaname = current_schema()"
    "    AND pg_has_role(current_user, t.tableowner, 'MEMBER')"
    ")"
)


class UnboundRole(RuntimeError):
    """The application is connected as a role that row-level security does not bind."""


async def require_bound_role(engine: AsyncEngine) -> None:
    """Refuse to serve (production) as a role that row-level security does not bind: a
    deployment with the owner's or a superuser's URL would lose the second layer silently."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        unbound = (await connection.execute(_UNBOUND_ROLE)).scalar()
    if unbound:
        raise UnboundRole(
            "HELPLINE_DATABASE_URL names a superuser, a role with BYPASSRLS or the tables' "
            "owner, or a member of one: row-level security would not apply. Connect as the "
            f"application role "
            f"(a member of {APP_ROLE}, as deploy/postgres/10-helpline-app-role.sh makes it)."
        )
