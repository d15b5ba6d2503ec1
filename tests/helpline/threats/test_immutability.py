"""Approved versions are immutable in the service and in the database itself (both engines)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from helpline.models import Case, ThreatAssessment
from helpline.models.cases import AssessmentState

MIGRATION = Path(__file__).resolve().parents[3] / "alembic/versions/20261123_0005_threats.py"


async def _execute(admin_engine, statement: str, **params) -> None:
    async with admin_engine.begin() as connection:
        await connection.execute(text(statement), params)


async def _approved_case(threats) -> tuple[str, str]:
    case_id = await threats.cases.open()
    number = await threats.approved(case_id)
    return case_id, (await threats.get(case_id, number)).id


@pytest.mark.parametrize("change", [
    "overall_level = 'LOW'",
    "acute = NOT acute",
    "review_due_on = review_due_on",  # even a write of the same value: only superseding passes
    "content_enc = NULL",
    "reviewer_id = author_id",
    "state = 'DRAFT'",
    "state = 'SUPERSEDED', overall_level = 'LOW'",
])
async def test_the_database_refuses_changes_to_an_approved_row(threats, admin_engine, change):
    case_id, row_id = await _approved_case(threats)
    statement = f"UPDATE threat_assessments SET {change} WHERE id = :id"
    with pytest.raises(DBAPIError, match="immutable|four eyes|reviewer"):
        await _execute(admin_engine, statement, id=row_id)
    assessment = await threats.get(case_id, 1)
    assert assessment.state is AssessmentState.APPROVED
    assert assessment.overall_level.value == "HIGH" and assessment.content_enc


async def test_the_content_json_of_an_approved_row_cannot_be_rewritten(threats, admin_engine):
    case_id, row_id = await _approved_case(threats)
    with pytest.raises(DBAPIError, match="immutable"):
        await _execute(admin_engine, "UPDATE threat_assessments SET content = :c WHERE id = :id",
                       c='{"factors": {}}', id=row_id)


async def test_superseding_is_the_one_change_allowed_and_then_nothing(threats, admin_engine):
    _, row_id = await _approved_case(threats)
    await _execute(admin_engine,
                   "UPDATE threat_assessments SET state = 'SUPERSEDED' WHERE id = :id", id=row_id)
    for change in ("state = 'APPROVED'", "overall_level = 'LOW'"):
        with pytest.raises(DBAPIError, match="immutable"):
            await _execute(admin_engine,
                           f"UPDATE threat_assessments SET {change} WHERE id = :id", id=row_id)


async def test_an_approved_row_cannot_be_deleted_while_its_case_exists(threats, admin_engine):
    case_id, row_id = await _approved_case(threats)
    with pytest.raises(DBAPIError, match="immutable"):
        await _execute(admin_engine, "DELETE FROM threat_assessments WHERE id = :id", id=row_id)
    assert await threats.get(case_id, 1) is not None


async def test_deleting_the_whole_case_still_removes_its_assessments(threats, admin_engine, world):
    """Retention and shredding delete a case; its approved assessments must go with it."""
    case_id, _ = await _approved_case(threats)
    second = await threats.approved(case_id, trigger="PERIODIC_REVIEW")  # one SUPERSEDED too
    assert second == 2
    for table in ("case_events", "case_team_members", "intake_interviews"):
        await _execute(admin_engine, f"DELETE FROM {table} WHERE case_id = :id", id=case_id)
    await _execute(admin_engine, "DELETE FROM cases WHERE id = :id", id=case_id)
    assert await world.scalar(select(func.count()).select_from(ThreatAssessment)) == 0
    assert await world.scalar(select(func.count()).select_from(Case)) == 0


async def test_drafts_can_still_be_changed_and_deleted(threats, admin_engine):
    case_id = await threats.cases.open()
    await threats.start(case_id)
    row_id = (await threats.get(case_id, 1)).id
    await _execute(admin_engine,
                   "UPDATE threat_assessments SET overall_level = 'LOW' WHERE id = :id", id=row_id)
    await _execute(admin_engine, "DELETE FROM threat_assessments WHERE id = :id", id=row_id)


async def test_the_database_refuses_an_approved_row_without_a_second_person(threats, admin_engine):
    case_id = await threats.cases.open()
    officer = threats.cases.officer.id
    org = threats.cases.org.id
    insert = (
        "INSERT INTO threat_assessments (id, case_id, organisation_id, version, state, acute, "
        "author_id, reviewer_id, content, created_at) VALUES (:id, :case, :org, 1, 'APPROVED', "
        "false, :author, :reviewer, '{}', CURRENT_TIMESTAMP)"
    )
    for reviewer in (officer, None):
        with pytest.raises(DBAPIError, match="reviewer"):
            await _execute(admin_engine, insert, id="x" * 36, case=case_id, org=org,
                           author=officer, reviewer=reviewer)


async def test_the_sqlite_trigger_lists_every_column(app):
    """SQLite cannot compare whole rows; a column added later must join the trigger's list."""
    spec = importlib.util.spec_from_file_location("migration_0005", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    async with app.state.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda c: [col["name"] for col in inspect(c).get_columns("threat_assessments")])
    assert set(columns) - {"state"} == set(module.SQLITE_COLUMNS)
