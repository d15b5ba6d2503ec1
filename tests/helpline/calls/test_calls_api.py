"""The calls JSON API: same rules as the pages, no caller numbers, in the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import select

from helpline import clock as clock_module
from helpline.auth import tokens
from helpline.models import HelplineCall, User
from helpline.models.users import Role
from tests.helpline.calls.conftest import CALLER, call_params, new_sid, post_signed, sessions_of

COMPLETE = {
    "caller_type": "SELF", "channel": "HELPLINE", "outcome": "REFERRED", "language": "",
    "anonymous": False, "acute_danger_advice": False, "summary": "", "case_id": "",
}


async def _bearer(world, user_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    async with sessions_of(world)() as db, db.begin():
        user = await db.get(User, user_id)
        secret, _ = await tokens.create_token(
            db, user=user, actor=None, name="t", expires_days=1, now=clock_module.now()
        )
    return {"Authorization": f"Bearer {secret}"}


async def test_list_read_and_complete_through_the_api(client, world, line):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    call = await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))
    auth = await _bearer(world, line.officer.id)
    listing = await client.get("/api/v1/calls", headers=auth)
    assert listing.status_code == 200 and [c["id"] for c in listing.json()["calls"]] == [call.id]
    body = {**COMPLETE, "anonymous": True, "summary": "Hänvisad till socialtjänsten."}
    done = await client.post(f"/api/v1/calls/{call.id}/complete", json=body, headers=auth)
    assert done.status_code == 200 and done.json()["completed"] is True
    detail = await client.get(f"/api/v1/calls/{call.id}", headers=auth)
    assert detail.json()["summary"] == body["summary"] and detail.json()["anonymous"] is True
    for response in (listing, done, detail):
        assert CALLER not in response.text and "740611" not in response.text


async def test_a_completion_that_leaves_fields_out_is_refused_and_changes_nothing(
    client, world, line
):
    """The API sets the whole record. A body without the summary (say, a client updating only
    the outcome) was taken as an empty summary: the encrypted one was erased."""
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    call = await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))
    auth = await _bearer(world, line.officer.id)
    path = f"/api/v1/calls/{call.id}/complete"
    first = {**COMPLETE, "summary": "Hänvisad till socialtjänsten."}
    assert (await client.post(path, json=first, headers=auth)).status_code == 200
    partial = {"caller_type": "SELF", "channel": "HELPLINE", "outcome": "NO_ACTION"}
    refused = await client.post(path, json=partial, headers=auth)
    assert refused.status_code == 422
    assert {"summary", "case_id", "language"} <= set(refused.json()["fields"])
    detail = (await client.get(f"/api/v1/calls/{call.id}", headers=auth)).json()
    assert detail["summary"] == first["summary"] and detail["outcome"] == "REFERRED"


async def test_bad_api_input_is_4xx_and_other_organisations_are_404(client, world, line):
    sid = new_sid()
    await post_signed(client, "/twilio/voice", call_params(sid))
    call = await world.scalar(select(HelplineCall).where(HelplineCall.call_sid == sid))
    auth = await _bearer(world, line.officer.id)
    path = f"/api/v1/calls/{call.id}/complete"
    assert (await client.post(
        path, content=b"{", headers={**auth, "Content-Type": "application/json"}
    )).status_code == 400
    assert (await client.post(
        path, content=b"[]", headers={**auth, "Content-Type": "application/json"}
    )).status_code == 400
    assert (await client.post(path, data={"a": "b"}, headers=auth)).status_code == 415
    invalid = await client.post(path, json={"caller_type": "ALIEN", "summary": 5}, headers=auth)
    assert invalid.status_code == 422 and "caller_type" in invalid.json()["fields"]
    other = await world.organisation()
    stranger = await _bearer(world, (await world.user(other, Role.POLICE_CASE_OFFICER)).id)
    assert (await client.get(f"/api/v1/calls/{call.id}", headers=stranger)).status_code == 404
    assert (await client.post(path, json=COMPLETE, headers=stranger)).status_code == 404
    assert (await client.get("/api/v1/calls")).status_code == 401


async def test_the_openapi_document_describes_the_calls_api(client):
    from openapi_spec_validator import validate

    document = (await client.get("/api/v1/openapi.json")).json()
    validate(document)
    assert {"/api/v1/calls", "/api/v1/calls/{call_id}", "/api/v1/calls/{call_id}/complete"} <= set(
        document["paths"]
    )
    assert not any(path.startswith("/twilio") for path in document["paths"])
