"""Calendar arithmetic on Korean dates (lms.core.timeutil): months, days, "today",
month boundaries, spans, and the application clock.

Every rule is exercised at 00:00-09:00 KST (when the UTC date is still the day
before) around month ends and 29 February."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.core import timeutil as tu
from lms.core.db import utcnow

KST = tu.KST


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


# Early-morning KST instants: the UTC date is the previous day.
EARLY = [kst(2026, 3, 1, 0, 0), kst(2026, 3, 1, 8, 59), kst(2028, 2, 29, 3, 0), kst(2028, 3, 1, 0, 30),
         kst(2026, 1, 1, 5, 0), kst(2026, 12, 31, 23, 59), kst(2027, 3, 1, 3, 0)]


@pytest.mark.parametrize("moment", EARLY)
def test_today_and_dates_are_korean(moment):
    assert tu.today_kst(moment) == moment.date()
    assert tu.kst_date(moment.astimezone(timezone.utc)) == moment.date()
    with tu.frozen_clock(moment):
        assert tu.today_kst() == moment.date()
        assert utcnow() == moment  # the whole application reads the same clock
        assert tu.month_of(utcnow()) == f"{moment.year:04d}-{moment.month:02d}"


@pytest.mark.parametrize("moment,months,expected", [
    (kst(2027, 3, 1, 3, 0), 12, date(2028, 3, 1)),
    (kst(2028, 2, 29, 3, 0), 12, date(2029, 2, 28)),
    (kst(2026, 3, 31, 8, 0), 6, date(2026, 9, 30)),
    (kst(2026, 1, 31, 0, 0), 1, date(2026, 2, 28)),
    (kst(2028, 1, 31, 8, 59), 1, date(2028, 2, 29)),
    (kst(2026, 12, 1, 2, 0), 1, date(2027, 1, 1)),
    (kst(2026, 3, 31, 8, 0), -1, date(2026, 2, 28)),
])
def test_add_months_kst_named_cases(moment, months, expected):
    result = tu.add_months_kst(moment.astimezone(timezone.utc), months)
    assert result.tzinfo is not None
    assert tu.kst_date(result) == expected
    assert tu.to_kst(result).time() == moment.time()  # same Korean wall-clock time


instants = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 12, 31),
                        timezones=st.just(timezone.utc))


@settings(max_examples=300, deadline=None)
@given(moment=instants, months=st.integers(min_value=-240, max_value=240))
def test_add_months_property(moment, months):
    """For every instant and month count: the result's Korean date lies exactly
    ``months`` calendar months after the issue's Korean date, on the same day or the
    target month's last day when that day does not exist, at the same KST time."""
    start = tu.to_kst(moment)
    result = tu.to_kst(tu.add_months_kst(moment, months))
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(start.day, last)
    assert result.time() == start.time()
    # the date-only rule agrees, and going back never lands later than the start
    assert tu.add_months(start.date(), months) == result.date()
    if start.day <= 28:
        assert tu.add_months(result.date(), -months) == start.date()


@pytest.mark.parametrize("month,start,end", [
    ("2026-03", datetime(2026, 2, 28, 15, tzinfo=timezone.utc), datetime(2026, 3, 31, 15, tzinfo=timezone.utc)),
    ("2028-02", datetime(2028, 1, 31, 15, tzinfo=timezone.utc), datetime(2028, 2, 29, 15, tzinfo=timezone.utc)),
    ("2026-12", datetime(2026, 11, 30, 15, tzinfo=timezone.utc), datetime(2026, 12, 31, 15, tzinfo=timezone.utc)),
])
def test_month_bounds_are_korean_months(month, start, end):
    assert tu.kst_month_bounds(month) == (start, end)
    from lms.analytics.filters import month_bounds

    assert month_bounds(month) == (start, end)  # statistics use the same months


@pytest.mark.parametrize("today,previous", [
    (date(2026, 3, 1), "2026-02"), (date(2026, 1, 1), "2025-12"), (date(2028, 2, 29), "2028-01"),
])
def test_previous_month(today, previous):
    assert tu.previous_month(today) == previous


def test_last_month_of_the_ministry_report_at_dawn_on_the_first():
    """At 00:30 KST on 1 March the UTC date is still 28 February: last month is February."""
    from lms.analytics.views import _last_month

    with tu.frozen_clock(kst(2026, 3, 1, 0, 30)):
        assert _last_month() == "2026-02"
    with tu.frozen_clock(kst(2026, 1, 1, 8, 0)):
        assert _last_month() == "2025-12"


def test_kst_span_crosses_midnight():
    s, e = tu.kst_span(date(2026, 3, 31), time(22, 0), time(1, 0))
    assert s == datetime(2026, 3, 31, 13, tzinfo=timezone.utc)
    assert e == datetime(2026, 3, 31, 16, tzinfo=timezone.utc)
    assert tu.span_text(s, e) == "2026-03-31 22:00~2026-04-01 01:00"
    s2, e2 = tu.kst_span(date(2028, 2, 28), time(22, 0), time(1, 0), end_day=date(2028, 2, 29))
    assert tu.span_text(s2, e2) == "2028-02-28 22:00~2028-02-29 01:00"
    # the same Korean day: only the time on the right
    s3, e3 = tu.kst_span(date(2026, 3, 1), time(0, 30), time(8, 30))
    assert s3.date() == date(2026, 2, 28)  # UTC date is the day before ...
    assert tu.span_text(s3, e3) == "2026-03-01 00:30~08:30"  # ... the Korean one is shown
    assert tu.same_kst_day(s3, e3) and not tu.same_kst_day(s, e)


def test_frozen_clock_moves_and_unwinds():
    with tu.frozen_clock(kst(2026, 2, 28, 23, 0)) as clock:
        clock.advance(timedelta(hours=2))
        assert tu.today_kst() == date(2026, 3, 1)
        clock.set(kst(2028, 2, 29, 0, 0))
        assert tu.today_kst() == date(2028, 2, 29)
    assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=5)
    with pytest.raises(ValueError):
        with tu.frozen_clock(datetime(2026, 1, 1)):
            pass


def test_birth_dates_are_checked_against_the_korean_today():
    """A birth date after today's Korean date is refused; today's is accepted even
    at 08:00 KST, when the UTC date is still yesterday."""
    from lms.accounts.services import create_user
    from lms.errors import ValidationError

    with tu.frozen_clock(kst(2020, 3, 1, 8, 0)):
        u = create_user("born-today@example.com", "오늘생", birth_date=date(2020, 3, 1))
        assert u.birth_date == date(2020, 3, 1)
        with pytest.raises(ValidationError):
            create_user("born-later@example.com", "미래생", birth_date=date(2020, 3, 2))


@settings(max_examples=200, deadline=None)
@given(moment=st.one_of(
    instants,
    # the hours that matter: 00:00-09:00 KST on the last and first days of months, 29 February
    st.builds(lambda d, m: datetime.combine(d, time()).replace(tzinfo=KST) + timedelta(minutes=m),
              st.sampled_from([date(2026, 3, 1), date(2028, 2, 29), date(2028, 3, 1), date(2027, 1, 1),
                               date(2026, 12, 31), date(2026, 10, 1)]),
              st.integers(0, 9 * 60 - 1))))
def test_statistics_months_and_days_are_korean(moment):
    """The analytics engine's month of an instant (intake-cohort months, cumulative
    series) and its Korean day number agree with timeutil for every instant."""
    from lms.analytics.months import KST_OFFSET, month_index as _month_index, month_label as _month_label

    epoch = moment.timestamp()
    assert _month_label(int(_month_index([epoch])[0])) == tu.month_of(moment)
    start, end = tu.kst_month_bounds(tu.month_of(moment))
    assert start <= moment < end
    days = int((epoch + KST_OFFSET) // 86400)
    assert date(1970, 1, 1) + timedelta(days=days) == tu.kst_date(moment)


@pytest.mark.parametrize("at,month,allowed", [
    (kst(2026, 3, 1, 0, 30), "2026-02", True),  # February has ended in Korea (UTC is still 28 Feb)
    (kst(2026, 2, 28, 23, 30), "2026-02", False),
    (kst(2028, 3, 1, 8, 59), "2028-02", True),
    (kst(2028, 2, 29, 8, 59), "2028-02", False),
])
def test_closing_a_month_follows_korean_month_ends(app, at, month, allowed):
    from lms.analytics import services
    from lms.errors import ValidationError

    with tu.frozen_clock(at):
        if allowed:
            assert services.close_month(month, None).month == month
        else:
            with pytest.raises(ValidationError):
                services.close_month(month, None)
