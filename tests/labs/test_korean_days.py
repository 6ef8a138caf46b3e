"""Lab records dated on the Korean calendar: a sign-off made at 08:00 KST on the
first of the month is dated that day, not the UTC date before."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from lms.core.timeutil import KST, frozen_clock
from lms.errors import ValidationError
from lms.labs.signoff import sign_off
from tests.labs.conftest import enrolled_trainee


def _all(module, passed=True):
    return [{"item": it["id"], "passed": passed, "comment": ""} for it in module.data["checklist"]]


@pytest.mark.parametrize("moment", [datetime(2026, 3, 1, 8, 0, tzinfo=KST), datetime(2028, 2, 29, 0, 5, tzinfo=KST)])
def test_signoff_is_dated_on_the_korean_day(world, moment):
    _, e = enrolled_trainee(world)
    with frozen_clock(moment):
        so = sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
        assert so.assessed_on == moment.date()


def test_signoff_date_cannot_be_after_the_korean_today(world):
    _, e = enrolled_trainee(world)
    with frozen_clock(datetime(2026, 3, 1, 8, 0, tzinfo=KST)):
        with pytest.raises(ValidationError):
            sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed",
                     assessed_on=date(2026, 3, 2))
