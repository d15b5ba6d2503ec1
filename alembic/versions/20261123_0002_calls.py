"""Calls: helpline numbers, calls, call events, callback requests, duty roster.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 03:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=40)


CALL_STATUS = ('RINGING', 'IN_PROGRESS', 'COMPLETED', 'BUSY', 'NO_ANSWER', 'FAILED', 'CANCELED')
CHANNEL = ('HELPLINE', 'SWITCHBOARD', 'SOCIAL_SERVICES', 'PRISON_PROBATION', 'OTHER_AUTHORITY', 'WALK_IN')


def upgrade() -> None:
    op.create_table('helpline_numbers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_helpline_numbers_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpline_numbers')),
    sa.UniqueConstraint('number', name=op.f('uq_helpline_numbers_number'))
    )
    with op.batch_alter_table('helpline_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helpline_numbers_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('helpline_calls',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=True),
    sa.Column('direction', _enum('calldirection', 'INBOUND'), nullable=False),
    sa.Column('channel', _enum('callchannel', *CHANNEL), nullable=False),
    sa.Column('status', _enum('callstatus', *CALL_STATUS), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('dial_status', sa.String(length=20), nullable=True),
    sa.Column('answered_by_user_id', sa.String(length=36), nullable=True),
    sa.Column('caller_type', _enum('callertype', 'SELF', 'RELATIVE', 'PROFESSIONAL', 'UNKNOWN'), nullable=True),
    sa.Column('caller_number', sa.LargeBinary(), nullable=True),
    sa.Column('caller_number_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('caller_withheld', sa.Boolean(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=20), nullable=True),
    sa.Column('acute_danger_advice', sa.Boolean(), nullable=False),
    sa.Column('outcome', _enum('calloutcome', 'MEETING_BOOKED', 'REFERRED', 'NO_ACTION', 'CASE_OPENED'), nullable=True),
    sa.Column('summary', sa.LargeBinary(), nullable=True),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('logged_by_user_id', sa.String(length=36), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_by_user_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(caller_number IS NULL) = (caller_number_index IS NULL)', name=op.f('ck_helpline_calls_number_has_index')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_helpline_calls_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['answered_by_user_id'], ['users.id'], name=op.f('fk_helpline_calls_answered_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['logged_by_user_id'], ['users.id'], name=op.f('fk_helpline_calls_logged_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['completed_by_user_id'], ['users.id'], name=op.f('fk_helpline_calls_completed_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helpline_calls')),
    sa.UniqueConstraint('call_sid', name=op.f('uq_helpline_calls_call_sid'))
    )
    with op.batch_alter_table('helpline_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helpline_calls_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_helpline_calls_caller_number_index'), ['caller_number_index'], unique=False)
        batch_op.create_index('ix_helpline_calls_org_received', ['organisation_id', 'received_at'], unique=False)

    op.create_table('call_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=False),
    sa.Column('call_sid', sa.String(length=64), nullable=False),
    sa.Column('event_key', sa.String(length=120), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_call_events_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['call_id'], ['helpline_calls.id'], name=op.f('fk_call_events_call_id_helpline_calls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_events')),
    sa.UniqueConstraint('call_sid', 'event_key', name='uq_call_events_call_sid_event_key')
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_events_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_events_call_id'), ['call_id'], unique=False)

    op.create_table('callback_requests',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', _enum('callbackstate', 'OPEN', 'DONE'), nullable=False),
    sa.Column('outcome', _enum('callbackoutcome', 'REACHED', 'NOT_REACHED', 'NOT_NEEDED'), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_user_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_callback_requests_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['call_id'], ['helpline_calls.id'], name=op.f('fk_callback_requests_call_id_helpline_calls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_user_id'], ['users.id'], name=op.f('fk_callback_requests_done_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_requests')),
    sa.UniqueConstraint('call_id', name=op.f('uq_callback_requests_call_id'))
    )
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callback_requests_state'), ['state'], unique=False)

    op.create_table('duty_shifts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('phone', sa.LargeBinary(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_user_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_duty_shifts_ends_after_start')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_duty_shifts_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_duty_shifts_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['users.id'], name=op.f('fk_duty_shifts_created_by_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duty_shifts'))
    )
    with op.batch_alter_table('duty_shifts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_shifts_user_id'), ['user_id'], unique=False)
        batch_op.create_index('ix_duty_shifts_org_period', ['organisation_id', 'starts_at', 'ends_at'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


# Row-level security (SECURITY.md §1), the same scheme as the other organisation-owned tables:
# rows are visible only to the transaction's organisation. The webhooks have no user, so one
# lookup may read every organisation's helpline *numbers* (never calls) to learn whose call it
# is; the transaction is then bound to that organisation.
APP_ROLE = "helpline_app"
ORG = "current_setting('helpline.organisation_id', true)"
LINE_LOOKUP = "current_setting('helpline.line_lookup', true) = 'on'"
POLICIES = {
    "helpline_numbers": (f"organisation_id = {ORG} OR {LINE_LOOKUP}", f"organisation_id = {ORG}"),
    **{
        table: (f"organisation_id = {ORG}", f"organisation_id = {ORG}")
        for table in ("helpline_calls", "call_events", "callback_requests", "duty_shifts")
    },
}


def _enable_row_level_security() -> None:
    # Whichever of the branch migrations runs first creates the application role.
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS; END IF; END $$"
    )
    for table, (using, check) in POLICIES.items():
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_by_organisation ON {table} USING ({using}) WITH CHECK ({check})"
        )


def downgrade() -> None:
    # Dropping a table drops its policies and grants with it.
    with op.batch_alter_table('duty_shifts', schema=None) as batch_op:
        batch_op.drop_index('ix_duty_shifts_org_period')
        batch_op.drop_index(batch_op.f('ix_duty_shifts_user_id'))
    op.drop_table('duty_shifts')
    with op.batch_alter_table('callback_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_requests_state'))
        batch_op.drop_index(batch_op.f('ix_callback_requests_organisation_id'))
    op.drop_table('callback_requests')
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_id'))
        batch_op.drop_index(batch_op.f('ix_call_events_organisation_id'))
    op.drop_table('call_events')
    with op.batch_alter_table('helpline_calls', schema=None) as batch_op:
        batch_op.drop_index('ix_helpline_calls_org_received')
        batch_op.drop_index(batch_op.f('ix_helpline_calls_caller_number_index'))
        batch_op.drop_index(batch_op.f('ix_helpline_calls_organisation_id'))
    op.drop_table('helpline_calls')
    with op.batch_alter_table('helpline_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helpline_numbers_organisation_id'))
    op.drop_table('helpline_numbers')
