"""What every part of the demo seed shares: the fixed constants (demo accounts, the
fixed today, year weights, the national target), the report and error types, the
course view the generator works from, and the Korean-time and weighted-choice helpers.

Imports nothing else of ``lms.demo``: the other seed modules build on it.
"""
from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from lms.errors import DomainError

TODAY = date(2026, 11, 20)
KST = timezone(timedelta(hours=9))
UTC = timezone.utc
DEMO_PASSWORD = "demo1234!"
DEMO_EMAILS = {"trainee": "trainee@demo.kr", "instructor": "instructor@demo.kr",
               "ministry": "ministry@demo.kr", "admin": "admin@demo.kr"}
# Ministry and admin accounts need a second factor. The two demo ones (and only they, only
# in this demo seed) come enrolled with this published TOTP secret so that anyone can try
# them: add it to an authenticator app, or print a code with
# ``python -c "import pyotp; print(pyotp.TOTP('SMARTFACTORYDEMOSMARTFACTORYDEMO').now())"``.
DEMO_TOTP_SECRET = "SMARTFACTORYDEMOSMARTFACTORYDEMO"
FIRST_YEAR = 2019
# Share of trainees who register in each year: the programme grew until 2025.
YEAR_WEIGHTS = {2019: 4, 2020: 6, 2021: 9, 2022: 12, 2023: 14, 2024: 17, 2025: 20, 2026: 18}
TARGET_COUNT = 100_000
# The 2018 plan aimed at 2022; the demo's editable target uses the extended date
# that gives the dashboard a live forecast instead of a long-missed deadline.
TARGET_DATE = date(2027, 12, 31)



class NoCourses(DomainError):
    """The catalogue is empty: run ``flask courses sync`` before seeding."""


@dataclass
class SeedReport:
    """What a seed run wrote: rows per table and the seconds it took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    trainees: int = 0
    seed: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


# ------------------------------------------------------------------ helpers

def business_number_is_valid(number: str) -> bool:
    """The 사업자등록번호 check digit rule (weights 1,3,7,1,3,7,1,3,5)."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(d * w for d, w in zip(digits, weights)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10 == digits[9]


def _kst(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Korean wall-clock time on ``day`` as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST).astimezone(UTC)


def _kst_date(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def _add_months(moment: datetime, months: int) -> datetime:
    """Certificate expiry as the application computes it (Korean calendar date, clamped)."""
    from lms.core.timeutil import add_months_kst

    return add_months_kst(moment, months)


class _Weighted:
    """Fast weighted choice from fixed (value, weight) pairs with a given RNG."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]



@dataclass
class _Course:
    id: int
    code: str
    title_ko: str
    title_en: str
    hours: int
    valid_for_months: int | None
    pass_mark: int
    modules: list  # [(id, kind, hours, quiz spec | checklist | None, equipment)]
    has_practical: bool
    level: str

