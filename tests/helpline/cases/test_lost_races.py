"""A transaction that PostgreSQL aborts because a concurrent one won (deadlock, serialization
failure) is run again from the start with the same body (helpline.db.DBSessionMiddleware); one
that loses every time is a 503 with Retry-After, never a 500, and nothing of it is kept."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select, text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from helpline.cases import service
from helpline.db import REQUEST_ATTEMPTS, DBSessionMiddleware, create_engine, session_factory
from helpline.models import AuditEvent, Case
from tests.conftest import csrf_from, login
from tests.helpline.cases.test_api import INTAKE

pytestmark = pytest.mark.parametrize("engine_kind", ["postgresql"])

# PostgreSQL's own error, with its SQLSTATE, through the real driver.
LOSE_A_RACE = text(
    "DO $$ BEGIN RAISE EXCEPTION 'lost a race' USING ERRCODE = 'serialization_failure'; END $$"
)


def _lose_the_first(monkeypatch, races: int) -> list[int]:
    """Make opening a case fail ``races`` times after it has written the case row."""
    attempts: list[int] = []
    add_interview = service._add_interview

    async def losing(deps, case, data):  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) <= races:
            await deps.db.execute(LOSE_A_RACE)
        await add_interview(deps, case, data)

    monkeypatch.setattr(service, "_add_interview", losing)
    return attempts


def _as_a_server_does(app) -> httpx.AsyncClient:
    """A client that gets the response the server sends for an error (Starlette also re-raises
    it, for the server's log)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="https://testserver")


async def _created(world) -> tuple[int, int]:
    cases = await world.scalar(select(func.count()).select_from(Case))
    audits = await world.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "case.created")
    )
    return cases, audits


async def test_a_request_that_lost_a_race_is_run_again_and_saved_once(
    client, cases, world, monkeypatch
):
    attempts = _lose_the_first(monkeypatch, races=1)
    response = await client.post(
        "/api/v1/cases", json=INTAKE, headers=await world.bearer(cases.officer.id)
    )
    assert response.status_code == 201, response.text
    assert len(attempts) == 2
    assert await _created(world) == (1, 1)
    assert (await world.scalar(select(Case.reference))) == response.json()["reference"]


async def test_a_request_that_loses_every_race_is_a_503_and_keeps_nothing(
    app, cases, world, monkeypatch
):
    attempts = _lose_the_first(monkeypatch, races=REQUEST_ATTEMPTS)
    async with _as_a_server_does(app) as client:
        response = await client.post(
            "/api/v1/cases", json=INTAKE, headers=await world.bearer(cases.officer.id)
        )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"] == "temporarily_unavailable"
    assert len(attempts) == REQUEST_ATTEMPTS
    assert await _created(world) == (0, 0)


async def test_the_page_says_in_swedish_that_nothing_was_saved(
    app, cases, world, monkeypatch
):
    async with _as_a_server_does(app) as client:
        await login(client, cases.officer)
        form = await client.get("/intake/new")
        _lose_the_first(monkeypatch, races=REQUEST_ATTEMPTS)
        response = await client.post("/intake", data={
            **INTAKE, "csrf_token": csrf_from(form.text)})
    assert response.status_code == 503
    assert "ingenting sparades" in response.text and "Retry-After" in response.headers
    assert "lost a race" not in response.text and "Traceback" not in response.text
    assert await _created(world) == (0, 0)


# A real deadlock, between a request and another connection, on a bare app.

async def test_a_request_chosen_as_a_deadlock_victim_is_run_again_with_its_body(database_url):
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    async with engine.begin() as setup:
        await setup.execute(text("CREATE TABLE race_rows (id int PRIMARY KEY, note text)"))
        await setup.execute(text("INSERT INTO race_rows VALUES (1, ''), (2, '')"))
    request_holds_row_1, other_holds_row_2 = asyncio.Event(), asyncio.Event()
    bodies: list[bytes] = []

    async def update_1_then_2(request: Request) -> PlainTextResponse:
        body = await request.body()
        bodies.append(body)
        db = request.state.db
        await db.execute(text("UPDATE race_rows SET note = :n WHERE id = 1"), {"n": body.decode()})
        if len(bodies) == 1:  # only the first attempt meets the other connection
            request_holds_row_1.set()
            await other_holds_row_2.wait()
        await db.execute(text("UPDATE race_rows SET note = :n WHERE id = 2"), {"n": body.decode()})
        return PlainTextResponse("saved")

    bare = Starlette(
        routes=[Route("/save", update_1_then_2, methods=["POST"])],
        middleware=[Middleware(DBSessionMiddleware, sessions=sessions)],
    )

    async def other_connection_2_then_1() -> None:
        async with engine.begin() as other:
            await other.execute(text("UPDATE race_rows SET note = 'other' WHERE id = 2"))
            await request_holds_row_1.wait()
            other_holds_row_2.set()
            # The request waits for row 2 first, so its deadlock check (deadlock_timeout, 1 s)
            # fires first and PostgreSQL aborts the request's transaction, not this one (with
            # 0.6 s to spare for a slow event loop).
            await asyncio.sleep(0.6)
            await other.execute(text("UPDATE race_rows SET note = 'other' WHERE id = 1"))

    transport = httpx.ASGITransport(app=bare)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response, _ = await asyncio.gather(
                client.post("/save", content=b"Storgatan 1"),
                other_connection_2_then_1(),
            )
        assert response.status_code == 200 and response.text == "saved"
        assert bodies == [b"Storgatan 1", b"Storgatan 1"]
        async with engine.connect() as check:
            notes = (await check.execute(text("SELECT note FROM race_rows ORDER BY id"))).all()
        assert [note for (note,) in notes] == ["Storgatan 1", "Storgatan 1"]
    finally:
        await engine.dispose()
