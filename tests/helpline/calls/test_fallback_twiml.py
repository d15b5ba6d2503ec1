"""The static fallback TwiML (hosted apart from the service) still reaches the duty phone."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

FALLBACK = Path(__file__).resolve().parents[3] / "twiml" / "fallback.xml"


def test_the_fallback_advises_112_and_dials_the_duty_phone_without_recording():
    root = ET.fromstring(FALLBACK.read_bytes())
    assert root.tag == "Response"
    says = " ".join(e.text or "" for e in root.iter("Say"))
    assert "112" in says
    dial = root.find("Dial")
    assert dial is not None and dial.get("record") in (None, "do-not-record")
    numbers = [n.text.strip() for n in dial.iter("Number")]
    assert numbers and all(n.startswith("+46") for n in numbers)
    # Nothing points back at the service that is down, and nothing is recorded.
    text = FALLBACK.read_text()
    assert "<Record" not in text and "<Gather" not in text and "/twilio/" not in text
    assert dial.get("action") is None


def test_what_follows_the_dial_fits_an_answered_call_too():
    """Without an action URL Twilio plays what follows <Dial> however the dial ended: telling
    a caller who has just spoken to an officer that nobody can answer would be wrong."""
    root = ET.fromstring(FALLBACK.read_bytes())
    verbs = list(root)
    after = verbs[[v.tag for v in verbs].index("Dial") + 1:]
    said = " ".join(v.text or "" for v in after if v.tag == "Say")
    assert "112" in said and "ingen svara" not in said and "Fick du inget svar" in said
