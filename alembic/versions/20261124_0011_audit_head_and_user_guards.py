"""The audit chain's head only moves forward; identity lookup cannot move or create users.

``audit_chain_head`` says where the next audit event goes. An application that could delete it
or set ``last_seq`` back would make every later audited request fail (the next event's seq is
taken), so no data would be served: the head may only move forward. On PostgreSQL the
application role loses INSERT, DELETE and TRUNCATE on it (it keeps SELECT ... FOR UPDATE and
UPDATE, which ``helpline.audit.service.record_all`` needs), and a trigger refuses an UPDATE that
changes ``id`` or does not strictly increase ``last_seq`` (for the owner too). SQLite has no
roles: triggers refuse every DELETE and any such UPDATE. ``INSERT OR REPLACE`` deletes the old
row first; that fires the DELETE trigger because helpline.db turns ``recursive_triggers`` on.

While ``helpline.identity_lookup`` is on (during sign-in, before an organisation is bound) the
users policy of 0003 lets the application see every organisation's accounts, and, through its
``WITH CHECK``, also write them anywhere. Sign-in does update the account it found (failed
attempts, lockout, TOTP step and enrolment), so the UPDATE check stays as it was; instead a
trigger refuses any change of ``users.organisation_id`` (for every role), and restrictive
policies allow an INSERT or DELETE only in the bound organisation: lookup widens reads only.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "helpline_app"
ORG = "current_setting('helpline.organisation_id', true)"
HEAD_MESSAGE = "audit_chain_head only moves forward"
USER_MESSAGE = "users.organisation_id cannot change"

_PG_UPGRADE = (
    f"REVOKE INSERT, DELETE, TRUNCATE ON audit_chain_head FROM {APP_ROLE}",
    f"""
    CREATE FUNCTION audit_chain_head_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id IS DISTINCT FROM OLD.id OR NOT (NEW.last_seq > OLD.last_seq) THEN
            RAISE EXCEPTION '{HEAD_MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_chain_head_forward_only()",
    f"""
    CREATE FUNCTION users_organisation_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{USER_MESSAGE}' USING ERRCODE = 'restrict_violation';
    END $$
    """,
    "CREATE TRIGGER users_organisation_fixed BEFORE UPDATE OF organisation_id ON users "
    "FOR EACH ROW WHEN (NEW.organisation_id IS DISTINCT FROM OLD.organisation_id) "
    "EXECUTE FUNCTION users_organisation_fixed()",
    # Restrictive: AND-ed with users_by_organisation (0003), whose lookup clause stays for reads
    # and for sign-in's updates of the account it found.
    f"CREATE POLICY users_insert_in_bound_organisation ON users AS RESTRICTIVE FOR INSERT "
    f"WITH CHECK (organisation_id = {ORG})",
    f"CREATE POLICY users_delete_in_bound_organisation ON users AS RESTRICTIVE FOR DELETE "
    f"USING (organisation_id = {ORG})",
)
_PG_DOWNGRADE = (
    "DROP POLICY IF EXISTS users_delete_in_bound_organisation ON users",
    "DROP POLICY IF EXISTS users_insert_in_bound_organisation ON users",
    "DROP TRIGGER IF EXISTS users_organisation_fixed ON users",
    "DROP FUNCTION IF EXISTS users_organisation_fixed()",
    "DROP TRIGGER IF EXISTS audit_chain_head_forward_only ON audit_chain_head",
    "DROP FUNCTION IF EXISTS audit_chain_head_forward_only()",
    # As 0003 left it (TRUNCATE was never granted).
    f"GRANT INSERT, DELETE ON audit_chain_head TO {APP_ROLE}",
)

SQLITE_TRIGGERS = {
    "audit_chain_head_no_delete": f"""
        CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head
        BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END
    """,
    # typeof: a text value is stored as text in an INTEGER column, and compares above any number.
    "audit_chain_head_forward_only": f"""
        CREATE TRIGGER audit_chain_head_forward_only BEFORE UPDATE ON audit_chain_head
        WHEN NEW.id IS NOT OLD.id OR typeof(NEW.last_seq) <> 'integer'
             OR NOT (NEW.last_seq > OLD.last_seq)
        BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END
    """,
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_UPGRADE:
            op.execute(statement)
        return
    for statement in SQLITE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _PG_DOWNGRADE:
            op.execute(statement)
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
