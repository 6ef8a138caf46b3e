"""Analytics services: the target, the dashboard (cached), closing months, exports
and the monthly report. Services flush, never commit; views and CLI commit."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from lms.analytics import cache
from lms.analytics.filters import Filters, month_bounds
from lms.analytics.models import ClosedMonth, Target
from lms.core.audit import record
from lms.core.db import utcnow
from lms.errors import Conflict, ValidationError
from lms.extensions import db

DEFAULT_TARGET = 100_000
DEFAULT_TARGET_DATE = date(2027, 12, 31)
DEFAULT_PROGRAMME_START = date(2018, 12, 1)  # the 100,000-operator goal was set in December 2018
RESULT_TTL = 120  # seconds a finished dashboard is reused without a data change
BASE_TTL = 300  # seconds the loaded base frames are reused without a data change
COMPARED_KEYS = ("registered", "enrolled", "completed", "certified_valid")


def get_target() -> Target:
    """The national target; the default row (100,000 by the end of 2027) is created if none exists."""
    target = db.session.execute(sa.select(Target).order_by(Target.id.desc()).limit(1)).scalar_one_or_none()
    if target is None:
        target = Target(target_count=DEFAULT_TARGET, target_date=DEFAULT_TARGET_DATE)
        db.session.add(target)
        db.session.flush()
    return target


def update_target(count: int, target_date: date, actor, *, programme_start: date | None = None,
                  baseline: int | None = None) -> Target:
    """Change the national target (admins): ``count`` people by ``target_date``,
    counted from ``baseline`` people at ``programme_start`` (both kept when None).
    Raises ValidationError when the count is not positive, the baseline is negative
    or not below the count, or the start is not before the target date. Audited."""
    if count is None or count <= 0:
        raise ValidationError(_("목표 인원은 1명 이상이어야 합니다."))
    if target_date is None:
        raise ValidationError(_("목표 일자를 입력해 주세요."))
    target = get_target()
    start = programme_start or target.programme_start or DEFAULT_PROGRAMME_START
    base_count = target.baseline_count if baseline is None else baseline
    if base_count < 0 or base_count >= count:
        raise ValidationError(_("기준 인원은 0명 이상, 목표 인원보다 적어야 합니다."))
    if start >= target_date:
        raise ValidationError(_("사업 시작일은 목표 일자보다 앞서야 합니다."))
    before = {"count": target.target_count, "date": target.target_date.isoformat(),
              "start": (target.programme_start or DEFAULT_PROGRAMME_START).isoformat(), "baseline": target.baseline_count}
    target.target_count = count
    target.target_date = target_date
    target.programme_start = start
    target.baseline_count = base_count
    target.updated_at = utcnow()
    target.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "analytics.target.update", target, before=before,
           after={"count": count, "date": target_date.isoformat(), "start": start.isoformat(), "baseline": base_count})
    cache.bump()
    return target


def _target_dict() -> dict:
    """The target as the engine takes it: count, date, start, baseline."""
    t = get_target()
    return {"count": t.target_count, "date": t.target_date, "start": t.programme_start or DEFAULT_PROGRAMME_START,
            "baseline": t.baseline_count or 0}


def get_base():
    """The loaded base frames, cached in-process per data generation."""
    from lms.analytics import engine

    ttl = current_app.config.get("ANALYTICS_BASE_TTL", BASE_TTL)
    return cache.base_frames(engine.load_base, ttl)


def compute_raw(filters: Filters) -> dict:
    """Raw (unsuppressed) figures as plain JSON-able data: headline and tables."""
    from lms.analytics import engine
    from lms.analytics.specs import engine_labels

    report = engine.compute(get_base(), filters, _target_dict(), engine_labels())
    return engine.to_plain(report)


def present(raw: dict, suppress: bool) -> dict:
    """Visible columns, suppressed for the ministry, as plain data for templates and files."""
    from lms.analytics import engine, privacy

    frames = engine.from_plain(raw)
    tables = privacy.public_tables(frames["tables"], suppress=suppress)
    head = privacy.suppress_headline(raw["headline"]) if suppress else dict(raw["headline"])
    return {"headline": head,
            "tables": {k: {"columns": list(df.columns), "rows": [[_clean(v) for v in r] for r in df.itertuples(index=False, name=None)]}
                       for k, df in tables.items()}}


def _clean(v):
    if isinstance(v, float) and v != v:  # NaN
        return None
    return v


def dashboard(filters: Filters, *, suppress: bool = True) -> dict:
    """The dashboard for ``filters``: cached per (audience, filters, locale) and data generation."""
    from flask_babel import get_locale

    key = f"dash:{int(suppress)}:{get_locale()}:{filters.cache_key()}"
    ttl = current_app.config.get("ANALYTICS_CACHE_TTL", RESULT_TTL)
    return cache.cached(key, ttl, lambda: present(compute_raw(filters), suppress))


# ---------------------------------------------------------------- closed months

def _check_month(month: str) -> str:
    try:
        y, m = (int(x) for x in month.split("-"))
        if not (2000 <= y <= 2100 and 1 <= m <= 12):
            raise ValueError
    except ValueError:
        raise ValidationError(_("월은 YYYY-MM 형식으로 입력해 주세요."))
    return f"{y:04d}-{m:02d}"


def month_filters(month: str) -> Filters:
    """National figures as they stood at the end of ``month`` (Korean time)."""
    _start, end = month_bounds(month)
    return Filters(as_of=end)


def close_month(month: str, actor) -> ClosedMonth:
    """Freeze the figures of an ended month; the report of a closed month uses them."""
    month = _check_month(month)
    _start, end = month_bounds(month)
    if end > utcnow():
        raise ValidationError(_("아직 끝나지 않은 달은 마감할 수 없습니다."))
    if db.session.get(ClosedMonth, month) is not None:
        raise Conflict(_("%(month)s은(는) 이미 마감되었습니다.", month=month))
    figures = compute_raw(month_filters(month))
    closed = ClosedMonth(month=month, closed_by_id=getattr(actor, "id", None), figures=figures)
    db.session.add(closed)
    db.session.flush()
    record(actor, "analytics.month.close", object_type="ClosedMonth", object_id=month,
           **{k: figures["headline"].get(k) for k in COMPARED_KEYS})
    return closed


def month_report_data(month: str) -> tuple[dict, ClosedMonth | None]:
    """Raw figures of ``month``: frozen when closed, else computed now."""
    month = _check_month(month)
    closed = db.session.get(ClosedMonth, month)
    if closed is not None:
        return closed.figures, closed
    return compute_raw(month_filters(month)), None


def closed_month_changes(limit: int = 6, *, exact: bool = False) -> list[dict]:
    """For the latest closed months: headline figures that differ now from the frozen ones.

    Unless ``exact`` (admins, who correct the records), frozen and current figures
    are compared and shown as published (rounded, :mod:`lms.analytics.privacy`):
    a correction of one person must not show through the comparison either."""
    from lms.analytics.privacy import round_count

    rows = db.session.execute(sa.select(ClosedMonth).order_by(ClosedMonth.month.desc()).limit(limit)).scalars().all()
    out = []
    for closed in rows:
        now_raw = cache.cached(f"month-now:{closed.month}", current_app.config.get("ANALYTICS_CACHE_TTL", RESULT_TTL),
                               lambda m=closed.month: compute_raw(month_filters(m)))
        changes = []
        for key in COMPARED_KEYS:
            frozen = closed.figures.get("headline", {}).get(key)
            current = now_raw["headline"].get(key)
            if not exact:
                frozen, current = round_count(frozen), round_count(current)
            if frozen != current:
                changes.append({"key": key, "frozen": frozen, "current": current})
        out.append({"month": closed.month, "closed_at": closed.closed_at, "changes": changes,
                    "frozen": closed.figures.get("headline", {})})
    return out


# ---------------------------------------------------------------- instructors

def instructor_cohort_ids(user) -> list[int]:
    """Cohorts the instructor teaches (admins: every cohort)."""
    from lms.labs.models import Cohort, cohort_instructors

    if user.role == "admin":
        return list(db.session.execute(sa.select(Cohort.id)).scalars())
    return list(db.session.execute(sa.select(cohort_instructors.c.cohort_id)
                                   .where(cohort_instructors.c.user_id == user.id)).scalars())


def instructor_trainee_rows(cohort_ids: list[int], filters: Filters) -> list[dict]:
    """Per-trainee rows for an instructor's own cohorts (instructors may see their trainees)."""
    from lms.accounts.models import User
    from lms.catalog.models import Course
    from lms.certificates.models import Certificate
    from lms.labs.models import Cohort
    from lms.learning.models import Enrollment

    if not cohort_ids:
        return []
    cert = (sa.select(sa.func.max(Certificate.number)).where(Certificate.enrollment_id == Enrollment.id,
                                                             Certificate.revoked_at.is_(None))
            .correlate(Enrollment).scalar_subquery())
    stmt = (sa.select(User.name, User.email, Cohort.label, Course.code, Enrollment.status, Enrollment.enrolled_at,
                      Enrollment.completed_at, cert, User.id)
            .join(User, User.id == Enrollment.user_id).join(Course, Course.id == Enrollment.course_id)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Enrollment.cohort_id.in_(cohort_ids)).order_by(Cohort.label, User.name).limit(2000))
    if filters.course_id:
        stmt = stmt.where(Enrollment.course_id == filters.course_id)
    return [dict(name=r[0], email=r[1], cohort=r[2], course=r[3], status=r[4], enrolled_at=r[5],
                 completed_at=r[6], certificate=r[7], user_id=r[8]) for r in db.session.execute(stmt)]


# ---------------------------------------------------------------- exports

def export_table(table_key: str, fmt: str, filters: Filters, actor, *, suppress: bool = True) -> tuple[bytes, str, str]:
    """One table (or ``all``) as CSV or XLSX with the filters and the suppression rule
    written at the top. Audited. Returns (data, filename, mimetype)."""
    from lms.analytics import exports

    data = dashboard(filters, suppress=suppress)
    if table_key != "all" and table_key not in data["tables"]:
        raise ValidationError(_("알 수 없는 표입니다."))
    if fmt not in ("csv", "xlsx"):
        raise ValidationError(_("CSV 또는 XLSX만 내려받을 수 있습니다."))
    if fmt == "csv" and table_key == "all":
        raise ValidationError(_("CSV는 표 하나씩 내려받을 수 있습니다."))
    payload, filename, mimetype = exports.build(data, table_key, fmt, filters, suppress)
    record(actor, "analytics.export", object_type="AnalyticsTable", object_id=table_key,
           format=fmt, filters=filters.to_args(), suppressed=suppress)
    return payload, filename, mimetype


def check_report_month(month: str) -> str:
    """``month`` (YYYY-MM) normalised, when its report may be made: a month that has ended
    in Korean time. Raises ValidationError for a bad format and for this or a later month
    (a report of an unfinished month would print figures that are not the month's)."""
    from lms.core.timeutil import today_kst

    month = _check_month(month)
    today = today_kst()
    if month >= f"{today.year:04d}-{today.month:02d}":
        raise ValidationError(_("아직 끝나지 않은 달의 보고서는 만들 수 없습니다. 지난달까지 고를 수 있습니다."))
    return month


REPORT_STEPS = 3  # figures, privacy rules, PDF


def report_pdf(month: str, actor=None, progress=None) -> bytes:
    """The monthly statistics report (Korean PDF): frozen figures for a closed month, the
    figures as of the month's end for a past month not closed. Raises ValidationError for
    a month that has not ended (:func:`check_report_month`). ``progress(step, REPORT_STEPS)``
    is called after each step (it may commit: nothing is written before the last)."""
    from lms.analytics import report_pdf as pdf

    step = progress or (lambda done, total: None)
    month = check_report_month(month)
    raw, closed = month_report_data(month)
    step(1, REPORT_STEPS)
    data = present(raw, suppress=True)
    step(2, REPORT_STEPS)
    payload = pdf.render(month, data, closed_at=closed.closed_at if closed else None)
    step(3, REPORT_STEPS)
    if actor is not None:
        record(actor, "analytics.report", object_type="ClosedMonth", object_id=month, frozen=closed is not None)
    return payload
