"""The one source of "now": timezone-aware UTC. Tests travel in time by replacing ``now``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def now() -> datetime:
    return datetime.now(UTC)


SWEDEN = ZoneInfo("Europe/Stockholm")


def today() -> date:
    """The calendar date in Sweden: consent end dates and due dates are Swedish dates."""
    return now().astimezone(SWEDEN).date()
