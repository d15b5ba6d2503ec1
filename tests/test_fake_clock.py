"""The test clock's moments: the DST nights `make test` reruns the date tests on really are the
nights where 24 hours is not one Swedish date, and midday makes it one date again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.clock import SWEDEN
from tests.conftest import FakeClock, next_dst_night


def _swedish_date(moment: datetime):
    return moment.astimezone(SWEDEN).date()


@pytest.mark.parametrize("after", ["2026-11-23T22:28:00+00:00", "2027-03-27T22:59:01+00:00",
                                   "2027-07-01T12:00:00+00:00", "2028-12-31T23:00:00+00:00"])
def test_the_dst_nights_are_the_next_ones_and_break_the_one_date_a_day_assumption(after):
    after = datetime.fromisoformat(after)
    spring = next_dst_night("dst-spring", after)
    autumn = next_dst_night("dst-autumn", after)
    for moment in (spring, autumn):
        assert after < moment < after + timedelta(days=366)
        assert moment.second == 1  # just after a TOTP step boundary, as the fixture's start
    assert spring.astimezone(SWEDEN).strftime("%a %H:%M %m") == "Sat 23:59 03"
    assert autumn.astimezone(SWEDEN).strftime("%a %H:%M %m") == "Sun 00:30 10"
    day = timedelta(days=1)
    assert (_swedish_date(spring + day) - _swedish_date(spring)).days == 2
    assert (_swedish_date(autumn + day) - _swedish_date(autumn)).days == 0


@pytest.mark.parametrize("night", ["dst-spring", "dst-autumn"])
def test_midday_makes_24_hours_one_date_again(night):
    clock = FakeClock(next_dst_night(night, datetime(2026, 11, 23, tzinfo=UTC)))
    clock.to_swedish_hour(12)
    local = clock.now().astimezone(SWEDEN)
    assert (local.hour, local.minute, local.second) == (12, 0, 1)
    for _ in range(3):
        before = _swedish_date(clock.now())
        clock.advance(days=1)
        assert (_swedish_date(clock.now()) - before).days == 1


def test_midday_is_never_in_the_past():
    start = datetime.fromisoformat("2026-11-24T12:30:00+01:00")
    clock = FakeClock(start)
    clock.to_swedish_hour(12)
    assert clock.now().astimezone(SWEDEN).isoformat() == "2026-11-25T12:00:01+01:00"
