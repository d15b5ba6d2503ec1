"""Relocation plans and steps, protection measures, the individual action plan.

The target municipality of a relocation plan is stored only as ciphertext bound to its row
(``relocation_plans.target_municipality_enc``); see helpline/models/relocation.py. Every new
table has ``organisation_id`` and gets forced row-level security with the policy of 0003.

A branch beside 0006 (protected data, issue 6a); a merge revision joins the two heads.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23 05:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Row-level security (SECURITY.md §1), the same shape as 0003: the application role neither
# owns these tables nor bypasses RLS, and FORCE applies the policy to the owner too.
APP_ROLE = "helpline_app"
ORG = "current_setting('helpline.organisation_id', true)"
TABLES = (
    "relocation_plans", "relocation_steps", "protection_measures", "action_plan_goals",
    "action_plan_actions",
)


def upgrade() -> None:
    op.create_table('relocation_plans',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.Enum('DRAFT', 'SUBMITTED', 'APPROVED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', name='planstate', native_enum=False, length=40), nullable=False),
    sa.Column('from_municipality_code', sa.String(length=4), nullable=False),
    sa.Column('target_municipality_enc', sa.LargeBinary(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('submitted_by_id', sa.String(length=36), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.String(length=36), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_relocation_plans_approved_by_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_relocation_plans_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_relocation_plans_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_municipality_code'], ['municipalities.code'], name=op.f('fk_relocation_plans_from_municipality_code_municipalities')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_relocation_plans_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_relocation_plans_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relocation_plans'))
    )

    with op.batch_alter_table('relocation_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relocation_plans_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_plans_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_plans_state'), ['state'], unique=False)

    op.create_table('relocation_steps',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('EMERGENCY_HOUSING', 'TEMPORARY_HOUSING', 'PERMANENT_HOUSING', 'PROTECTED_DATA', 'MOVE_BELONGINGS', 'SCHOOLING', 'HEALTHCARE', 'EMPLOYMENT', 'MAIL_AND_ID', 'GUARDIAN_DEBT', 'HANDOVER_SOCIAL_SERVICES', name='stepkind', native_enum=False, length=40), nullable=False),
    sa.Column('responsible_organisation_id', sa.String(length=36), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('PLANNED', 'IN_PROGRESS', 'DONE', 'NOT_NEEDED', name='stepstate', native_enum=False, length=40), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_relocation_steps_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_relocation_steps_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['plan_id'], ['relocation_plans.id'], name=op.f('fk_relocation_steps_plan_id_relocation_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_organisation_id'], ['organisations.id'], name=op.f('fk_relocation_steps_responsible_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relocation_steps')),
    sa.UniqueConstraint('plan_id', 'kind', name=op.f('uq_relocation_steps_plan_id'))
    )

    with op.batch_alter_table('relocation_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relocation_steps_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_steps_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_steps_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_steps_plan_id'), ['plan_id'], unique=False)

    op.create_table('protection_measures',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.Enum('SAFETY_ADVICE', 'EMERGENCY_PROTECTED_HOUSING', 'SAFETY_ALARM', 'CONTACT_BAN', 'POLICE_PATROL', 'NEW_PHONE', 'PERSONAL_PROTECTION', 'WITNESS_PROTECTION_REFERRAL', 'OTHER', name='protectionmeasurekind', native_enum=False, length=40), nullable=False),
    sa.Column('responsible_organisation_id', sa.String(length=36), nullable=False),
    sa.Column('state', sa.Enum('PLANNED', 'REQUESTED', 'IN_PLACE', 'ENDED', 'REFUSED', name='protectionmeasurestate', native_enum=False, length=40), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('note_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_protection_measures_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_protection_measures_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_protection_measures_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_protection_measures_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_organisation_id'], ['organisations.id'], name=op.f('fk_protection_measures_responsible_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protection_measures'))
    )

    with op.batch_alter_table('protection_measures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_protection_measures_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protection_measures_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_protection_measures_review_on'), ['review_on'], unique=False)

    op.create_table('action_plan_goals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('life_area', sa.Enum('SAFETY', 'HOUSING', 'INCOME', 'EMPLOYMENT', 'EDUCATION', 'SUBSTANCE_TREATMENT', 'MENTAL_HEALTH', 'DEBT', 'SOCIAL_NETWORK', 'FAMILY', 'LEGAL', name='lifearea', native_enum=False, length=40), nullable=False),
    sa.Column('description_enc', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.Enum('OPEN', 'ACHIEVED', 'NOT_ACHIEVED', name='goalstate', native_enum=False, length=40), nullable=False),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_action_plan_goals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_plan_goals_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_plan_goals_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_goals'))
    )

    with op.batch_alter_table('action_plan_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_goals_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plan_goals_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('action_plan_actions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('goal_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('description_enc', sa.LargeBinary(), nullable=False),
    sa.Column('responsible_organisation_id', sa.String(length=36), nullable=False),
    sa.Column('responsible_user_id', sa.String(length=36), nullable=True),
    sa.Column('responsible_person_enc', sa.LargeBinary(), nullable=True),
    sa.Column('state', sa.Enum('PLANNED', 'IN_PROGRESS', 'DONE', 'CANCELLED', name='actionstate', native_enum=False, length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_action_plan_actions_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_action_plan_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['goal_id'], ['action_plan_goals.id'], name=op.f('fk_action_plan_actions_goal_id_action_plan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_action_plan_actions_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['responsible_organisation_id'], ['organisations.id'], name=op.f('fk_action_plan_actions_responsible_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['users.id'], name=op.f('fk_action_plan_actions_responsible_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_plan_actions'))
    )

    with op.batch_alter_table('action_plan_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_plan_actions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plan_actions_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plan_actions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_plan_actions_responsible_user_id'), ['responsible_user_id'], unique=False)

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
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP POLICY IF EXISTS {table}_by_organisation ON {table}")

    with op.batch_alter_table('action_plan_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_actions_responsible_user_id'))
        batch_op.drop_index(batch_op.f('ix_action_plan_actions_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_action_plan_actions_goal_id'))
        batch_op.drop_index(batch_op.f('ix_action_plan_actions_case_id'))

    op.drop_table('action_plan_actions')

    with op.batch_alter_table('action_plan_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_goals_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_action_plan_goals_case_id'))

    op.drop_table('action_plan_goals')

    with op.batch_alter_table('protection_measures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_protection_measures_review_on'))
        batch_op.drop_index(batch_op.f('ix_protection_measures_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_protection_measures_case_id'))

    op.drop_table('protection_measures')

    with op.batch_alter_table('relocation_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relocation_steps_plan_id'))
        batch_op.drop_index(batch_op.f('ix_relocation_steps_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_relocation_steps_due_on'))
        batch_op.drop_index(batch_op.f('ix_relocation_steps_case_id'))

    op.drop_table('relocation_steps')

    with op.batch_alter_table('relocation_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relocation_plans_state'))
        batch_op.drop_index(batch_op.f('ix_relocation_plans_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_relocation_plans_case_id'))

    op.drop_table('relocation_plans')
