"""Alembic, run from the application: ``helpline migrate`` and the readiness check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    # The URL travels in attributes, not the ini, so '%' in a password needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def head_revisions(database_url: str = "") -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def _outside_event_loop(work: Callable[[], None]) -> None:
    # Alembic's env.py runs its own event loop; from inside a running loop it needs a thread.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        work()
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(work).result()


def upgrade(database_url: str, revision: str = "heads") -> None:
    _outside_event_loop(lambda: command.upgrade(alembic_config(database_url), revision))


def downgrade(database_url: str, revision: str) -> None:
    _outside_event_loop(lambda: command.downgrade(alembic_config(database_url), revision))


def check(database_url: str) -> None:
    """Raise if the models and the migrated schema differ (``alembic check``)."""
    _outside_event_loop(lambda: command.check(alembic_config(database_url)))


async def is_at_head(db: AsyncSession) -> bool:
    current = (await db.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    return set(current) == head_revisions()
