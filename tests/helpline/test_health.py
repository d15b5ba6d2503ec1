"""Liveness and readiness."""

from __future__ import annotations

from sqlalchemy import text


async def test_healthz_answers(client):
    response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_readyz_is_ok_at_the_head_revision(client):
    assert (await client.get("/readyz")).status_code == 200


async def test_readyz_is_503_when_migrations_are_behind(client, admin_engine):
    async with admin_engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'old'"))
    response = await client.get("/readyz")
    assert response.status_code == 503 and response.json()["migrations"] == "behind"


async def test_start_up_configures_the_mappers_and_freezes_what_it_built(app, monkeypatch):
    import gc

    from helpline import app as app_module

    configured = []
    monkeypatch.setattr(app_module, "configure_mappers", lambda: configured.append(True))
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            assert configured == [True]
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process's objects go back to the collector
