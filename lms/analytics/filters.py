"""The filters a dashboard view is computed for, parsed from and written back to the URL.

Filters combine (AND). They live in the query string so a view can be shared by
copying its address. The period is chosen by whole Korean months (``from=2026-01``,
``to=2026-06``): a day in the URL (``to=2026-10-20``) is widened to its month, so two
views never differ by one day (the privacy rule, :mod:`lms.analytics.privacy`). ``cohort_ids`` is never taken from the URL: it is set by
the instructor view to scope the analytics to the instructor's own cohorts.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone

from lms.core.timeutil import KST
from lms.labs.models import PROGRAMME_KINDS  # the one list of programme types


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None  # people registered on/after this KST day (first of a month from the URL)
    date_to: date | None = None  # ... and by this KST day (last of a month); states are evaluated at its end
    region: str | None = None  # 시·도 code
    kind: str | None = None  # contract | smart_lab | online
    institution_id: int | None = None
    course_id: int | None = None
    cohort_ids: tuple[int, ...] | None = field(default=None)  # instructor scope (None = all)
    as_of: datetime | None = None  # explicit evaluation instant (monthly report); overrides date_to's end

    @classmethod
    def from_args(cls, args) -> "Filters":
        """Parse ``request.args``; anything malformed is ignored rather than failing the page."""

        def _month(name, last: bool):
            raw = (args.get(name) or "").strip()
            try:
                y, m = (int(x) for x in raw.split("-")[:2])
                first = date(y, m, 1)
            except (TypeError, ValueError):
                return None
            if not 1900 <= y <= 2999:  # nothing to count outside; keeps date arithmetic in range
                return None
            return month_end(first) if last else first

        def _int(name):
            try:
                return int(args.get(name)) if args.get(name) else None
            except (TypeError, ValueError):
                return None

        kind = args.get("kind") or None
        region = (args.get("region") or "").strip()[:8] or None
        return cls(date_from=_month("from", False), date_to=_month("to", True), region=region,
                   kind=kind if kind in PROGRAMME_KINDS else None,
                   institution_id=_int("institution"), course_id=_int("course"))

    @classmethod
    def checked(cls, args) -> tuple["Filters", list[str]]:
        """``from_args`` plus what was wrong with the request, in words: a month that is not
        ``YYYY-MM`` (left out), a start after the end (the period is left out, not swapped:
        the user meant something else). Returns (filters, messages)."""
        from flask_babel import gettext as _

        filters, problems = cls.from_args(args), []
        for name, value in (("from", filters.date_from), ("to", filters.date_to)):
            if (args.get(name) or "").strip() and value is None:
                problems.append(_("기간은 2026-03처럼 연도와 월로 골라 주세요. 알아볼 수 없는 값은 빼고 보여 드립니다."))
                break
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            problems.append(_("시작 월이 끝 월보다 늦습니다. 기간을 빼고 전체 기간으로 보여 드립니다."))
            filters = replace(filters, date_from=None, date_to=None)
        return filters, problems

    def to_args(self) -> dict:
        """The query-string form (only what is set), for links and exports."""
        out = {}
        if self.date_from:
            out["from"] = self.date_from.strftime("%Y-%m")
        if self.date_to:
            out["to"] = self.date_to.strftime("%Y-%m")
        if self.region:
            out["region"] = self.region
        if self.kind:
            out["kind"] = self.kind
        if self.institution_id:
            out["institution"] = str(self.institution_id)
        if self.course_id:
            out["course"] = str(self.course_id)
        return out

    def with_scope(self, cohort_ids) -> "Filters":
        return replace(self, cohort_ids=tuple(sorted(set(cohort_ids))))

    def evaluation_instant(self, now: datetime | None = None) -> datetime:
        """When states (completed, certified, valid) are evaluated: the end of ``date_to``
        in Korean time, an explicit ``as_of``, or now; never later than now."""
        now = now or datetime.now(timezone.utc)
        if self.as_of is not None:
            return min(self.as_of, now)
        if self.date_to is not None:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=KST).astimezone(timezone.utc)
            return min(end, now)
        return now

    def start_instant(self) -> datetime | None:
        if self.date_from is None:
            return None
        return datetime.combine(self.date_from, time.min, tzinfo=KST).astimezone(timezone.utc)

    def is_national(self) -> bool:
        """Whether the view is the whole programme (the national target applies): no
        subset filter and no instructor scope; an end month or ``as_of`` only moves time."""
        return not (self.date_from or self.region or self.kind or self.institution_id or self.course_id
                    or self.cohort_ids is not None)

    def is_empty(self) -> bool:
        return not self.to_args() and self.cohort_ids is None and self.as_of is None

    def cache_key(self) -> str:
        d = asdict(self)
        return json.dumps(d, default=str, sort_keys=True)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-10"`` -> (start, end) of that Korean month as aware UTC datetimes."""
    y, m = (int(x) for x in month.split("-"))
    start = datetime(y, m, 1, tzinfo=KST)
    end = datetime(y + (m == 12), m % 12 + 1, 1, tzinfo=KST)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)
