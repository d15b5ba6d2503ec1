"""Cases: team, timeline, persons, intake, consent, conditions, notes, threat assessments.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 02:45:56.992392+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0003'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('state', sa.Enum('CONTACT', 'INTAKE_BOOKED', 'ASSESSMENT', 'ACTIVE', 'HANDOVER_PENDING', 'HANDED_OVER', 'CLOSED', 'REFERRED', 'NOT_ELIGIBLE', name='casestate', native_enum=False, length=40), nullable=False),
    sa.Column('milieu', sa.Enum('CRIMINAL_NETWORK', 'VIOLENT_EXTREMISM', 'HONOUR_RELATED', 'OTHER_ORGANISED_CRIME', name='milieu', native_enum=False, length=40), nullable=True),
    sa.Column('referral_source', sa.Enum('HELPLINE', 'SWITCHBOARD', 'SOCIAL_SERVICES', 'PRISON_PROBATION', 'OTHER_AUTHORITY', 'WALK_IN', name='referralsource', native_enum=False, length=40), nullable=True),
    sa.Column('responsible_officer_id', sa.String(length=36), nullable=False),
    sa.Column('definition_met', sa.Boolean(), nullable=True),
    sa.Column('threat_documented', sa.Boolean(), nullable=True),
    sa.Column('motivated', sa.Boolean(), nullable=True),
    sa.Column('is_witness', sa.Boolean(), nullable=True),
    sa.Column('is_adult', sa.Boolean(), nullable=True),
    sa.Column('municipality_led', sa.Boolean(), nullable=False),
    sa.Column('exit_reason', sa.String(length=40), nullable=True),
    sa.Column('closure_reason', sa.String(length=40), nullable=True),
    sa.Column('closure_requested_by_id', sa.String(length=36), nullable=True),
    sa.Column('emergency_protection_by_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_entry_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closure_requested_by_id'], ['users.id'], name=op.f('fk_cases_closure_requested_by_id_users')),
    sa.ForeignKeyConstraint(['emergency_protection_by_id'], ['users.id'], name=op.f('fk_cases_emergency_protection_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_cases_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['responsible_officer_id'], ['users.id'], name=op.f('fk_cases_responsible_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('reference', name=op.f('uq_cases_reference'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_responsible_officer_id'), ['responsible_officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=40), nullable=True),
    sa.Column('to_state', sa.String(length=40), nullable=True),
    sa.Column('reason_code', sa.String(length=40), nullable=True),
    sa.Column('reason_enc', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_case_events_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_events_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('case_team_members',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_team_members_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_case_team_members_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_team_members_user_id_users')),
    sa.PrimaryKeyConstraint('case_id', 'user_id', name=op.f('pk_case_team_members'))
    )
    with op.batch_alter_table('case_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_team_members_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_team_members_user_id'), ['user_id'], unique=False)

    op.create_table('conditions_agreements',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('conditions', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_conditions_agreements_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_conditions_agreements_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_conditions_agreements_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conditions_agreements'))
    )
    with op.batch_alter_table('conditions_agreements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conditions_agreements_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conditions_agreements_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('intake_interviews',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('call_id', sa.String(length=36), nullable=True),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('participants', sa.JSON(), nullable=False),
    sa.Column('motivation', sa.String(length=20), nullable=False),
    sa.Column('suitability', sa.String(length=20), nullable=False),
    sa.Column('information_given', sa.JSON(), nullable=False),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_by_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_intake_interviews_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_intake_interviews_created_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_intake_interviews_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_interviews'))
    )
    with op.batch_alter_table('intake_interviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_interviews_call_id'), ['call_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_interviews_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_interviews_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('notes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('body_enc', sa.LargeBinary(), nullable=False),
    sa.Column('corrects_note_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_notes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['corrects_note_id'], ['notes.id'], name=op.f('fk_notes_corrects_note_id_notes')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_notes_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notes'))
    )
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notes_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('persons',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.Enum('DEFECTOR', 'RELATIVE', name='personrole', native_enum=False, length=40), nullable=False),
    sa.Column('pseudonym', sa.String(length=40), nullable=False),
    sa.Column('given_name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('family_name_enc', sa.LargeBinary(), nullable=True),
    sa.Column('id_type', sa.Enum('PERSONNUMMER', 'SAMORDNINGSNUMMER', 'NONE', 'FOREIGN', name='idtype', native_enum=False, length=40), nullable=False),
    sa.Column('id_number_enc', sa.LargeBinary(), nullable=True),
    sa.Column('id_index', sa.LargeBinary(length=32), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('interpreter_needed', sa.Boolean(), nullable=False),
    sa.Column('interpreter_language', sa.String(length=40), nullable=True),
    sa.Column('notes_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_persons_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_persons_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_persons'))
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_persons_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_persons_organisation_id_id_index', ['organisation_id', 'id_index'], unique=False)

    op.create_table('threat_assessments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('DRAFT', 'SUBMITTED', 'APPROVED', 'RETURNED', 'SUPERSEDED', name='assessmentstate', native_enum=False, length=40), nullable=False),
    sa.Column('overall_level', sa.Enum('LOW', 'MODERATE', 'HIGH', name='threatlevel', native_enum=False, length=40), nullable=True),
    sa.Column('acute', sa.Boolean(), nullable=False),
    sa.Column('author_id', sa.String(length=36), nullable=False),
    sa.Column('reviewer_id', sa.String(length=36), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_due_on', sa.Date(), nullable=True),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('content_enc', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_threat_assessments_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_threat_assessments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_threat_assessments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_threat_assessments_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_threat_assessments')),
    sa.UniqueConstraint('case_id', 'version', name=op.f('uq_threat_assessments_case_id'))
    )
    with op.batch_alter_table('threat_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_threat_assessments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_threat_assessments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_threat_assessments_state'), ['state'], unique=False)

    op.create_table('condition_breaches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('agreement_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('condition', sa.String(length=40), nullable=False),
    sa.Column('consequence', sa.String(length=40), nullable=False),
    sa.Column('description_enc', sa.LargeBinary(), nullable=True),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['conditions_agreements.id'], name=op.f('fk_condition_breaches_agreement_id_conditions_agreements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_condition_breaches_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_condition_breaches_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_condition_breaches_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_condition_breaches'))
    )
    with op.batch_alter_table('condition_breaches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_condition_breaches_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_condition_breaches_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_condition_breaches_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('consents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('GIVEN', 'REFUSED', 'REVOKED', 'SUPERSEDED', name='consentstate', native_enum=False, length=40), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('recipient_organisation_ids', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('purposes', sa.JSON(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('guardian_person_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.String(length=36), nullable=True),
    sa.Column('revocation_method', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_consents_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['guardian_person_id'], ['persons.id'], name=op.f('fk_consents_guardian_person_id_persons')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consents_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_consents_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_consents_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_consents_revoked_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consents')),
    sa.UniqueConstraint('person_id', 'version', name=op.f('uq_consents_person_id'))
    )
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consents_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consents_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('person_relations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('related_person_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.Enum('PARTNER', 'CHILD', 'PARENT', 'SIBLING', 'GUARDIAN', name='relationkind', native_enum=False, length=40), nullable=False),
    sa.Column('lives_with', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_person_relations_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_person_relations_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_relations_person_id_persons'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_person_id'], ['persons.id'], name=op.f('fk_person_relations_related_person_id_persons'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_relations')),
    sa.UniqueConstraint('person_id', 'related_person_id', 'kind', name=op.f('uq_person_relations_person_id'))
    )
    with op.batch_alter_table('person_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_relations_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_relations_organisation_id'), ['organisation_id'], unique=False)


    if op.get_bind().dialect.name == "postgresql":
        _enable_row_level_security()


# Row-level security (SECURITY.md §1). The application connects as a role that is a member of
# helpline_app: it neither owns these tables nor bypasses RLS, and FORCE applies the policies to
# the owner too. Every table with an organisation_id column is isolated by organisation.
APP_ROLE = "helpline_app"
ORG = "current_setting('helpline.organisation_id', true)"
LOOKUP = "current_setting('helpline.identity_lookup', true) = 'on'"
# Set only by `helpline audit verify`, which checks the whole chain across organisations.
AUDIT_ALL = "current_setting('helpline.audit_all', true) = 'on'"
CASE_TABLES = (
    "cases", "case_team_members", "case_events", "persons", "person_relations",
    "intake_interviews", "consents", "conditions_agreements", "condition_breaches", "notes",
    "threat_assessments",
)
POLICIES = {
    **{table: (f"organisation_id = {ORG}", f"organisation_id = {ORG}") for table in CASE_TABLES},
    "units": (f"organisation_id = {ORG} OR {LOOKUP}", f"organisation_id = {ORG}"),
    "users": (f"organisation_id = {ORG} OR {LOOKUP}", f"organisation_id = {ORG} OR {LOOKUP}"),
    # Anyone may append an event; an organisation reads the events about it or by its users.
    "audit_events": (
        f"organisation_id = {ORG} OR actor_organisation_id = {ORG} OR {AUDIT_ALL}", "true"
    ),
}


def _enable_row_level_security() -> None:
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
        f"THEN CREATE ROLE {APP_ROLE} NOLOGIN NOBYPASSRLS; END IF; END $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    # The audit log is append-only for the application (triggers stop the owner too).
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {APP_ROLE}")
    for table, (using, check) in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_by_organisation ON {table} USING ({using}) WITH CHECK ({check})"
        )


def _disable_row_level_security() -> None:
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {table}_by_organisation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _disable_row_level_security()
    with op.batch_alter_table('person_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_relations_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_person_relations_case_id'))

    op.drop_table('person_relations')
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consents_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consents_case_id'))

    op.drop_table('consents')
    with op.batch_alter_table('condition_breaches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_condition_breaches_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_condition_breaches_case_id'))
        batch_op.drop_index(batch_op.f('ix_condition_breaches_agreement_id'))

    op.drop_table('condition_breaches')
    with op.batch_alter_table('threat_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_threat_assessments_state'))
        batch_op.drop_index(batch_op.f('ix_threat_assessments_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_threat_assessments_case_id'))

    op.drop_table('threat_assessments')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_organisation_id_id_index')
        batch_op.drop_index(batch_op.f('ix_persons_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_persons_case_id'))

    op.drop_table('persons')
    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notes_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_notes_case_id'))

    op.drop_table('notes')
    with op.batch_alter_table('intake_interviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_interviews_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_intake_interviews_case_id'))
        batch_op.drop_index(batch_op.f('ix_intake_interviews_call_id'))

    op.drop_table('intake_interviews')
    with op.batch_alter_table('conditions_agreements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conditions_agreements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_conditions_agreements_case_id'))

    op.drop_table('conditions_agreements')
    with op.batch_alter_table('case_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_team_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_case_team_members_organisation_id'))

    op.drop_table('case_team_members')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_state'))
        batch_op.drop_index(batch_op.f('ix_cases_responsible_officer_id'))
        batch_op.drop_index(batch_op.f('ix_cases_organisation_id'))

    op.drop_table('cases')
