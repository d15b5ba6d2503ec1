"""The assessment as input and as stored: one document shape for the form, the API and storage.

The document (what the API accepts and returns)::

    {"overall_level": "HIGH", "acute": false,
     "factors": {"A1": {"rating": "J", "timing": "CURRENT", "comment": "..."}},
     "actors": [{"kind": "GROUP", "label": "Group A", "intent": "J", "capability": "D",
                 "description": "..."}],
     "scenarios": [{"what": "...", "who": "...", "likelihood": "HIGH", "imminence": "WEEKS",
                    "severity": "LIFE_THREATENING"}],
     "measures": ["SAFETY_ADVICE"], "measures_text": "...", "protection_need": "...",
     "sources": "...", "level_justification": "..."}

Stored, it is split in two: codes and ratings in the ``content`` JSON column (readable by the
database, so the dashboard can count), every free text in one encrypted JSON document in
``content_enc``, aligned by factor code and list position.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from helpline.errors import InvalidInput
from helpline.models.cases import ThreatLevel
from helpline.threats.catalogue import (
    ActorKind,
    Catalogue,
    Imminence,
    Likelihood,
    Measure,
    Rating,
    Severity,
    Timing,
)

MAX_ROWS = 10
MAX_COMMENT = 2000
MAX_LABEL = 80
MAX_LONG = 5000
LONG_TEXTS = ("measures_text", "protection_need", "sources", "level_justification")


@dataclass(frozen=True)
class FactorInput:
    rating: Rating | None = None
    timing: Timing | None = None
    comment: str = ""


@dataclass(frozen=True)
class ActorInput:
    kind: ActorKind | None = None
    label: str = ""
    intent: Rating | None = None
    capability: Rating | None = None
    description: str = ""


@dataclass(frozen=True)
class ScenarioInput:
    what: str = ""
    who: str = ""
    likelihood: Likelihood | None = None
    imminence: Imminence | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class AssessmentInput:
    overall_level: ThreatLevel | None = None
    acute: bool = False
    factors: dict[str, FactorInput] = field(default_factory=dict)
    actors: tuple[ActorInput, ...] = ()
    scenarios: tuple[ScenarioInput, ...] = ()
    measures: tuple[Measure, ...] = ()
    measures_text: str = ""
    protection_need: str = ""
    sources: str = ""
    level_justification: str = ""


class _Parser:
    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def choice(self, kind: type[enum.StrEnum], value: object, name: str) -> Any:
        if value in (None, ""):
            return None
        try:
            return kind(str(value))
        except ValueError:
            self.errors[name] = "invalid"
            return None

    def text(self, value: object, name: str, limit: int) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errors[name] = "invalid"
            return ""
        if len(value) > limit:
            self.errors[name] = "too_long"
        return value.strip()[:limit]

    def rows(self, value: object, name: str) -> list[dict[str, Any]]:
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            self.errors[name] = "invalid"
            return []
        if len(value) > MAX_ROWS:
            self.errors[name] = "too_many"
        return value[:MAX_ROWS]


def parse_document(body: dict[str, Any], catalogue: Catalogue) -> AssessmentInput:
    """Validate a document; unknown factor codes, values and oversize texts are 422s."""
    p = _Parser()
    factors = _factors(p, body.get("factors"), catalogue)
    actors = [_actor(p, row, f"actors.{i}") for i, row in enumerate(p.rows(
        body.get("actors"), "actors"))]
    for index, actor in enumerate(actors):  # the index as sent, as for every other field
        if actor != ActorInput() and actor.kind is None:
            p.errors.setdefault(f"actors.{index}.kind", "required")
    scenarios = tuple(_scenario(p, row, f"scenarios.{i}") for i, row in enumerate(p.rows(
        body.get("scenarios"), "scenarios")))
    measures_raw = body.get("measures") or []
    if not isinstance(measures_raw, list):
        p.errors["measures"] = "invalid"
        measures_raw = []
    measures = tuple(dict.fromkeys(
        m for m in (p.choice(Measure, v, "measures") for v in measures_raw) if m
    ))
    acute = body.get("acute", False)
    if acute not in (True, False):
        p.errors["acute"] = "invalid"
    data = AssessmentInput(
        overall_level=p.choice(ThreatLevel, body.get("overall_level"), "overall_level"),
        acute=acute is True,
        factors=factors,
        actors=tuple(a for a in actors if a != ActorInput()),
        scenarios=tuple(s for s in scenarios if s != ScenarioInput()),
        measures=measures,
        **{name: p.text(body.get(name), name, MAX_LONG) for name in LONG_TEXTS},
    )
    if p.errors:
        raise InvalidInput(p.errors)
    return data


def _factors(p: _Parser, value: object, catalogue: Catalogue) -> dict[str, FactorInput]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        p.errors["factors"] = "invalid"
        return {}
    factors = {}
    for code, row in value.items():
        name = f"factors.{code}"
        if code not in catalogue.codes or not isinstance(row, dict):
            p.errors[name] = "invalid"
            continue
        factors[code] = FactorInput(
            rating=p.choice(Rating, row.get("rating"), f"{name}.rating"),
            timing=p.choice(Timing, row.get("timing"), f"{name}.timing"),
            comment=p.text(row.get("comment"), f"{name}.comment", MAX_COMMENT),
        )
    return factors


def _actor(p: _Parser, row: dict[str, Any], name: str) -> ActorInput:
    return ActorInput(
        kind=p.choice(ActorKind, row.get("kind"), f"{name}.kind"),
        label=p.text(row.get("label"), f"{name}.label", MAX_LABEL),
        intent=p.choice(Rating, row.get("intent"), f"{name}.intent"),
        capability=p.choice(Rating, row.get("capability"), f"{name}.capability"),
        description=p.text(row.get("description"), f"{name}.description", MAX_COMMENT),
    )


def _scenario(p: _Parser, row: dict[str, Any], name: str) -> ScenarioInput:
    return ScenarioInput(
        what=p.text(row.get("what"), f"{name}.what", MAX_COMMENT),
        who=p.text(row.get("who"), f"{name}.who", MAX_COMMENT),
        likelihood=p.choice(Likelihood, row.get("likelihood"), f"{name}.likelihood"),
        imminence=p.choice(Imminence, row.get("imminence"), f"{name}.imminence"),
        severity=p.choice(Severity, row.get("severity"), f"{name}.severity"),
    )


def _code(value: enum.StrEnum | None) -> str | None:
    return value.value if value is not None else None


def split_for_storage(data: AssessmentInput) -> tuple[dict[str, Any], dict[str, Any]]:
    """(content: codes only, secret: every free text) for the two columns."""
    content = {
        "factors": {
            code: {"rating": _code(f.rating), "timing": _code(f.timing)}
            for code, f in data.factors.items()
        },
        "actors": [
            {"kind": _code(a.kind), "intent": _code(a.intent), "capability": _code(a.capability)}
            for a in data.actors
        ],
        "scenarios": [
            {"likelihood": _code(s.likelihood), "imminence": _code(s.imminence),
             "severity": _code(s.severity)}
            for s in data.scenarios
        ],
        "measures": [m.value for m in data.measures],
    }
    secret = {
        "factors": {code: f.comment for code, f in data.factors.items() if f.comment},
        "actors": [{"label": a.label, "description": a.description} for a in data.actors],
        "scenarios": [{"what": s.what, "who": s.who} for s in data.scenarios],
        **{name: getattr(data, name) for name in LONG_TEXTS},
    }
    return content, secret


def join_from_storage(
    content: dict[str, Any],
    secret: dict[str, Any],
    *,
    overall_level: ThreatLevel | None,
    acute: bool,
) -> AssessmentInput:
    """The inverse of ``split_for_storage`` (stored values were validated when written)."""
    comments = secret.get("factors", {})
    actor_texts = secret.get("actors", [])
    scenario_texts = secret.get("scenarios", [])
    return AssessmentInput(
        overall_level=overall_level,
        acute=acute,
        factors={
            code: FactorInput(
                rating=Rating(row["rating"]) if row.get("rating") else None,
                timing=Timing(row["timing"]) if row.get("timing") else None,
                comment=comments.get(code, ""),
            )
            for code, row in content.get("factors", {}).items()
        },
        actors=tuple(
            ActorInput(
                kind=ActorKind(row["kind"]) if row.get("kind") else None,
                intent=Rating(row["intent"]) if row.get("intent") else None,
                capability=Rating(row["capability"]) if row.get("capability") else None,
                **(actor_texts[i] if i < len(actor_texts) else {}),
            )
            for i, row in enumerate(content.get("actors", []))
        ),
        scenarios=tuple(
            ScenarioInput(
                likelihood=Likelihood(row["likelihood"]) if row.get("likelihood") else None,
                imminence=Imminence(row["imminence"]) if row.get("imminence") else None,
                severity=Severity(row["severity"]) if row.get("severity") else None,
                **(scenario_texts[i] if i < len(scenario_texts) else {}),
            )
            for i, row in enumerate(content.get("scenarios", []))
        ),
        measures=tuple(Measure(m) for m in content.get("measures", [])),
        **{name: secret.get(name, "") for name in LONG_TEXTS},
    )


def to_document(data: AssessmentInput) -> dict[str, Any]:
    """The API document (decrypted: only for an audited read)."""
    content, secret = split_for_storage(data)
    return {
        "overall_level": _code(data.overall_level),
        "acute": data.acute,
        "factors": {
            code: {**row, "comment": secret["factors"].get(code, "")}
            for code, row in content["factors"].items()
        },
        "actors": [{**c, **s} for c, s in zip(content["actors"], secret["actors"], strict=True)],
        "scenarios": [
            {**c, **s} for c, s in zip(content["scenarios"], secret["scenarios"], strict=True)
        ],
        "measures": content["measures"],
        **{name: secret[name] for name in LONG_TEXTS},
    }
