"""Every page form, posted with junk in every field any template names: a 4xx, a redirect or a
page, never a 500. (Schemathesis covers the API from its document; the pages have none, so
this sends the same kinds of mistakes to every page POST route, signed in, with a valid CSRF
token, on a real case, so that the requests reach the handlers.)"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from pathlib import Path

from helpline import routes
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


async def test_junk_in_every_page_form_is_never_a_server_error(client, cases):  # noqa: F811
    case_id = await cases.open()
    person_id = await cases.add_defector(case_id)
    await login(client, cases.supervisor)
    token = csrf_from((await client.get(f"/cases/{case_id}")).text)
    statuses: Counter[int] = Counter()
    for route in _page_posts():
        path = route.path.replace("{case_id}", case_id).replace("{person_id}", person_id)
        path = re.sub(r"\{[a-z_]+(?::[a-z]+)?\}", lambda _: str(uuid.uuid4()), path)
        for shift in range(ROUNDS):
            data = {name: JUNK[(index + shift) % len(JUNK)]
                    for index, name in enumerate(FIELD_NAMES)}
            response = await client.post(path, data={**data, "csrf_token": token})
            assert response.status_code < 500, (route.name, shift, response.text[-500:])
            statuses[response.status_code] += 1
    # The requests reached the handlers: most are refusals of the input, not of the request.
    assert statuses[403] == 0, statuses
    handled = statuses[422] + statuses[409] + statuses[303] + statuses[200]
    assert handled > sum(statuses.values()) // 2, statuses
