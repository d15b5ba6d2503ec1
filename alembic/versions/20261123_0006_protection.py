"""Protected personal data measures, the location vault and supervisors' protection alerts.

Four organisation-owned tables, each under forced row-level security with the same policy shape
as 0003 (rows visible only to the transaction's organisation):

* ``protected_data_measures``: a person's protected-personal-data measure (level, state, dates,
  decision reference encrypted). No column can hold a new identity: for a FICTITIOUS_IDENTITY
  the system stores no link between the identities (DOMAIN.md §8 rule 5).
* ``location_vault_entries``: real addresses and whereabouts, encrypted, the only place they
  are stored; ``location_vault_access``: the users named per entry.
* ``protection_alerts``: break-glass alerts to the organisation's supervisors.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 05:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "helpline_app"
ORG = "current_setting('helpline.organisation_id', true)"
TABLES = (
    "protected_data_measures",
    "location_vault_entries",
    "location_vault_access",
    "protection_alerts",
)


def upgrade() -> None:
    op.create_table('location_vault_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('label_number', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ADDRESS', 'WHEREABOUTS', name='locationkind', native_enum=False, length=40), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('address_enc', sa.LargeBinary(), nullable=True),
    sa.Column('whereabouts_enc', sa.LargeBinary(), nullable=True),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_location_vault_entries_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_location_vault_entries_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_location_vault_entries_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_location_vault_entries_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location_vault_entries')),
    sa.UniqueConstraint('case_id', 'label_number', name=op.f('uq_location_vault_entries_case_id'))
    )
    with op.batch_alter_table('location_vault_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_vault_entries_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_location_vault_entries_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('protected_data_measures',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Enum('CONFIDENTIALITY_MARKING', 'PROTECTED_REGISTRATION', 'FICTITIOUS_IDENTITY', name='measurelevel', native_enum=False, length=40), nullable=False),
    sa.Column('state', sa.Enum('NOT_APPLICABLE', 'PLANNED', 'APPLIED', 'GRANTED', 'REFUSED', 'ENDED', name='measurestate', native_enum=False, length=40), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('decision_reference_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.String(length=36), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protected_data_measures_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_protected_data_measures_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_protected_data_measures_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_protected_data_measures_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_protected_data_measures_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protected_data_measures')),
    sa.UniqueConstraint('person_id', 'level', name=op.f('uq_protected_data_measures_person_id'))
    )
    with op.batch_alter_table('protected_data_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protected_data_measures_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protected_data_measures_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protected_data_measures_state'), ['state'], unique=False)

    op.create_table('location_vault_access',
    sa.Column('entry_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('granted_by_id', sa.String(length=36), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['location_vault_entries.id'], name=op.f('fk_location_vault_access_entry_id_location_vault_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_location_vault_access_granted_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_location_vault_access_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_location_vault_access_user_id_users')),
    sa.PrimaryKeyConstraint('entry_id', 'user_id', name=op.f('pk_location_vault_access'))
    )
    with op.batch_alter_table('location_vault_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_vault_access_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_location_vault_access_user_id'), ['user_id'], unique=False)

    op.create_table('protection_alerts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('BREAK_GLASS', name='alertkind', native_enum=False, length=40), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('entry_id', sa.String(length=36), nullable=True),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('audit_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_protection_alerts_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_protection_alerts_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protection_alerts_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['location_vault_entries.id'], name=op.f('fk_protection_alerts_entry_id_location_vault_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_protection_alerts_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_alerts'))
    )
    with op.batch_alter_table('protection_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protection_alerts_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protection_alerts_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_protection_alerts_organisation_id'), ['organisation_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


def _enable_row_level_security() -> None:
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS; END IF; END $$"
    )
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_by_organisation ON {table} "
            f"USING (organisation_id = {ORG}) WITH CHECK (organisation_id = {ORG})"
        )


def downgrade() -> None:
    # Dropping a table drops its policies and grants with it.
    with op.batch_alter_table('protection_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protection_alerts_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_protection_alerts_created_at'))
        batch_op.drop_index(batch_op.f('ix_protection_alerts_case_id'))

    op.drop_table('protection_alerts')
    with op.batch_alter_table('location_vault_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_vault_access_user_id'))
        batch_op.drop_index(batch_op.f('ix_location_vault_access_organisation_id'))

    op.drop_table('location_vault_access')
    with op.batch_alter_table('protected_data_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protected_data_measures_state'))
        batch_op.drop_index(batch_op.f('ix_protected_data_measures_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_protected_data_measures_case_id'))

    op.drop_table('protected_data_measures')
    with op.batch_alter_table('location_vault_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_vault_entries_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_location_vault_entries_case_id'))

    op.drop_table('location_vault_entries')
