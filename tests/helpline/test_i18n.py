"""Swedish by default, English on request; every message has a Swedish translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from helpline.web.i18n import LOCALE_DIR
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_in_the_code_has_a_swedish_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "N_", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    swedish = {}
    for po in (LOCALE_DIR / "sv" / "LC_MESSAGES").glob("*.po"):
        with po.open("rb") as f:
            swedish.update({m.id: m.string for m in read_po(f) if m.id and m.string})
    missing = sorted(m for m in wanted if not swedish.get(m))
    assert len(wanted) > 300, "the extraction found too few messages to be checking anything"
    assert missing == []


async def test_pages_are_swedish_by_default_and_english_after_the_switch(client):
    page = await client.get("/login")
    assert "<h1>Logga in</h1>" in page.text and 'lang="sv"' in page.text
    await client.post(
        "/language", data={"language": "en", "next": "/login", "csrf_token": csrf_from(page.text)}
    )
    page = await client.get("/login")
    assert "<h1>Sign in</h1>" in page.text and 'lang="en"' in page.text
