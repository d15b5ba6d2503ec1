"""Cases record when they were crypto-shredded (their data keys destroyed).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 04:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE, not a batch (SQLite's batch mode copies the table, and the triggers that
# name ``cases`` would break); SQLite has ADD and DROP COLUMN since 3.35.


def upgrade() -> None:
    op.add_column("cases", sa.Column("shredded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "shredded_at")
