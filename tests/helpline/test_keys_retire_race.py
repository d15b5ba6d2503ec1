"""`helpline keys retire` against a request that wrapped a data key under the old KEK version
just before a rotation and commits after it (PostgreSQL, where the two run side by side)."""

from __future__ import annotations

import asyncio
import threading

import click
import pytest

import crypto
from helpline.cli_admin import keys_retire
from helpline.keys import rotate_kek

pytestmark = pytest.mark.parametrize("engine_kind", ["postgresql"])


async def test_retire_waits_for_a_key_wrapped_under_the_old_version_and_refuses(
    app, world, database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("HELPLINE_ENV", "development")
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_DATA_DIR", str(tmp_path / "data"))  # the app's keyring
    keys = app.state.keys
    keyring = keys.provider
    outcome: dict[str, object] = {}

    def retire() -> None:
        try:
            keys_retire.callback(version=1)
            outcome["result"] = "retired"
        except click.ClickException as refused:
            outcome["result"] = refused.message

    async with world.sessions() as late:
        await late.begin()
        await keys.store_new_key(late, "case:late", crypto.DataKey.generate())  # under v1
        assert keyring.rotate() == 2
        await rotate_kek(world.sessions, keyring)  # every committed key moves to v2
        thread = threading.Thread(target=retire)
        thread.start()
        await asyncio.sleep(1.0)
        assert thread.is_alive()  # waiting for the transaction that holds a v1 key
        await late.commit()
    await asyncio.to_thread(thread.join, 30)
    assert "1 data keys are still wrapped under KEK version 1" in str(outcome["result"])
    assert keyring.versions()[1] == "enabled"
