"""Threat assessments: approved versions are immutable in the database itself.

The application refuses to edit an approved version; these triggers make the database refuse
it too, for every client (SECURITY.md: a second layer). On UPDATE of an APPROVED row the only
change allowed is state APPROVED → SUPERSEDED with every other column unchanged; a SUPERSEDED
row allows no change at all. A row can only be APPROVED with a reviewer who is not its author
(four eyes, also for rows written directly). DELETE of an approved or superseded row is refused
while its case exists, so a version cannot be deleted and re-inserted with other content; the
cascade when a whole case is deleted (retention, shredding) still works, because the case row is
already gone when its assessments are deleted.

No new tables or columns: ``threat_assessments`` already has row-level security (0003), and the
structured content lives in its ``content`` / ``content_enc`` columns (see helpline/threats).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 04:10:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "threat assessment version is approved and immutable"
FOUR_EYES = "an approved threat assessment needs a reviewer who is not its author"

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION threat_assessments_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('APPROVED', 'SUPERSEDED')
           AND EXISTS (SELECT 1 FROM cases WHERE cases.id = OLD.case_id) THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND (
        OLD.state = 'SUPERSEDED'
        OR (OLD.state = 'APPROVED' AND NOT (
            NEW.state = 'SUPERSEDED'
            -- every column but state unchanged, whatever columns are added later
            AND (to_jsonb(NEW) - 'state') = (to_jsonb(OLD) - 'state')))
    ) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.state = 'APPROVED'
       AND (NEW.reviewer_id IS NULL OR NEW.reviewer_id = NEW.author_id) THEN
        RAISE EXCEPTION '{FOUR_EYES}' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$
"""

# SQLite cannot compare whole rows: the columns are listed. A column added to
# threat_assessments later must be added here too (tests/helpline/threats checks the list).
SQLITE_COLUMNS = (
    "id", "case_id", "organisation_id", "version", "overall_level", "acute", "author_id",
    "reviewer_id", "submitted_at", "approved_at", "review_due_on", "content", "content_enc",
    "created_at",
)
_UNCHANGED = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in SQLITE_COLUMNS)
_FOUR_EYES_SQLITE = (
    "NEW.state = 'APPROVED' AND (NEW.reviewer_id IS NULL OR NEW.reviewer_id = NEW.author_id)"
)

SQLITE_TRIGGERS = {
    "threat_assessments_approved_immutable": f"""
        CREATE TRIGGER threat_assessments_approved_immutable
        BEFORE UPDATE ON threat_assessments
        WHEN OLD.state = 'SUPERSEDED' OR (OLD.state = 'APPROVED' AND NOT (
            NEW.state = 'SUPERSEDED' AND {_UNCHANGED}))
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    "threat_assessments_approved_kept": f"""
        CREATE TRIGGER threat_assessments_approved_kept
        BEFORE DELETE ON threat_assessments
        WHEN OLD.state IN ('APPROVED', 'SUPERSEDED')
             AND EXISTS (SELECT 1 FROM cases WHERE cases.id = OLD.case_id)
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
    """,
    "threat_assessments_four_eyes_insert": f"""
        CREATE TRIGGER threat_assessments_four_eyes_insert
        BEFORE INSERT ON threat_assessments WHEN {_FOUR_EYES_SQLITE}
        BEGIN SELECT RAISE(ABORT, '{FOUR_EYES}'); END
    """,
    "threat_assessments_four_eyes_update": f"""
        CREATE TRIGGER threat_assessments_four_eyes_update
        BEFORE UPDATE ON threat_assessments WHEN {_FOUR_EYES_SQLITE}
        BEGIN SELECT RAISE(ABORT, '{FOUR_EYES}'); END
    """,
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER threat_assessments_guard "
            "BEFORE INSERT OR UPDATE OR DELETE ON threat_assessments "
            "FOR EACH ROW EXECUTE FUNCTION threat_assessments_guard()"
        )
        return
    for statement in SQLITE_TRIGGERS.values():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS threat_assessments_guard ON threat_assessments")
        op.execute("DROP FUNCTION IF EXISTS threat_assessments_guard()")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
