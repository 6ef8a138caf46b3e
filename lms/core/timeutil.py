"""Time and calendar helpers: store UTC, count days and months on the Korean calendar.

The one place for calendar arithmetic. Instants are stored as aware UTC
datetimes; every rule that speaks of a *date*, a *day* or a *month* (certificate
validity, renewal windows, reminders "90 days before", "today", month boundaries
of statistics, cohort months, the days a lab session touches) works on the
Asia/Seoul date of that instant, never on the UTC date. Between 00:00 and 09:00
KST the two differ by one day, and at a month's end by one month.

Korea has kept UTC+9 without daylight saving since 1988, so a KST wall-clock time
maps to exactly one instant.

The clock: :func:`now_utc` is what the whole application calls "now"
(``lms.core.db.utcnow`` delegates to it). Tests pin it with :func:`frozen_clock`
instead of patching ``datetime``.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

KST = ZoneInfo("Asia/Seoul")

_clock_lock = threading.Lock()
_frozen: list[datetime] = []  # a stack: the innermost frozen_clock wins


# --------------------------------------------------------------------------- the clock

def now_utc() -> datetime:
    """The current instant as an aware UTC datetime (the frozen one inside :func:`frozen_clock`)."""
    if _frozen:
        return _frozen[-1]
    return datetime.now(timezone.utc)


@contextmanager
def frozen_clock(at: datetime) -> Iterator["_Clock"]:
    """Pin "now" to the aware instant ``at`` for the whole application (tests only).

    Yields a handle whose ``set(instant)`` and ``advance(timedelta)`` move the
    pinned time. Raises ValueError for a naive ``at``."""
    if at.tzinfo is None:
        raise ValueError("frozen_clock needs an aware datetime")
    with _clock_lock:
        _frozen.append(at.astimezone(timezone.utc))
        depth = len(_frozen)
    try:
        yield _Clock(depth - 1)
    finally:
        with _clock_lock:
            del _frozen[depth - 1:]


class _Clock:
    def __init__(self, index: int):
        self._index = index

    @property
    def now(self) -> datetime:
        return _frozen[self._index]

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("naive datetime")
        _frozen[self._index] = at.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        _frozen[self._index] = _frozen[self._index] + delta


# --------------------------------------------------------------------------- instants <-> Korean dates

def to_kst(value: datetime | None) -> datetime | None:
    """An instant in Korean time (naive values are taken as UTC); None stays None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(KST)


def kst_to_utc(value: datetime) -> datetime:
    """A naive wall-clock time typed by a Korean user, as an aware UTC datetime."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=KST)
    return value.astimezone(timezone.utc)


def kst_date(value: datetime) -> date:
    """The Korean calendar date of an instant (naive values are taken as UTC)."""
    return to_kst(value).date()


def today_kst(now: datetime | None = None) -> date:
    """Today's date in Korea (of ``now`` when given, else of the clock)."""
    return kst_date(now or now_utc())


def kst_day_start(day: date) -> datetime:
    """00:00 KST of ``day`` as an aware UTC datetime (the first instant of that Korean day)."""
    return datetime.combine(day, time.min, tzinfo=KST).astimezone(timezone.utc)


def kst_day_end(day: date) -> datetime:
    """The first instant after the Korean day ``day`` (00:00 KST of the next day), aware UTC."""
    return kst_day_start(day + timedelta(days=1))


def kst_days_until(later: datetime, now: datetime) -> int:
    """Whole Korean calendar days from ``now``'s KST date to ``later``'s (negative when past)."""
    return (kst_date(later) - kst_date(now)).days


# --------------------------------------------------------------------------- months

def add_months(day: date, months: int) -> date:
    """The same calendar date ``months`` later (or earlier when negative), the day
    clamped to the last day of the target month: 2028-02-29 + 12 -> 2029-02-28,
    2026-03-31 + 6 -> 2026-09-30."""
    return day + relativedelta(months=months)


def add_months_kst(moment: datetime, months: int) -> datetime:
    """An instant ``months`` later on the Korean calendar: same KST wall-clock time,
    on the KST date :func:`add_months` gives. Returns an aware UTC datetime.

    2027-03-01 03:00 KST + 12 -> 2028-03-01 03:00 KST (not the UTC date's
    2028-02-29)."""
    local = to_kst(moment)
    target = add_months(local.date(), months)
    return datetime.combine(target, local.timetz()).astimezone(timezone.utc)


def month_of(value: date | datetime) -> str:
    """``"YYYY-MM"`` of a date, or of an instant's Korean date."""
    d = kst_date(value) if isinstance(value, datetime) else value
    return f"{d.year:04d}-{d.month:02d}"


def kst_month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-10"`` -> (first instant, first instant after) of that Korean month, aware UTC.

    Raises ValueError for anything but ``YYYY-MM`` with a month 1..12."""
    y, m = (int(x) for x in month.split("-"))
    first = date(y, m, 1)
    return kst_day_start(first), kst_day_start(add_months(first, 1))


def previous_month(today: date) -> str:
    """``"YYYY-MM"`` of the month before the one ``today`` lies in."""
    return month_of(add_months(today.replace(day=1), -1))


# --------------------------------------------------------------------------- spans (lab sessions)

def kst_span(day: date, start: time, end: time, end_day: date | None = None) -> tuple[datetime, datetime]:
    """(start, end) instants, aware UTC, of a span typed in Korean wall-clock time.

    ``end_day`` defaults to ``day``; when it is not given and ``end`` is not after
    ``start`` the span ends the next day (a 22:00-01:00 night shift)."""
    if end_day is None:
        end_day = day if end > start else day + timedelta(days=1)
    return kst_to_utc(datetime.combine(day, start)), kst_to_utc(datetime.combine(end_day, end))


def same_kst_day(start: datetime, end: datetime) -> bool:
    """Whether two instants fall on the same Korean calendar date."""
    return kst_date(start) == kst_date(end)


def span_text(start: datetime, end: datetime, *, with_date: bool = True) -> str:
    """A span in Korean time: ``2026-03-31 09:00~13:00``; the end carries its date
    when it falls on another Korean day: ``2026-03-31 22:00~2026-04-01 01:00``.
    Without ``with_date`` the start's date is left out (``22:00~04-01 01:00``
    still names the end's day)."""
    s, e = to_kst(start), to_kst(end)
    head = f"{s:%Y-%m-%d %H:%M}" if with_date else f"{s:%H:%M}"
    if e.date() == s.date():
        return f"{head}~{e:%H:%M}"
    tail = f"{e:%Y-%m-%d %H:%M}" if with_date or e.year != s.year else f"{e:%m-%d %H:%M}"
    return f"{head}~{tail}"


# --------------------------------------------------------------------------- display

def korean_date(d: date) -> str:
    """2026년 6월 30일"""
    return f"{d.year}년 {d.month}월 {d.day}일"


def dotted_date(d: date) -> str:
    """2026. 3. 2."""
    return f"{d.year}. {d.month}. {d.day}."
