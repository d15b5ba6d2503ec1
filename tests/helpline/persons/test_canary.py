"""Canary: names and numbers entered through the API never reach the database files or logs.

It reads the raw SQLite database file and its WAL, so it runs on the embedded default only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline import clock as clock_module
from tests.helpline.persons.helpers import office, pnr, token


@pytest.fixture(params=["sqlite"])
def engine_kind(request) -> str:  # the raw files read below exist on SQLite only
    return request.param


async def test_canary_names_and_numbers_never_reach_the_database_files_or_logs(client, world, app,
                                                                         engine_kind, caplog):
    caplog.set_level("DEBUG")  # every logger, every level: the logs must not carry them either
    o = await office(world)
    auth = await token(world, o.officer.id)
    name, family, number = "Kanarieqvist", "Fågelsångare", pnr("19770707", "789")
    notes, foreign = "Anteckning-kanarie-xyz", "CANARY-PASS-4711"
    created = await client.post(f"/api/v1/cases/{o.case_id}/persons", headers=auth, json={
        "role": "DEFECTOR", "given_name": name, "family_name": family,
        "id_type": "PERSONNUMMER", "id_number": number, "notes": notes})
    assert created.status_code == 201
    await client.post(f"/api/v1/cases/{o.case_id}/persons", headers=auth, json={
        "role": "RELATIVE", "id_type": "FOREIGN", "id_number": foreign})
    await client.post(f"/api/v1/cases/{o.case_id}/conditions", headers=auth, json={
        "signed_on": clock_module.today().isoformat(), "conditions": ["NO_CRIME"]})
    await client.post(f"/api/v1/cases/{o.case_id}/conditions/breaches", headers=auth, json={
        "occurred_on": clock_module.today().isoformat(), "condition": "NO_CRIME",
        "consequence": "WARNING", "description": "Breach-kanarie-abc"})
    await client.post("/api/v1/persons/search", headers=auth,
                      json={"number": number, "purpose": "Kanariesyfte"})
    url = str(app.state.engine.url.database)
    files = [Path(url), Path(url + "-wal"), Path(url + "-journal")]
    files += list(Path(app.state.settings.data_dir).rglob("*"))
    raw = b"".join(f.read_bytes() for f in files if f.is_file())
    assert raw  # the database was found
    assert b"Kanariesyfte" in raw  # the search purpose is audited in clear: the files are read
    logged = caplog.text
    assert logged  # something was logged, so the check below reads real log output
    for canary in (name, family, notes, foreign, number, number.replace("-", ""),
                   "19770707", "Breach-kanarie-abc"):
        for encoding in ("utf-8", "utf-16-le"):
            assert canary.encode(encoding) not in raw, canary
        assert canary not in logged, canary
