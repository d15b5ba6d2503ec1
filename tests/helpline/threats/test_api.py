"""The JSON API: the same workflow and rules as the pages, refusals as 4xx naming the rule."""

from __future__ import annotations

from sqlalchemy import func, select

from helpline import clock as clock_module
from helpline.auth import tokens
from helpline.models import CaseEvent, User
from helpline.models.cases import AssessmentState
from tests.helpline.threats.conftest import document


async def _bearer(world, user) -> dict[str, str]:
    async with world.sessions() as db, db.begin():
        secret, _ = await tokens.create_token(
            db, user=await db.get(User, user.id), actor=None, name="test", expires_days=1,
            now=clock_module.now())
    return {"Authorization": f"Bearer {secret}"}


async def test_the_whole_workflow_through_the_api(client, cases, threats, world):
    case_id = await cases.open()
    officer = await _bearer(world, cases.officer)
    supervisor = await _bearer(world, cases.supervisor)
    base = f"/api/v1/cases/{case_id}/threats"
    created = await client.post(base, json={"trigger": "INITIAL"}, headers=officer)
    assert created.status_code == 201 and created.json()["state"] == "DRAFT"
    saved = await client.put(f"{base}/1", json=document(unrated=("C1",)), headers=officer)
    assert saved.status_code == 200
    refused = await client.post(f"{base}/1/submit", headers=officer)
    assert refused.status_code == 409
    assert refused.json() == {"error": "rule_violation", "rules": ["threat_all_factors_rated"],
                              "fields": {"factors.C1.rating": "unrated"}}
    await client.put(f"{base}/1", json=document(), headers=officer)
    assert (await client.post(f"{base}/1/submit", headers=officer)).json()["state"] == "SUBMITTED"

    # Approval is not possible through the API at all (it needs a fresh sign-in).
    assert (await client.post(f"{base}/1/approve", headers=supervisor)).status_code == 404
    refused = await client.post(f"{base}/1/return", json={"comment": ""}, headers=supervisor)
    assert refused.json()["rules"] == ["threat_return_needs_comment"]
    returned = await client.post(f"{base}/1/return", json={"comment": "Källor?"},
                                 headers=supervisor)
    assert returned.json()["state"] == "RETURNED"
    got = await client.get(f"{base}/1", headers=officer)
    assert got.json()["returned_comment"] == "Källor?"
    assert got.json()["document"]["factors"]["A2"]["comment"].startswith("Kanariefågel")
    await client.put(f"{base}/1", json=document(), headers=officer)
    await client.post(f"{base}/1/submit", headers=officer)
    await threats.approve(case_id, 1, by=cases.supervisor)
    approved = await client.get(f"{base}/1", headers=officer)
    assert approved.json()["state"] == "APPROVED" and approved.json()["review_due_on"]

    listed = await client.get(base, headers=officer)
    assert listed.json()["status"] == "CURRENT" and len(listed.json()["versions"]) == 1
    assert "Kanariefågel" not in listed.text


async def test_own_approval_and_editing_approved_are_refused(client, cases, threats, world):
    case_id = await cases.open()
    number = await threats.start(case_id, by=cases.supervisor)
    await threats.save(case_id, number, by=cases.supervisor)
    await threats.submit(case_id, number, by=cases.supervisor)
    supervisor = await _bearer(world, cases.supervisor)
    base = f"/api/v1/cases/{case_id}/threats/{number}"
    events = await world.scalar(select(func.count()).select_from(CaseEvent))
    await threats.approve(case_id, number, by=cases.supervisor2)
    refused = await client.put(base, json=document(level="LOW"), headers=supervisor)
    assert refused.status_code == 409 and refused.json()["rules"] == [
        "threat_version_not_editable"]
    # Only the approval wrote an event; the two refusals wrote nothing.
    assert await world.scalar(select(func.count()).select_from(CaseEvent)) == events + 1
    assert (await threats.get(case_id, number)).state is AssessmentState.APPROVED


async def test_bad_input_is_422_naming_the_field(client, cases, threats, world):
    case_id = await cases.open()
    await threats.start(case_id)
    officer = await _bearer(world, cases.officer)
    base = f"/api/v1/cases/{case_id}/threats/1"
    response = await client.put(base, json={"overall_level": "EXTREME"}, headers=officer)
    assert response.status_code == 422 and "overall_level" in response.json()["fields"]
    response = await client.put(base, content=b"[", headers={
        **officer, "content-type": "application/json"})
    # Malformed JSON is refused by the one shared JSON reader (helpline.web.forms.read_json).
    assert response.status_code == 400 and response.json() == {"error": "bad_request"}
    assert (await client.get(f"{base[:-2]}/999", headers=officer)).status_code == 404


async def test_the_dashboard_api_is_for_supervisors(client, cases, threats, world):
    case_id = await cases.open()
    await cases.add_defector(case_id)
    await threats.submitted(case_id)
    response = await client.get("/api/v1/threats/dashboard",
                                headers=await _bearer(world, cases.supervisor))
    body = response.json()
    assert body["review_queue"][0]["pseudonym"] == "Ek 1234"
    assert body["counts"]["MISSING"] == 1
    response = await client.get("/api/v1/threats/dashboard",
                                headers=await _bearer(world, cases.officer))
    assert response.status_code == 403


async def test_the_openapi_document_lists_the_threat_operations(client):
    paths = (await client.get("/api/v1/openapi.json")).json()["paths"]
    assert "put" in paths["/api/v1/cases/{case_id}/threats/{version}"]
    assert "/api/v1/cases/{case_id}/threats/{version}/approve" not in paths
