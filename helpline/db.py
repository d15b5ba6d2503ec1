"""Engine, per-request session and the column types every model shares.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``, foreign keys and
``secure_delete`` on, and every transaction starts with ``BEGIN IMMEDIATE`` so that two writers
queue for the lock instead of failing half-way through an upgrade from a read lock. Within one
process they queue for the engine's single connection; another process's lock is waited for on
the event loop (``helpline.sqlite_driver``).
Only the request boundary (``DBSessionMiddleware``) commits, with two exceptions: incoming
calls are recorded by ``helpline.calls.recorder`` in transactions shared by concurrent calls,
and their requests wait for that commit instead; and a sign-in ends its reading transaction
before it hashes the password (``helpline.auth.service.check_password``), so that it holds no
connection while it waits for a core.
"""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, String, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpline import clock, sqlite_driver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# recursive_triggers: INSERT OR REPLACE deletes the row it replaces, and without this setting
# that delete fires no DELETE trigger, so it would get past the append-only and approved-version
# triggers (audit_events, audit_chain_head, threat_assessments). Nothing in the app uses REPLACE
# or an upsert that deletes, and no trigger writes to its own table.
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
    "PRAGMA recursive_triggers=ON",
)
# How long a transaction waits for another process's write lock (waiting on the event loop:
# see helpline.sqlite_driver).
SQLITE_BUSY_TIMEOUT_SECONDS = 10.0


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def str_enum(kind: type[enum.Enum]) -> Enum:
    """An enum column stored as its string value (no database enum type to migrate)."""
    return Enum(kind, native_enum=False, length=40, validate_strings=True)


def now_utc() -> datetime:
    return clock.now()


def new_id() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every engine; naive input is a programming error."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite drops the offset; everything stored is UTC
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UUIDString(TypeDecorator[str]):
    """UUIDs as 36-character strings: one representation on both engines and in URLs."""

    impl = String(36)
    cache_ok = True


def create_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    """The application's engine. Its errors never quote the statement's parameters
    (``hide_parameters``): they hold what users typed and ciphertexts, and an error's text goes
    to the log (SECURITY.md §9)."""
    if database_url.startswith("sqlite"):
        return _create_sqlite_engine(database_url, **kwargs)
    # Every transaction appends to the audit chain and so queues for its head row's lock. More
    # connections than that queue needs only add waiters: with 15 (SQLAlchemy's default 5 + 10
    # overflow, the overflow ones opened and closed per burst) the webhook benchmark's p99 was
    # 1.1 s at a p50 of 88 ms; with 5 and no overflow, 181 ms at 145 ms. Requests beyond the
    # pool wait in its queue, in order. Processes, not connections, are how this scales.
    kwargs = {"pool_size": 5, "max_overflow": 0, "pool_timeout": 30, **kwargs}
    return create_async_engine(
        database_url, pool_pre_ping=True, hide_parameters=True, **kwargs
    )


def _create_sqlite_engine(database_url: str, **kwargs: Any) -> AsyncEngine:
    path = make_url(database_url).database or ":memory:"

    async def connect() -> sqlite_driver.Connection:
        return await sqlite_driver.Connection.open(
            path, busy_timeout=SQLITE_BUSY_TIMEOUT_SECONDS
        )

    # SQLite has one writer at a time and every transaction here is a writer (BEGIN
    # IMMEDIATE), so one connection: requests then wait for it in the pool's asyncio queue,
    # first come first served, instead of sleeping in SQLite's busy handler (which backs off
    # up to 100 ms a try, so under load the unlucky ones waited seconds). A session holds the
    # connection only from its first statement to its commit or rollback.
    kwargs = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 30, **kwargs}
    engine = create_async_engine(
        database_url, async_creator=connect, hide_parameters=True, **kwargs
    )
    _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver opens connections in autocommit mode: BEGIN comes from _on_begin below.
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


AfterCommit = Callable[[], Awaitable[None]]
# Set in a request's session info when the request may write (any method but GET and HEAD).
WRITE_REQUEST = "helpline.write_request"


# PostgreSQL's answers that mean "this transaction lost a race, run it again": a serialization
# failure and a deadlock. Nothing of the transaction was kept, so a rerun is safe.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Attempts at one request before giving up with 503 (helpline.errors.server_error).
REQUEST_ATTEMPTS = 3


def is_retryable(error: BaseException) -> bool:
    """Whether the database refused the transaction only because a concurrent one won."""
    return (
        isinstance(error, DBAPIError)
        and getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES
    )


class DBSessionMiddleware:
    """One session per HTTP request; commit below status 400, roll back otherwise.

    Pure ASGI (not ``BaseHTTPMiddleware``) so the session lives in the same task as the endpoint.
    The commit happens *before* the response starts, so a failed commit becomes an error instead
    of a success page for lost work. ``request.state.commit_on_error`` keeps a 4xx's writes: only
    for refusals whose sole writes are their audit event and a lockout counter. Work queued
    with ``request.state.after_commit`` runs after the commit.

    A request whose transaction PostgreSQL aborted as a deadlock or serialization failure is run
    again from the start, in a new session with the same body (up to ``REQUEST_ATTEMPTS`` in
    all): nothing of the aborted attempt was committed or sent, and its after-commit work is
    dropped with it. So an officer's save that met a concurrent key rotation is saved, not lost
    behind a 500.

    Requests for ``without_session`` (exact paths of endpoints that run their own transactions)
    get no session at all: ``request.state.db`` is then missing, so a use of it fails loudly
    instead of writing outside the endpoint's transactions.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        sessions: async_sessionmaker[AsyncSession],
        without_session: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.sessions = sessions
        self.without_session = without_session

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.without_session:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state_before = dict(state)
        body = _ReplayableBody(receive)
        response_started = False

        async def send_once_started(message: Message) -> None:
            nonlocal response_started
            response_started = True
            await send(message)

        for attempt in range(1, REQUEST_ATTEMPTS + 1):
            # The same state object (outer middleware holds it), reset to what it was on entry.
            state.clear()
            state.update(state_before)
            try:
                await self._attempt(dict(scope), state, body.receive(), send_once_started)
                return
            except Exception as error:
                if response_started or attempt == REQUEST_ATTEMPTS or not is_retryable(error):
                    raise
                logging.getLogger("helpline.db").warning(
                    "request %s: transaction lost a race (%s); running it again, attempt %d of %d",
                    state.get("request_id"), error.orig.sqlstate,  # type: ignore[attr-defined]
                    attempt + 1, REQUEST_ATTEMPTS,
                )

    async def _attempt(
        self, scope: Scope, state: dict[str, Any], receive: Receive, send: Send
    ) -> None:
        async with self.sessions() as session:
            # A request that may change something (see helpline.cases.access.get_readable_case).
            session.info[WRITE_REQUEST] = scope.get("method") not in ("GET", "HEAD", "OPTIONS")
            after_commit: list[AfterCommit] = []
            state["db"] = session
            state["after_commit"] = after_commit
            committed = False

            async def send_wrapper(message: Message) -> None:
                nonlocal committed
                if message["type"] == "http.response.start":
                    # An endpoint may keep a refusal's audit event (and nothing else) on a 4xx.
                    if message["status"] < 400 or state.get("commit_on_error"):
                        await session.commit()
                        committed = True
                    else:
                        await session.rollback()
                await send(message)

            try:
                await self.app(scope, receive, send_wrapper)
            finally:
                if not committed:
                    await session.rollback()
            for job in after_commit if committed else ():
                await _run_after_commit(job)


class _ReplayableBody:
    """The request's body messages, kept as the endpoint reads them so that a rerun reads
    the same body (already bounded by ``BodySizeLimitMiddleware``)."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._seen: list[Message] = []

    def receive(self) -> Receive:
        """A receive for one attempt: what earlier attempts read, then the rest of the stream."""
        replay = iter(list(self._seen))

        async def receive() -> Message:
            kept = next(replay, None)
            if kept is not None:
                return kept
            message = await self._receive()
            if message["type"] == "http.request":
                self._seen.append(message)
            return message

        return receive


async def _run_after_commit(job: AfterCommit) -> None:
    try:
        await job()
    except Exception:  # noqa: BLE001 - a failed side effect must not undo committed work
        logging.getLogger("helpline.after_commit").exception("after-commit job failed")
