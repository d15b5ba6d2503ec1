"""The shared JSON Schema fragments say what the parsers do, in both regex dialects' terms."""

from __future__ import annotations

import re
import sys

from jsonschema import Draft202012Validator

from helpline.api.schema import BLANK, NOT_SPACE, required_text_schema


def test_the_space_class_is_exactly_what_str_strip_removes():
    not_space, blank = re.compile(NOT_SPACE), re.compile(BLANK)
    for code_point in range(sys.maxunicode + 1):
        character = chr(code_point)
        assert (not_space.fullmatch(character) is None) == character.isspace(), hex(code_point)
        assert (blank.fullmatch(character) is not None) == character.isspace(), hex(code_point)


def test_a_required_text_is_refused_when_blank_once_stripped():
    validator = Draft202012Validator(required_text_schema(5))
    assert validator.is_valid(" a ") and validator.is_valid("\u3000x")
    for blank in ("", " ", "\u2028\u3000\t", "\n"):
        assert not validator.is_valid(blank), repr(blank)
    assert not validator.is_valid("abcdef")  # over the limit
