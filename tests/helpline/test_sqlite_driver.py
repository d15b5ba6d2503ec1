"""The embedded database's driver (helpline.sqlite_driver) under SQLAlchemy's async engine:
statements on the loop's thread, one pooled connection, and a wait for another process's write
lock that yields to the event loop instead of blocking it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from helpline import sqlite_driver
from helpline.db import create_engine, session_factory


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield engine
    await engine.dispose()


def _other_process_connection(engine: AsyncEngine) -> sqlite3.Connection:
    """A connection of its own, as another process (a CLI command, a second server) has."""
    path = engine.url.database
    assert path is not None
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


class Ticker:
    """Counts event loop turns while a test waits: a blocked loop does not count."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.005)
            self.ticks += 1

    def __enter__(self) -> Ticker:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_statements_run_on_the_event_loop_thread(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        raw = (await connection.get_raw_connection()).driver_connection
        assert isinstance(raw, sqlite_driver.Connection)
        assert raw.raw is not None
        raw.raw.create_function("thread_id", 0, threading.get_ident)
        thread = (await connection.execute(text("SELECT thread_id()"))).scalar_one()
    assert thread == threading.get_ident()


async def test_pragmas_and_autocommit_mode(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        pragmas = {
            name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys", "secure_delete",
                         "busy_timeout")
        }
    # synchronous 2 = FULL; busy_timeout 0: SQLite's handler never sleeps on the loop.
    assert pragmas == {
        "journal_mode": "wal", "synchronous": 2, "foreign_keys": 1, "secure_delete": 1,
        "busy_timeout": 0,
    }


async def test_commit_is_durable_and_rollback_discards(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as db, db.begin():
        await db.execute(text("INSERT INTO t (id, v) VALUES (1, 'kept')"))
    async with sessions() as db:
        async with db.begin():
            await db.execute(text("INSERT INTO t (id, v) VALUES (2, 'dropped')"))
            await db.rollback()
    other = _other_process_connection(engine)
    try:
        assert other.execute("SELECT id, v FROM t").fetchall() == [(1, "kept")]
    finally:
        other.close()


async def test_one_connection_serves_sessions_in_turn(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    order: list[str] = []
    first_has_begun = asyncio.Event()

    async def first() -> None:
        async with sessions() as db, db.begin():
            await db.execute(text("INSERT INTO t (id, v) VALUES (1, 'first')"))
            first_has_begun.set()
            await asyncio.sleep(0.1)  # the second session waits for the connection meanwhile
            order.append("first commits")

    async def second() -> None:
        await first_has_begun.wait()
        async with sessions() as db, db.begin():
            # Its first statement waits for the connection, so it sees the first's row.
            count = (await db.execute(text("SELECT count(*) FROM t"))).scalar_one()
            order.append("second runs")
            assert count == 1
            await db.execute(text("INSERT INTO t (id, v) VALUES (2, 'second')"))

    await asyncio.gather(first(), second())
    assert order == ["first commits", "second runs"]


async def test_waiting_for_another_process_lock_does_not_block_the_loop(
    engine: AsyncEngine,
) -> None:
    other = _other_process_connection(engine)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    sessions = session_factory(engine)
    try:
        with Ticker() as ticker:
            loop = asyncio.get_running_loop()
            loop.call_later(0.3, other.execute, "COMMIT")
            started = time.monotonic()
            async with sessions() as db, db.begin():
                await db.execute(text("INSERT INTO t (id, v) VALUES (1, 'after the wait')"))
            waited = time.monotonic() - started
        assert waited >= 0.25
        # The loop kept turning while the transaction waited for the lock: a ticker every 5 ms
        # would count ~60; a blocked loop counts at most one. Lenient for a loaded machine.
        assert ticker.ticks >= 5
    finally:
        other.close()
    async with sessions() as db:
        assert (await db.execute(text("SELECT v FROM t"))).scalar_one() == "after the wait"


async def test_lock_held_past_the_busy_timeout_fails_without_blocking(tmp_path: Path) -> None:
    path = str(tmp_path / "busy.db")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    other.execute("BEGIN IMMEDIATE")
    connection = await sqlite_driver.Connection.open(path, busy_timeout=0.2)
    try:
        with Ticker() as ticker:
            started = time.monotonic()
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                await connection.execute("BEGIN IMMEDIATE")
            waited = time.monotonic() - started
        assert 0.2 <= waited < 2
        assert ticker.ticks >= 3  # ~40 on an idle machine; a blocked loop counts at most one
    finally:
        other.execute("ROLLBACK")
        other.close()
        await connection.close()


async def test_busy_inside_a_transaction_is_raised_at_once(tmp_path: Path) -> None:
    """A read transaction that tries to write while another connection writes cannot wait
    its way out (SQLite would refuse it again): the driver raises instead of retrying."""
    path = str(tmp_path / "upgrade.db")
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    setup.close()
    connection = await sqlite_driver.Connection.open(path, busy_timeout=5)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        await connection.execute("BEGIN")  # deferred: a reader until it writes
        await (await connection.execute("SELECT count(*) FROM t")).fetchall()
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (1)")
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError):
            await connection.execute("INSERT INTO t VALUES (2)")
        assert time.monotonic() - started < 1
    finally:
        other.execute("ROLLBACK")
        other.close()
        await connection.close()


async def test_cursor_api_used_by_sqlalchemy(tmp_path: Path) -> None:
    connection = await sqlite_driver.Connection.open(str(tmp_path / "api.db"))
    assert connection.isolation_level is None  # autocommit: BEGIN is issued explicitly
    async with connection.cursor() as cursor:
        await cursor.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        await cursor.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",), ("c",)])
        assert cursor.rowcount == 3
        await cursor.execute("INSERT INTO t (v) VALUES (?)", ("d",))
        assert cursor.lastrowid == 4
        cursor.arraysize = 2
        assert cursor.arraysize == 2
        await cursor.execute("SELECT v FROM t ORDER BY id")
        assert [d[0] for d in cursor.description] == ["v"]
        assert await cursor.fetchone() == ("a",)
        assert await cursor.fetchmany() == [("b",), ("c",)]
        assert await cursor.fetchmany(5) == [("d",)]
        await cursor.execute("SELECT count(*) FROM t")
        assert await cursor.fetchall() == [(4,)]
    await connection.close()
    await connection.close()  # closing twice is harmless
    with pytest.raises(sqlite3.ProgrammingError):
        await connection.commit()
    connection.stop()  # and so is a forced close afterwards


async def test_forced_close_releases_the_connection(tmp_path: Path) -> None:
    connection = await sqlite_driver.Connection.open(str(tmp_path / "stop.db"))
    await connection.execute("CREATE TABLE t (id INTEGER)")
    connection.stop()
    assert connection.raw is None
    with pytest.raises(sqlite3.ProgrammingError):
        await connection.execute("SELECT 1")


class _SlowCommit:
    """The real connection, but its commit takes a while (as an fsync on a slow disk does)."""

    def __init__(self, raw: sqlite3.Connection) -> None:
        self._raw = raw
        self.commit_running = threading.Event()

    def commit(self) -> None:
        self.commit_running.set()
        time.sleep(0.2)
        self._raw.commit()

    def __getattr__(self, name: str) -> object:
        return getattr(self._raw, name)


async def test_a_cancelled_commit_finishes_before_the_connection_is_used_again(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "cancel.db")
    connection = await sqlite_driver.Connection.open(path)
    await connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    await connection.execute("BEGIN IMMEDIATE")
    await connection.execute("INSERT INTO t VALUES (1)")
    assert connection.raw is not None
    slow = _SlowCommit(connection.raw)
    connection.raw = slow  # type: ignore[assignment]
    committing = asyncio.ensure_future(connection.commit())
    while not slow.commit_running.is_set():
        await asyncio.sleep(0.01)
    committing.cancel()
    await asyncio.sleep(0.05)
    committing.cancel()  # cancelled again while it waits for the thread: it still waits
    with pytest.raises(asyncio.CancelledError):
        await committing
    # The cancellation waited for the commit: the transaction is over and the row is there.
    assert not slow.in_transaction
    rows = await (await connection.execute("SELECT id FROM t")).fetchall()
    assert rows == [(1,)]
    await connection.close()


class _BrokenClose:
    def close(self) -> None:
        raise sqlite3.OperationalError("disk I/O error")


def test_a_forced_close_never_raises_even_when_sqlite_does() -> None:
    connection = sqlite_driver.Connection(_BrokenClose(), busy_timeout=1)  # type: ignore[arg-type]
    connection.stop()
    assert connection.raw is None
