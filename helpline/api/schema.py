"""JSON Schema fragments shared by the domains' API documents.

``helpline.api.openapi`` holds every request to its operation's schema, so a fragment here
must say exactly what the domain's parser accepts. Patterns must read the same in ECMA-262
(the dialect of the document's readers) and in Python (the server's validator): ``\\s``,
``\\w`` and ``\\d`` differ between them, so whitespace is spelt out, and Python's ``$`` also
matches before a final newline, so a pattern that ends in ``$`` ends in EDGE first.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# What str.strip() removes (the characters for which str.isspace() is true), as the inside of
# a character class; tests/helpline/api/test_schema.py checks it against every code point.
SPACE_CLASS = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_SPACE = f"[^{SPACE_CLASS}]"
BLANK = f"^[{SPACE_CLASS}]*$"  # nothing but what str.strip() removes
EDGE = r"[\t-\r ]*"  # ASCII whitespace at the ends of a pattern (takes that final newline)

# A text the parser strips and then requires: blank is ``required``. Two spellings of one rule:
# FILLED (a search for one character that is not space) for short fields and inside
# conditions, where it leaves null to the other rules; NOT_BLANK for long free text, where
# Schemathesis is slow to fill FILLED's pattern up to the maxLength (a run took 6 minutes
# instead of 45 seconds with the notes and comments as FILLED).
FILLED: dict[str, Any] = {"pattern": NOT_SPACE, "x-error": "required"}
NOT_BLANK: dict[str, Any] = {"not": {"pattern": BLANK}, "x-error": "required"}

UUID_OR_NONE = {"anyOf": [{"type": "string", "format": "uuid"}, {"const": ""}, {"type": "null"}]}


def choice_schema(values: Iterable[str], *, optional: bool = False) -> dict[str, Any]:
    """One of ``values`` as the parsers' ``parse_enum`` reads it. Required: "" is
    ``required``, anything else not listed ``invalid``. Optional: null and "" mean "none"."""
    listed = [str(v) for v in values]
    if optional:
        return {"enum": [*listed, "", None]}
    return {"type": "string", "minLength": 1, "enum": listed}


def text_schema(max_length: int, *, nullable: bool = True) -> dict[str, Any]:
    """Free text up to ``max_length`` characters (null: none)."""
    return {"type": ["string", "null"] if nullable else "string", "maxLength": max_length}


def required_text_schema(max_length: int) -> dict[str, Any]:
    """Free text that must not be blank once stripped (blank: ``required``)."""
    return {"type": "string", "maxLength": max_length, "allOf": [NOT_BLANK]}
