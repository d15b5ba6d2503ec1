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
from sqlalchemy.ext.asyncio import AsyncSession

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
