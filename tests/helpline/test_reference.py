"""The municipality and county table matches SCB's codes (the shared reference files)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpline.models import County, Municipality
from helpline.reference import COUNTIES, MUNICIPALITIES, county_of

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_sweden_has_290_municipalities_in_21_counties():
    assert len(MUNICIPALITIES) == 290 and len(COUNTIES) == 21
    assert {county_of(code) for code in MUNICIPALITIES} == set(COUNTIES)
    assert MUNICIPALITIES["0127"] == "Botkyrka" and MUNICIPALITIES["0181"] == "Södertälje"


def test_unknown_municipality_code_is_refused():
    with pytest.raises(KeyError):
        county_of("9999")


@pytest.mark.skipif(not SHARED.exists(), reason="shared reference files not present")
def test_table_equals_the_shared_reference_files():
    with (SHARED / "kommuner.csv").open(encoding="utf-8") as f:
        kommuner = {r["kommunkod"]: (r["namn"], r["lanskod"]) for r in csv.DictReader(f)}
    with (SHARED / "lan.csv").open(encoding="utf-8") as f:
        lan = {r["lanskod"]: r["namn"] for r in csv.DictReader(f)}
    assert {code: (name, code[:2]) for code, name in MUNICIPALITIES.items()} == kommuner
    assert COUNTIES == lan


async def test_migrations_load_the_table_into_the_database(world):
    assert await world.scalar(select(func.count()).select_from(Municipality)) == 290
    assert await world.scalar(select(func.count()).select_from(County)) == 21
