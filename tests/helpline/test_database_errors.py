"""A database error's text goes to the log (helpline.errors.server_error): it must not quote
the statement's parameters, which hold what users typed (SECURITY.md §9)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

CANARY = "Kanarie Canarysson, Storgatan 1"


async def test_a_failing_statement_does_not_quote_its_parameters(app) -> None:
    engine = app.state.engine  # type: ignore[attr-defined]
    async with engine.connect() as connection:
        with pytest.raises(DBAPIError) as failure:
            await connection.execute(
                text("SELECT * FROM no_such_table WHERE name = :name"), {"name": CANARY}
            )
    assert CANARY not in str(failure.value)
    assert "no_such_table" in str(failure.value)  # the statement itself is still named
