"""Pure rules: review intervals, status, lowering, completeness, the catalogue, the document."""

from __future__ import annotations

from datetime import date

import pytest

from helpline.errors import InvalidInput
from helpline.models.cases import ThreatLevel as L
from helpline.threats import labels, rules
from helpline.threats.catalogue import CATALOGUES, catalogue
from helpline.threats.rules import Rule, Status
from helpline.threats.schemas import (
    join_from_storage,
    parse_document,
    split_for_storage,
    to_document,
)
from tests.helpline.threats.conftest import document

D = date(2026, 3, 1)


@pytest.mark.parametrize(("level", "acute", "days"), [
    (L.HIGH, False, 30), (L.MODERATE, False, 90), (L.LOW, False, 180),
    (L.HIGH, True, 30), (L.MODERATE, True, 30), (L.LOW, True, 30),
])
def test_review_is_due_per_level_and_sooner_when_acute(level, acute, days):
    assert (rules.review_due_on(level, acute, approved_on=D) - D).days == days


def test_review_intervals_are_configurable():
    custom = {L.HIGH: 14, L.MODERATE: 60, L.LOW: 120}
    assert (rules.review_due_on(L.LOW, False, approved_on=D, days=custom) - D).days == 120
    assert (rules.review_due_on(L.LOW, True, approved_on=D, acute_days=7) - D).days == 7


def test_current_through_the_due_date_and_overdue_the_day_after():
    assert rules.status_of(D, today=D) is Status.CURRENT
    assert rules.status_of(D, today=date(2026, 3, 2)) is Status.OVERDUE
    assert rules.status_of(None, today=D) is Status.MISSING


@pytest.mark.parametrize(("before", "after", "lowered"), [
    ((L.HIGH, False), (L.MODERATE, False), True),
    ((L.MODERATE, False), (L.LOW, False), True),
    ((L.HIGH, True), (L.HIGH, False), True),
    ((L.LOW, False), (L.HIGH, False), False),
    ((L.HIGH, False), (L.HIGH, True), False),
    ((L.HIGH, False), (L.HIGH, False), False),
    (None, (L.LOW, False), False),
])
def test_lowering_is_a_lower_level_or_the_acute_flag_removed(before, after, lowered):
    assert rules.is_lowered(before, after) is lowered


def test_a_complete_document_breaks_no_rule():
    data = parse_document(document(), catalogue())
    assert rules.submission_failures(data, catalogue(), previous=None) == ([], {})


def test_every_unrated_factor_is_named():
    data = parse_document(document(unrated=tuple(catalogue().codes)), catalogue())
    broken, fields = rules.submission_failures(data, catalogue(), previous=None)
    assert broken == [Rule.FACTORS_RATED] and len(fields) == 23


def test_the_catalogue_is_versioned_data_with_the_domain_factors():
    current = catalogue()
    assert current.version == "helpline-2026.1" and set(CATALOGUES) == {current.version}
    assert [len(s.factors) for s in current.sections] == [9, 7, 7]
    assert len(set(current.codes)) == len(current.codes)
    with pytest.raises(LookupError):
        catalogue("no-such-version")


def test_every_value_shown_has_an_extracted_msgid():
    assert set(labels.VALUE_MSGIDS + labels.RULE_MSGIDS) <= set(labels.EXTRACTED)


def test_the_document_survives_storage_split_and_join():
    data = parse_document(document(acute=True, justification="Ny info"), catalogue())
    content, secret = split_for_storage(data)
    assert "Kanariefågel" not in str(content) and "Grupp Norr" not in str(content)
    joined = join_from_storage(content, secret, overall_level=data.overall_level, acute=True)
    assert joined == data
    assert parse_document(to_document(joined), catalogue()) == data


@pytest.mark.parametrize(("change", "field"), [
    ({"acute": "yes"}, "acute"),
    ({"actors": [{"label": "X"}]}, "actors.0.kind"),
    ({"actors": "many"}, "actors"),
    ({"scenarios": [{"what": "x"}] * 11}, "scenarios"),
    ({"measures": ["TELEPORT"]}, "measures"),
    ({"sources": "x" * 5001}, "sources"),
    ({"factors": {"A1": {"rating": "J", "comment": 5}}}, "factors.A1.comment"),
])
def test_bad_documents_name_the_field(change, field):
    with pytest.raises(InvalidInput) as invalid:
        parse_document({**document(), **change}, catalogue())
    assert field in invalid.value.errors
