"""Every page form, posted with junk in every field any template names: a 4xx, a redirect or a
page, never a 500. (Schemathesis covers the API from its document; the pages have none, so
this sends the same kinds of mistakes to every page POST route, signed in, with a valid CSRF
token, on a real active case, with a real object behind every id of the path, so that the
requests reach the handlers rather than a 404.)"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from helpline import clock, routes
from helpline.audit import AuditContext
from helpline.calls import roster
from helpline.calls.schemas import ShiftForm
from helpline.calls.service import Deps as CallDeps
from helpline.cases import service
from helpline.models import CallbackRequest, Consent, HelplineCall, User
from helpline.models.calls import CallChannel, CallStatus
from helpline.models.cases import (
    CaseState,
    IdType,
    Person,
    PersonRelation,
    PersonRole,
    RelationKind,
)
from helpline.models.protection import AlertKind, LocationKind, ProtectionAlert
from helpline.protection import vault
from helpline.protection.schemas import EntryInput
from helpline.web.routing import DeclaredRoute
from tests.conftest import csrf_from, login
from tests.helpline.cases.conftest import cases  # noqa: F401 - the fixture, reused

TEMPLATES = Path(routes.__file__).parent / "templates"
FIELD_NAMES = sorted({
    name for template in TEMPLATES.rglob("*.html")
    for name in re.findall(r'name="([a-z_][a-z0-9_\-]*)"', template.read_text())
} - {"csrf_token"})
JUNK = [
    "", " \u3000 ", "x" * 3000, "-1", "0", "1e309", "NaN", "9999-12-31", "0001-01-01",
    "0001-01-01T00:30", "2026-02-30", "on", "ä\u202eö", "'; DROP TABLE cases; --",
    "../../etc/passwd", "{{ 7*7 }}", "<script>alert(1)</script>", str(uuid.uuid4()),
]
ROUNDS = len(JUNK)  # each round shifts the junk by one field: every field gets every junk


def _page_posts() -> list[DeclaredRoute]:
    return [
        route for route in routes.ROUTES
        if isinstance(route, DeclaredRoute) and not route.is_api
        and "POST" in (route.methods or ()) and not getattr(route, "twilio_signed", False)
        # Signing out, or in again, would end the session the rest of the test uses.
        and not route.name.startswith("auth:")
    ]


async def _active_case(cases) -> dict[str, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    """An active case with a defector, a relative, a consent, an approved assessment and a vault
    entry the supervisor is named on; the ids of the path parameters that hang off it."""
    case_id = await cases.open()
    person_id = await cases.make_ready_for_activation(case_id)
    consent_id = await cases.world.scalar(select(Consent.id).where(Consent.case_id == case_id))

    async def activate(deps, case):  # type: ignore[no-untyped-def]
        await service.transition(deps, case, to=CaseState.ACTIVE)
        entry = await vault.add_entry(deps, case, EntryInput(
            kind=LocationKind.WHEREABOUTS, person_id=None, address="",
            whereabouts="Påhittat boende (test)", notes="", valid_from=clock.today(),
            valid_to=None, named_user_ids=(cases.supervisor.id,),
        ))
        relative = Person(id=str(uuid.uuid4()), case_id=case.id, pseudonym="Ek 5678",
                          organisation_id=case.organisation_id, role=PersonRole.RELATIVE,
                          id_type=IdType.NONE)
        deps.db.add(relative)
        await deps.db.flush()
        relation = PersonRelation(case_id=case.id, organisation_id=case.organisation_id,
                                  person_id=relative.id, related_person_id=person_id,
                                  kind=RelationKind.SIBLING)
        alert = ProtectionAlert(organisation_id=case.organisation_id, kind=AlertKind.BREAK_GLASS,
                                case_id=case.id, entry_id=entry.id, actor_id=cases.officer.id)
        deps.db.add_all([relation, alert])
        await deps.db.flush()
        return {"entry_id": entry.id, "relation_id": relation.id, "alert_id": alert.id}

    ids = await cases.act(cases.officer, case_id, activate)
    return {"case_id": case_id, "person_id": person_id, "consent_id": consent_id, **ids}


async def _calls(cases) -> dict[str, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A call, a callback request of it, and a duty shift (added as the roster page adds it)."""
    now = clock.now()
    async with cases.world.sessions() as db, db.begin():
        call = HelplineCall(organisation_id=cases.org.id, channel=CallChannel.HELPLINE,
                            status=CallStatus.COMPLETED, received_at=now - timedelta(minutes=5),
                            call_sid="CA" + uuid.uuid4().hex)
        db.add(call)
        await db.flush()
        callback = CallbackRequest(organisation_id=cases.org.id, call_id=call.id, requested_at=now)
        db.add(callback)
        deps = CallDeps(db=db, keys=cases.app.state.keys, now=now,
                        context=AuditContext(actor=await db.get(User, cases.supervisor.id)))
        shift = await roster.add_shift(deps, ShiftForm(
            values={}, errors={}, user_id=cases.officer.id, phone="+46701740699",
            starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8)))
    return {"call_id": call.id, "callback_id": callback.id, "shift_id": shift.id}


async def _api_objects(client, cases, case_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A relocation plan and step, a measure, a goal and action, a draft assessment: made
    through the API, as an officer's client would."""
    headers = await cases.world.bearer(cases.supervisor.id)
    base = f"/api/v1/cases/{case_id}"
    today = clock.today().isoformat()
    organisation = cases.org.id

    async def post(path: str, body: dict[str, object]) -> dict[str, object]:
        response = await client.post(base + path, json=body, headers=headers)
        assert response.status_code == 201, (path, response.text)
        return response.json()  # type: ignore[no-any-return]

    plan = await post("/relocation-plans", {
        "from_municipality": "0180", "target_municipality": "0127", "starts_on": today})
    step = await post(f"/relocation-plans/{plan['id']}/steps", {
        "kind": "EMERGENCY_HOUSING", "responsible_organisation_id": organisation, "due_on": today})
    measure = await post("/measures", {  # planned: the case is not active (no sign-off)
        "kind": "SAFETY_ALARM", "responsible_organisation_id": organisation,
        "state": "PLANNED", "starts_on": today})
    goal = await post("/action-plan/goals", {"life_area": "HOUSING", "description": "Kontrakt"})
    action = await post(f"/action-plan/goals/{goal['id']}/actions", {
        "description": "Ansök om bostad", "responsible_organisation_id": organisation})
    draft = await post("/threats", {"trigger": "NEW_THREAT_INFORMATION"})
    return {"plan_id": str(plan["id"]), "step_id": str(step["id"]),
            "measure_id": str(measure["id"]), "goal_id": str(goal["id"]),
            "action_id": str(action["id"]), "version": str(draft["version"])}


async def test_junk_in_the_sign_in_forms_is_never_a_server_error(client, cases):  # noqa: F811
    """The sign-in routes the test below leaves out: each step with junk, then on."""
    user = cases.officer

    async def junk_posts(path: str, names: list[str], token: str) -> None:
        for shift in range(ROUNDS):
            data = {name: JUNK[(index + shift) % len(JUNK)] for index, name in enumerate(names)}
            response = await client.post(path, data={**data, "csrf_token": token})
            assert response.status_code < 500, (path, data, response.text[-500:])
            # Junk never signs anyone in; five wrong re-authentications sign the user out.
            if response.status_code == 303:
                assert response.headers["location"].endswith("/login"), (path, data)

    await junk_posts("/login", ["email", "password"], csrf_from((await client.get("/login")).text))
    page = await client.get("/login")
    response = await client.post("/login", data={
        "email": user.email, "password": user.password, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    page = await client.get("/login/second-factor")
    await junk_posts("/login/second-factor", ["code"], csrf_from(page.text))
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    # Eighteen wrong codes lock the officer out, as they should; a colleague signs in.
    await login(client, cases.colleague)
    page = await client.get("/reauth")
    await junk_posts("/reauth", ["password", "code", "next"], csrf_from(page.text))
    assert (await client.get("/start")).headers["location"].endswith("/login")  # signed out


async def test_junk_in_every_page_form_is_never_a_server_error(client, cases):  # noqa: F811
    ids = await _active_case(cases)
    ids |= await _calls(cases)
    ids |= await _api_objects(client, cases, ids["case_id"])
    await login(client, cases.supervisor)
    token = csrf_from((await client.get(f"/cases/{ids['case_id']}")).text)
    statuses: Counter[int] = Counter()
    by_route: dict[str, Counter[int]] = {}
    for route in _page_posts():
        path = re.sub(r"\{([a-z_]+)(?::[a-z]+)?\}", lambda m: ids[m.group(1)], route.path)
        for shift in range(ROUNDS):
            data = {name: JUNK[(index + shift) % len(JUNK)]
                    for index, name in enumerate(FIELD_NAMES)}
            response = await client.post(path, data={**data, "csrf_token": token})
            assert response.status_code < 500, (route.name, shift, response.text[-500:])
            statuses[response.status_code] += 1
            by_route.setdefault(route.name, Counter())[response.status_code] += 1
    # The requests reached the handlers: none is refused as a request (403), and no route
    # met only 404s (a removal may 404 once its object is gone, but not from the start).
    assert statuses[403] == 0, statuses
    only_404 = [name for name, seen in by_route.items() if set(seen) == {404}]
    assert not only_404, {name: by_route[name] for name in only_404}
