"""A call's case link becomes a foreign key (the cases table came after the calls table).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 06:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_helpline_calls_case_id_cases"


def upgrade() -> None:
    with op.batch_alter_table("helpline_calls", schema=None) as batch_op:
        batch_op.create_foreign_key(FK_NAME, "cases", ["case_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("helpline_calls", schema=None) as batch_op:
        batch_op.drop_constraint(FK_NAME, type_="foreignkey")
