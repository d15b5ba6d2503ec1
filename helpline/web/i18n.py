"""Swedish (default) and English through Babel message catalogues.

The ``.po`` files under ``helpline/locale`` are the source; they are compiled in memory at start-up
(so there is no build step and no stale ``.mo`` file to forget).
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "helpline-lang"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


@cache
def translations(language: str) -> NullTranslations:
    """All catalogues of a language merged: ``messages.po`` plus one ``<domain>.po`` per domain
    (separate files so that domains can add their pages without touching each other's)."""
    if language not in LANGUAGES:
        return NullTranslations()
    merged: Translations | None = None
    for po_path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        compiled = _compile(po_path, language)
        merged = compiled if merged is None else merged.merge(compiled)
    return merged or NullTranslations()


def _compile(po_path: Path, language: str) -> Translations:
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate(cookie_value: str | None, user_language: str | None = None) -> str:
    for candidate in (cookie_value, user_language):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    return DEFAULT_LANGUAGE
