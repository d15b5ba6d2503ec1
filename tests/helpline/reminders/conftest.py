"""Reminder tests use the relocation helpers: a case with a defector, tokens, a municipality."""

from __future__ import annotations

from tests.helpline.cases.conftest import cases  # noqa: F401 - the fixture, reused
from tests.helpline.relocation.conftest import office  # noqa: F401 - the fixture, reused
