"""Merge the protection and relocation branches into one line of history.

Revision ID: 0008
Revises: 0006, 0007
Create Date: 2026-11-23 03:50:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | Sequence[str] | None = ("0006", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
