"""The one source of "now": timezone-aware UTC. Tests travel in time by replacing ``now``."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
