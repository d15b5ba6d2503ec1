"""The JSON API: the same workflow and rules as the pages, refusals as 4xx naming the rule."""

from __future__ import annotations

from sqlalchemy import func, select

from helpline.models import CaseEvent
from helpline.models.cases import AssessmentState
from tests.helpline.threats.conftest import document


async def _bearer(world, user) -> dict[str, str]:
    return await world.bearer(user.id)


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
    # A blank comment breaks the documented request schema, so the shared reader refuses it
    # (422) before the service's rule (threat_return_needs_comment, 409) is reached.
    refused = await client.post(f"{base}/1/return", json={"comment": " "}, headers=supervisor)
    assert refused.status_code == 422 and refused.json()["fields"] == {"comment": "required"}
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


async def test_a_body_against_the_documented_schema_is_422_and_writes_nothing(
    client, cases, threats, world
):
    case_id = await cases.open()
    officer = await _bearer(world, cases.officer)
    base = f"/api/v1/cases/{case_id}/threats"
    events = await world.scalar(select(func.count()).select_from(CaseEvent))
    response = await client.post(base, json={"trigger": "WHIM"}, headers=officer)
    assert response.status_code == 422 and response.json()["fields"] == {"trigger": "invalid"}
    assert await world.scalar(select(func.count()).select_from(CaseEvent)) == events
    assert (await client.get(base, headers=officer)).json()["versions"] == []
    await threats.start(case_id)
    events = await world.scalar(select(func.count()).select_from(CaseEvent))
    response = await client.put(f"{base}/1", headers=officer, json=document(
        acute="yes", sources=5, measures=["SAFETY_ADVICE", "BODYGUARD"],
        factors={"Z9": {"rating": "J"}}, actors=[{"label": "Grupp Syd"}]))
    assert response.status_code == 422
    assert response.json()["fields"] == {
        "acute": "invalid_type", "sources": "invalid_type", "measures": "invalid",
        "factors.Z9": "invalid", "actors.0.kind": "required"}
    # A wholly empty actor row is dropped, as on the page; codes may be "" or null.
    response = await client.put(f"{base}/1", headers=officer, json=document(
        level="", actors=[{"kind": "", "label": "  ", "intent": None}], scenarios=None,
        measures=None, factors=None))
    assert response.status_code == 200, response.text
    assert response.json()["overall_level"] is None
    assert await world.scalar(select(func.count()).select_from(CaseEvent)) == events + 1
    assert (await threats.get(case_id, 1)).content["actors"] == []


BAD_DOCUMENTS = [
    # A row without its kind, after a wholly empty row: the index is the row's as sent.
    {"actors": [{"kind": ""}, {"label": "Grupp Syd"}]},
    {"actors": [{"kind": "GROUP", "label": "x" * 5000, "intent": "Q"}]},
    {"actors": ["GROUP"]},
    {"scenarios": [{"what": "x", "likelihood": "SURE"}]},
    {"factors": {"Z9": {"rating": "J"}, "A1": {"rating": "Q", "comment": 5}}},
    {"factors": {"A1": "J"}},
    {"measures": ["SAFETY_ADVICE", "BODYGUARD"]},
]


def test_the_schema_and_the_parser_name_the_same_fields():
    """Whichever layer finds a mistake in a nested field, the client is told the same path."""
    from helpline import routes  # noqa: F401 - registers every operation's document
    from helpline.api import openapi
    from helpline.errors import InvalidInput
    from helpline.threats.catalogue import CATALOGUES
    from helpline.threats.schemas import parse_document

    catalogue = next(iter(CATALOGUES.values()))
    for bad in BAD_DOCUMENTS:
        schema_says = openapi.body_errors("threats:api_save", bad)
        try:
            parse_document(bad, catalogue)
        except InvalidInput as refused:
            parser_says = refused.errors
        else:
            parser_says = {}
        assert schema_says and set(schema_says) == set(parser_says), (bad, schema_says, parser_says)
    assert openapi.body_errors("threats:api_save", BAD_DOCUMENTS[0]) == {
        "actors.1.kind": "required"}
    assert openapi.body_errors("threats:api_save", BAD_DOCUMENTS[1]) == {
        "actors.0.label": "too_long", "actors.0.intent": "invalid"}
    assert openapi.body_errors("threats:api_save", BAD_DOCUMENTS[4]) == {
        "factors.Z9": "invalid", "factors.A1.rating": "invalid",
        "factors.A1.comment": "invalid_type"}


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


async def test_a_document_at_every_documented_limit_is_not_too_large(
    client, cases, threats, world
):
    # The JSON reader's byte limit must admit what the schema admits, even with every
    # character escaped as \uXXXX (six bytes each), as a client may send it.
    import json

    from helpline.threats.catalogue import catalogue
    from helpline.threats.schemas import LONG_TEXTS, MAX_COMMENT, MAX_LABEL, MAX_LONG, MAX_ROWS

    case_id = await cases.open()
    officer = await _bearer(world, cases.officer)
    await threats.start(case_id)
    full = document(
        factors={code: {"rating": "J", "timing": "CURRENT", "comment": "ä" * MAX_COMMENT}
                 for code in catalogue().codes},
        actors=[{"kind": "GROUP", "label": "ä" * MAX_LABEL, "description": "ä" * MAX_COMMENT}
                for _ in range(MAX_ROWS)],
        scenarios=[{"what": "ä" * MAX_COMMENT, "who": "ä" * MAX_COMMENT, "likelihood": "HIGH"}
                   for _ in range(MAX_ROWS)],
        **{name: "ä" * MAX_LONG for name in LONG_TEXTS})
    body = json.dumps(full, ensure_ascii=True).encode()
    assert len(body) > 700_000
    response = await client.put(
        f"/api/v1/cases/{case_id}/threats/1", content=body,
        headers={**officer, "Content-Type": "application/json"})
    assert response.status_code == 200, response.text[:300]
    got = (await client.get(f"/api/v1/cases/{case_id}/threats/1", headers=officer)).json()
    assert got["document"]["sources"] == "ä" * MAX_LONG
    assert got["document"]["factors"]["A2"]["comment"] == "ä" * MAX_COMMENT
