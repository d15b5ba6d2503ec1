"""The case API holds every body to its documented request schema: what the schema allows is
accepted, what it forbids is a 422 naming the field, and a refused body writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from helpline.cases.forms import parse_local_datetime
from helpline.models import Case, CaseEvent, Note
from helpline.models.cases import CaseState
from tests.conftest import csrf_from, login

# The body tests/e2e/test_relocation_browser.py sends: a local time, yes/no as words.
INTAKE = {
    "held_at": "2026-01-10T10:00", "motivation": "HIGH", "suitability": "SUITABLE",
    "definition_met": "yes", "threat_documented": "yes", "is_adult": "yes", "is_witness": "no",
}


async def _bearer(world, user) -> dict[str, str]:
    return await world.bearer(user.id)


async def _count(world, model) -> int:
    return await world.scalar(select(func.count()).select_from(model))


async def test_an_intake_as_the_e2e_test_sends_it_opens_a_case(client, cases, world):
    auth = await _bearer(world, cases.officer)
    response = await client.post("/api/v1/cases", json=INTAKE, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "ASSESSMENT"
    assert body["eligibility"] == {
        "definition_met": True, "threat_documented": True, "is_adult": True,
        "is_witness": False, "motivated": True, "municipality_led": False}
    # Every spelling the parser knows, and "not answered", with an offset and optional lists.
    response = await client.post("/api/v1/cases", headers=auth, json={
        **INTAKE, "held_at": "2026-01-10T10:00:00+01:00", "definition_met": True,
        "threat_documented": "0", "is_adult": "on", "is_witness": "", "milieu": "",
        "referral_source": None, "participants": None, "information_given": ["RELOCATION"],
        "notes": None, "call_id": ""})
    assert response.status_code == 201, response.text
    assert response.json()["eligibility"]["threat_documented"] is False
    assert response.json()["eligibility"]["is_witness"] is None


async def test_a_body_against_the_intake_schema_is_422_and_writes_nothing(
    client, cases, world
):
    auth = await _bearer(world, cases.officer)
    before = await _count(world, Case), await _count(world, CaseEvent)
    response = await client.post("/api/v1/cases", headers=auth, json={
        **INTAKE, "held_at": "2026-02-30T10:00", "motivation": 3, "is_adult": "maybe",
        "milieu": "MAFIA", "participants": "Anna", "information_given": [""]})
    assert response.status_code == 422
    assert response.json() == {"error": "invalid_input", "fields": {
        "held_at": "invalid", "motivation": "invalid_type", "is_adult": "invalid",
        "milieu": "invalid", "participants": "expected_list_of_strings",
        "information_given": "required"}}
    response = await client.post("/api/v1/cases", headers=auth, json={
        **INTAKE, "participants": ["x"] * 21})
    assert response.json()["fields"] == {"participants": "too_long"}
    response = await client.post("/api/v1/cases", headers=auth, json={"held_at": ""})
    assert response.json()["fields"] == {
        "held_at": "required", "motivation": "required", "suitability": "required"}
    assert (await _count(world, Case), await _count(world, CaseEvent)) == before


async def test_a_time_before_the_year_1_in_utc_is_invalid_not_a_server_error(
    client, cases, world
):
    auth = await _bearer(world, cases.officer)
    response = await client.post("/api/v1/cases", headers=auth,
                                 json={**INTAKE, "held_at": "1000-01-01T00:00"})
    assert response.status_code == 201  # within the schema's years, and in the past
    assert parse_local_datetime("0001-01-01T00:30") is None


async def test_transitions_and_notes_hold_their_schemas(client, cases, world):
    case_id = await cases.open()
    auth = await _bearer(world, cases.officer)
    base = f"/api/v1/cases/{case_id}"
    before = await _count(world, CaseEvent), await _count(world, Note)
    response = await client.post(f"{base}/transitions", headers=auth,
                                 json={"to": "ELSEWHERE", "reason": 5})
    assert response.status_code == 422
    assert response.json()["fields"] == {"to": "invalid", "reason": "invalid_type"}
    response = await client.post(f"{base}/transitions", headers=auth,
                                 json={"to": "REFERRED", "reason_code": "BORED\x00"})
    assert response.json()["fields"] == {"reason_code": "invalid"}
    for blank in ("", " \u2028\u3000 "):
        response = await client.post(f"{base}/notes", headers=auth, json={"body": blank})
        assert response.status_code == 422 and response.json()["fields"] == {"body": "required"}
    response = await client.post(f"{base}/notes", headers=auth,
                                 json={"body": "x", "corrects_note_id": "not-a-note"})
    assert response.json()["fields"] == {"corrects_note_id": "not_in_case"}
    assert (await _count(world, CaseEvent), await _count(world, Note)) == before

    # A move the state machine refuses is a 409, a valid one moves the case.
    response = await client.post(f"{base}/transitions", headers=auth, json={"to": "ACTIVE"})
    assert response.status_code == 409
    response = await client.post(f"{base}/transitions", headers=auth,
                                 json={"to": "REFERRED", "reason_code": "OTHER_REFERRAL",
                                       "reason": None})
    assert response.status_code == 200 and response.json()["state"] == "REFERRED"
    response = await client.post(f"{base}/notes", headers=auth,
                                 json={"body": " Ringde tillbaka ", "corrects_note_id": None})
    assert response.status_code == 201
    got = (await client.get(base, headers=auth)).json()
    assert [n["body"] for n in got["notes"]] == ["Ringde tillbaka"]


async def test_the_case_list_takes_a_state_or_none(client, cases, world):
    await cases.open()
    auth = await _bearer(world, cases.officer)
    assert len((await client.get("/api/v1/cases?state=", headers=auth)).json()["cases"]) == 1
    listed = await client.get("/api/v1/cases?state=ACTIVE", headers=auth)
    assert listed.json() == {"cases": []}
    response = await client.get("/api/v1/cases?state=SOMEWHERE", headers=auth)
    assert response.status_code == 422 and response.json()["fields"] == {"state": "invalid"}


async def test_text_holding_u0000_is_refused_everywhere_and_writes_nothing(
    client, cases, world
):
    # PostgreSQL's text cannot store U+0000; on either engine it is refused at the door.
    case_id = await cases.open()
    auth = await _bearer(world, cases.officer)
    base = f"/api/v1/cases/{case_id}"
    before = await _count(world, CaseEvent), await _count(world, Note)
    response = await client.post(f"{base}/notes", headers=auth, json={"body": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"body": "invalid_character"}
    # Also inside a list.
    response = await client.post("/api/v1/cases", headers=auth,
                                 json={**INTAKE, "participants": ["Anna\x00"]})
    assert response.json()["fields"] == {"participants": "invalid_character"}
    # A lone surrogate, which JSON can write and UTF-8 cannot encode (it was a 500): the body
    # is malformed, in a value, a key or a list.
    for raw in (b'{"body": "a \\ud800"}', b'{"body": "\\udfff b"}', b'{"\\ud800": 1}',
                b'{"body": "x", "more": ["\\ud800"]}'):
        response = await client.post(f"{base}/notes", content=raw,
                                     headers={**auth, "Content-Type": "application/json"})
        assert response.status_code == 400, raw
    paired = await client.post(f"{base}/notes", content=b'{"body": "ok \\ud83d\\ude00"}',
                               headers={**auth, "Content-Type": "application/json"})
    assert paired.status_code == 201, paired.text  # a real emoji, written as a surrogate pair
    before = before[0] + 1, before[1] + 1
    response = await client.get("/api/v1/cases", headers=auth, params={"state": "ACTIVE\x00"})
    assert response.status_code == 422
    for path in (f"/api/v1/cases/{case_id}%00", "/api/v1/cases/%00/persons"):
        assert (await client.get(path, headers=auth)).status_code == 404
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    response = await client.post(f"/cases/{case_id}/notes",
                                 data={"body": "a\x00b", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 400
    assert (await client.get("/cases", params={"state": "\x00"})).status_code == 400
    assert (await client.get("/cases/%00")).status_code == 404
    assert (await _count(world, CaseEvent), await _count(world, Note)) == before


async def test_no_request_moves_a_case_into_handover(client, cases, world):
    """Handover is sealed, signed, four-eyes, re-authenticated and accepted by the municipality
    (DOMAIN.md §6): not a state change an officer's token or form can make."""
    case_id = await cases.open()
    await cases.make_ready_for_activation(case_id)
    auth = await _bearer(world, cases.officer)
    base = f"/api/v1/cases/{case_id}"
    response = await client.post(f"{base}/transitions", headers=auth, json={"to": "ACTIVE"})
    assert response.status_code == 200 and response.json()["state"] == "ACTIVE"
    for target in ("HANDOVER_PENDING", "HANDED_OVER"):
        response = await client.post(f"{base}/transitions", headers=auth, json={"to": target})
        assert response.status_code == 409, target
    await login(client, cases.officer)
    page = await client.get(f"/cases/{case_id}")
    assert 'value="HANDOVER_PENDING"' not in page.text
    response = await client.post(f"/cases/{case_id}/transition", data={
        "to": "HANDOVER_PENDING", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 409
    assert await cases.state(case_id) == CaseState.ACTIVE
