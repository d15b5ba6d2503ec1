"""The assessment form without JavaScript: flat field names to and from the document shape.

A field is named after its document path with dots as dashes (``factors-A1-rating``,
``actors-0-kind``), so a validation error on ``factors.A1.rating`` marks exactly that field.
Actors and scenarios get their stored rows plus empty ones to fill in (at most ``MAX_ROWS``).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from helpline.threats.catalogue import Catalogue
from helpline.threats.schemas import (
    LONG_TEXTS,
    MAX_LONG,
    MAX_ROWS,
    AssessmentInput,
    to_document,
)

ACTOR_FIELDS = ("kind", "label", "intent", "capability", "description")
SCENARIO_FIELDS = ("what", "who", "likelihood", "imminence", "severity")
FACTOR_FIELDS = ("rating", "timing", "comment")
BLANK_ROWS = 1


def field_name(path: str) -> str:
    return path.replace(".", "-")


def _str(form: FormData, name: str) -> str:
    value = form.get(name)
    return value[: MAX_LONG + 1] if isinstance(value, str) else ""


def document_from_form(form: FormData, catalogue: Catalogue) -> dict[str, Any]:
    factors = {
        code: {f: _str(form, f"factors-{code}-{f}") for f in FACTOR_FIELDS}
        for code in catalogue.codes
    }
    actors = [
        {f: _str(form, f"actors-{i}-{f}") for f in ACTOR_FIELDS} for i in range(MAX_ROWS)
    ]
    scenarios = [
        {f: _str(form, f"scenarios-{i}-{f}") for f in SCENARIO_FIELDS} for i in range(MAX_ROWS)
    ]
    return {
        "overall_level": _str(form, "overall_level"),
        "acute": form.get("acute") == "yes",
        "factors": factors,
        # Empty rows are dropped by the parser; only rows someone typed into count.
        "actors": [row for row in actors if any(row.values())],
        "scenarios": [row for row in scenarios if any(row.values())],
        "measures": [v for v in form.getlist("measures") if isinstance(v, str)],
        **{name: _str(form, name) for name in LONG_TEXTS},
    }


def values_from_document(document: dict[str, Any]) -> dict[str, Any]:
    """Flat values for the template (``values[name]``), plus row counts and measures."""
    values: dict[str, Any] = {
        "overall_level": document.get("overall_level") or "",
        "acute": bool(document.get("acute")),
        "measures": list(document.get("measures") or []),
        **{name: document.get(name) or "" for name in LONG_TEXTS},
    }
    for code, row in (document.get("factors") or {}).items():
        for f in FACTOR_FIELDS:
            values[f"factors-{code}-{f}"] = row.get(f) or ""
    for kind, fields in (("actors", ACTOR_FIELDS), ("scenarios", SCENARIO_FIELDS)):
        rows = document.get(kind) or []
        for i, row in enumerate(rows[:MAX_ROWS]):
            for f in fields:
                values[f"{kind}-{i}-{f}"] = row.get(f) or ""
        values[f"{kind}_rows"] = min(MAX_ROWS, len(rows) + BLANK_ROWS)
    return values


def values_from(data: AssessmentInput) -> dict[str, Any]:
    return values_from_document(to_document(data))
