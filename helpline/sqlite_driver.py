"""SQLite for SQLAlchemy's asyncio engine, run on the event loop's own thread.

SQLAlchemy's ``sqlite+aiosqlite`` dialect is kept (its SQL, types and adapter classes); only the
connection under it is this module's, handed over with ``create_async_engine(async_creator=)``.

Why not aiosqlite itself: aiosqlite (like sqlite-anyio) sends every call to a worker thread and
back. On the 2-core machines this runs on one round trip costs about 120 µs, and SQLAlchemy
makes two to four per statement, while the statements of this application take 10–50 µs in
SQLite. Profiling the Twilio voice webhook showed ~14 ms of a ~15 ms request spent this way.
No maintained library runs SQLite for SQLAlchemy's async engine without a thread, so this is
written here; it is small because SQLAlchemy's adapter does the DBAPI work.

Why blocking the loop is acceptable:
- The engine keeps one connection (see ``helpline.db.create_engine``): SQLite allows one writer
  and every transaction here is a writer, so statements could not run in parallel anyway.
- The one thing that can wait long is another *process* holding the write lock (a CLI command,
  a second server). SQLite's own busy handler would sleep on the loop thread, so it is off
  (``timeout=0``); a statement refused with SQLITE_BUSY outside a transaction (in practice
  ``BEGIN IMMEDIATE``) is retried after ``asyncio.sleep``, so other requests go on meanwhile,
  until ``busy_timeout`` has passed. Inside a transaction SQLITE_BUSY is raised: the transaction
  already holds the write lock, so it cannot come from waiting for it.
- What stays on the loop is SQLite's own work on each statement; the commit, whose fsync takes
  a few milliseconds, goes to a worker thread (one round trip per transaction).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_FIRST_RETRY_DELAY = 0.001
_MAX_RETRY_DELAY = 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class Cursor:
    """The awaitable cursor SQLAlchemy's adapter expects; every method completes at once."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._cursor = connection.open_raw().cursor()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        await self._connection.run(lambda: self._cursor.execute(operation, parameters))
        return self

    async def executemany(self, operation: str, seq_of_parameters: Any) -> Cursor:
        await self._connection.run(lambda: self._cursor.executemany(operation, seq_of_parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class Connection:
    """One ``sqlite3`` connection in autocommit mode (SQLAlchemy and the ``begin`` event issue
    BEGIN themselves), with the busy wait moved from SQLite's handler to the event loop."""

    def __init__(self, raw: sqlite3.Connection, *, busy_timeout: float) -> None:
        self.raw: sqlite3.Connection | None = raw
        self.busy_timeout = busy_timeout

    @classmethod
    async def open(cls, path: str, *, busy_timeout: float = 10.0) -> Connection:
        # timeout=0: SQLite's busy handler must never sleep on the event loop's thread.
        # check_same_thread=False only because a garbage-collected connection may be closed
        # by the collector on another thread; all statements run on the loop's thread.
        raw = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
        connection = cls(raw, busy_timeout=busy_timeout)
        return connection

    @property
    def _connection(self) -> sqlite3.Connection | None:
        # SQLAlchemy's aiosqlite adapter looks here to know whether the connection is open.
        return self.raw

    @property
    def isolation_level(self) -> str | None:
        return self.open_raw().isolation_level

    def open_raw(self) -> sqlite3.Connection:
        if self.raw is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return self.raw

    async def run(self, statement: Callable[[], T]) -> T:
        """Run one call; on SQLITE_BUSY outside a transaction, wait on the loop and retry."""
        deadline: float | None = None
        delay = _FIRST_RETRY_DELAY
        while True:
            try:
                return statement()
            except sqlite3.OperationalError as error:
                if not _is_busy(error) or self.open_raw().in_transaction:
                    raise
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + self.busy_timeout
                if now >= deadline:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_DELAY)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        # SQLAlchemy's SQLite dialect registers REGEXP this way.
        self.open_raw().create_function(*args, **kwargs)

    def cursor(self) -> Cursor:
        return Cursor(self)

    async def execute(self, operation: str, parameters: Any = ()) -> Cursor:
        cursor = self.cursor()
        return await cursor.execute(operation, parameters)

    async def commit(self) -> None:
        # The commit's fsync (synchronous=FULL) is the one slow call: a few milliseconds on
        # these disks. It runs on a worker thread (sqlite3 releases the GIL there), so other
        # requests go on with their own work meanwhile; the connection stays this session's.
        # Cancelled meanwhile (a shutdown), the task still waits for the commit to finish:
        # nothing may touch the connection while the worker thread is using it.
        commit = asyncio.ensure_future(asyncio.to_thread(self.open_raw().commit))
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            while not commit.done():
                try:
                    await asyncio.shield(commit)
                except asyncio.CancelledError:
                    continue
            raise

    async def rollback(self) -> None:
        await self.run(self.open_raw().rollback)

    async def close(self) -> None:
        if self.raw is not None:
            raw, self.raw = self.raw, None
            raw.close()

    def stop(self) -> None:
        """Forced close (SQLAlchemy's terminate); never raises."""
        if self.raw is not None:
            raw, self.raw = self.raw, None
            try:
                raw.close()
            except sqlite3.Error:  # already unusable: nothing more to release
                pass
