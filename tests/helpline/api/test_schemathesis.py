"""Schemathesis over the OpenAPI document, against the real server on both engines.

SECURITY.md's figure "5xx from malformed input: 0" is measured here, with **all** of
Schemathesis' checks on: no server error, and every answer as documented (status codes,
content types, headers, response schemas, Allow on 405), invalid input refused and valid
input accepted. The server is started as an operator starts it, with the demo data; the
path parameters are pinned to real objects of one demo case (created through the API where
the demo has none), so the generated requests reach the handlers instead of stopping at a 404.

The run is deterministic (a fixed seed): what fails in CI fails the same way on a laptop.
``HELPLINE_SCHEMATHESIS_SEED`` and ``HELPLINE_SCHEMATHESIS_EXAMPLES`` explore further.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from twilio.request_validator import RequestValidator

from helpline.calls.telephony import DEMO_LINE
from helpline.models.protection import LocationVaultEntry
from tests.conftest import app_url_for, require
from tests.support.live_server import LiveServer, live_server

TWILIO_TOKEN = "schemathesis-twilio-token-0123456789"
SEED = os.environ.get("HELPLINE_SCHEMATHESIS_SEED", "20261123")
EXAMPLES = os.environ.get("HELPLINE_SCHEMATHESIS_EXAMPLES", "25")
RUN_TIMEOUT = 600  # seconds; a normal run takes well under a minute
# For working on a few operations: a regular expression over their paths.
INCLUDE = os.environ.get("HELPLINE_SCHEMATHESIS_INCLUDE", "")

# Operations that may refuse input the schema allows, with a 422 for a rule JSON Schema cannot
# state (a reference to a row of this case, a date after another date, an identity number's
# checksum). Schemathesis' positive_data_acceptance check is off for these alone, with the rule
# named here; every other check stays on for them.
RULES_BEYOND_THE_SCHEMA: dict[str, str] = {
    "POST /api/v1/cases": "held_at is not in the future; call_id names a call the user may read",
    "POST /api/v1/cases/{case_id}/notes": "corrects_note_id names a note of this case",
    "POST /api/v1/cases/{case_id}/persons":
        "a Swedish number's date, check digit and serial; a birth year within 120 years that "
        "matches the number; relation_to is a person of this case",
    "POST /api/v1/persons/search": "a Swedish number's date, check digit and serial",
    "POST /api/v1/cases/{case_id}/consents":
        "person, guardian and recipients exist; valid_to not before valid_from nor today; "
        "a minor's guardian",
    "POST /api/v1/cases/{case_id}/conditions": "signed_on is not after today",
    "POST /api/v1/cases/{case_id}/conditions/breaches":
        "the condition is in the current agreement; occurred_on between signing and today",
    "POST /api/v1/cases/{case_id}/persons/{person_id}/protection":
        "no date in the future; applied_on <= decided_on <= review_on",
    "POST /api/v1/cases/{case_id}/measures":
        "person_id is a person of this case, the organisation exists; ends_on and review_on "
        "not before starts_on",
    "POST /api/v1/cases/{case_id}/measures/{measure_id}":
        "the organisation exists; dates in order and a state's dates, against the stored measure",
    "POST /api/v1/cases/{case_id}/action-plan/goals/{goal_id}/actions":
        "the organisation exists; responsible_user_id is a user who may read the case",
    "POST /api/v1/cases/{case_id}/action-plan/actions/{action_id}":
        "the organisation exists; responsible_user_id is a user who may read the case",
    "POST /api/v1/cases/{case_id}/relocation-plans/{plan_id}/steps":
        "due_on not before the plan's start; the organisation exists; one step of each kind",
    "POST /api/v1/cases/{case_id}/relocation-plans/{plan_id}/steps/{step_id}":
        "due_on not before the plan's start; the organisation exists",
    "POST /api/v1/calls/{call_id}/complete":
        "case_id names a case of the organisation; the summary must not look like an address",
}


class _Api:
    def __init__(self, server: LiveServer, token: str) -> None:
        self.client = httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, json=body)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        return response.json()


def _token(server: LiveServer, email: str) -> str:
    out = server.run("token", "create", "--user", email, "--name", "schemathesis")
    return out.rsplit("token (shown once):", 1)[1].split()[0]


def _incoming_call(server: LiveServer) -> None:
    """One call to the demo line, signed exactly as Twilio signs it."""
    url = server.url("/twilio/voice")
    params = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+46701740611", "To": DEMO_LINE,
              "AccountSid": "AC" + "0" * 32, "CallStatus": "ringing"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    response = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.text


def _path_parameters(server: LiveServer, api: _Api) -> dict[str, str]:
    """Real objects for every path parameter of the document but the vault entry (see
    _vault_entry): one active demo case and what hangs off it; the demo has no plan, measure,
    goal or call, so they are made here."""
    case = next(c for c in api.get("/api/v1/cases")["cases"] if c["state"] == "ACTIVE")
    base = f"/api/v1/cases/{case['id']}"
    me = api.get("/api/v1/me")
    organisation = me["organisation"]["id"]
    person = next(p for p in api.get(f"{base}/persons")["persons"] if p["role"] == "DEFECTOR")
    consent = api.get(f"{base}/consents")["consents"][0]
    version = api.get(f"{base}/threats")["versions"][-1]["version"]
    today = api.get("/api/v1/reminders")["today"]
    plan = api.post(f"{base}/relocation-plans", {
        "from_municipality": "0180", "target_municipality": "0127", "starts_on": today})
    step = api.post(f"{base}/relocation-plans/{plan['id']}/steps", {
        "kind": "EMERGENCY_HOUSING", "responsible_organisation_id": organisation,
        "due_on": today})
    measure = api.post(f"{base}/measures", {
        "kind": "SAFETY_ALARM", "responsible_organisation_id": organisation,
        "state": "IN_PLACE", "starts_on": today})
    goal = api.post(f"{base}/action-plan/goals", {"life_area": "HOUSING",
                                                   "description": "Eget kontrakt"})
    action = api.post(f"{base}/action-plan/goals/{goal['id']}/actions", {
        "description": "Ansök om bostad", "responsible_organisation_id": organisation})
    _incoming_call(server)
    call = api.get("/api/v1/calls")["calls"][0]
    return {
        "case_id": case["id"], "person_id": person["id"], "consent_id": consent["id"],
        "version": str(version), "plan_id": plan["id"], "step_id": step["id"],
        "measure_id": measure["id"], "goal_id": goal["id"], "action_id": action["id"],
        "call_id": call["id"],
    }


async def _vault_entry(database_url: str, case_id: str) -> str:
    """The demo case's vault entry (no API lists entries: the vault shows labels only)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            return str((await connection.execute(
                select(LocationVaultEntry.id).where(LocationVaultEntry.case_id == case_id)
            )).scalar_one())
    finally:
        await engine.dispose()


def _config(path: Path, token: str, parameters: dict[str, str]) -> Path:
    # Every check, named in the file rather than with --checks (a check named on the command
    # line would win over the per-operation exceptions below).
    lines = [f'headers = {{ Authorization = "Bearer {token}" }}', "", "[checks]",
             "enabled = true", "", "[parameters]"]
    lines += [f'"path.{name}" = "{value}"' for name, value in sorted(parameters.items())]
    for operation in sorted(RULES_BEYOND_THE_SCHEMA):
        lines += ["", "[[operations]]", f'include-name = "{operation}"',
                  "checks.positive_data_acceptance.enabled = false"]
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_the_api_answers_as_its_openapi_document_says(
    database_url: str, tmp_path: Path
) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    require(schemathesis is not None, "Schemathesis (the test extras)")
    assert schemathesis is not None
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with live_server(
        data_dir, database_url=database_url, serve_database_url=app_url_for(database_url),
        migrate=False, HELPLINE_TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
    ) as server:
        token = _token(server, "supervisor@polis.example")  # every case permission there is
        parameters = _path_parameters(server, _Api(server, token))
        parameters["entry_id"] = await _vault_entry(database_url, parameters["case_id"])
        config = _config(tmp_path / "schemathesis.toml", token, parameters)
        document = httpx.get(server.url("/api/v1/openapi.json")).json()
        result = subprocess.run(
            [schemathesis, "--config-file", str(config), "--no-color", "run",
             server.url("/api/v1/openapi.json"), "--seed", SEED,
             "--max-examples", EXAMPLES, "--workers", "1", "--max-failures", "100",
             *(["--include-path-regex", INCLUDE] if INCLUDE else [])],
            capture_output=True, text=True, timeout=RUN_TIMEOUT, cwd=tmp_path,
        )
        log = server.log_tail(60)
    assert result.returncode == 0, f"{result.stdout[-30000:]}\n{result.stderr}\n{log}"
    if not INCLUDE:  # every operation of the document was run, none skipped for an error
        # Schemathesis leaves out the operation that serves the document it was loaded from.
        operations = sum(len(methods) for methods in document["paths"].values()) - 1
        assert f"Tested: {operations}" in result.stdout, result.stdout[-3000:]
        # And every operation got past its 404s to the handler's own logic.
        assert "Missing test data" not in result.stdout, result.stdout[-3000:]
