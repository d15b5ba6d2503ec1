"""Alembic is the only way the schema is made: up, down, up again, and no drift from the models."""

from __future__ import annotations

from sqlalchemy import inspect

from helpline import migrations
from helpline.models import Base


async def _tables(app) -> set[str]:
    async with app.state.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_models_and_migrations_agree(database_url):
    migrations.check(database_url)  # raises on any difference (alembic check)


async def test_downgrade_to_base_and_upgrade_again(app, database_url):
    assert set(Base.metadata.tables) <= await _tables(app)
    migrations.downgrade(database_url, "base")
    assert await _tables(app) <= {"alembic_version"}
    migrations.upgrade(database_url)
    assert set(Base.metadata.tables) <= await _tables(app)
