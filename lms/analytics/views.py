"""Ministry dashboard (/ministry), its exports and monthly report, the national target
and month closing (admins), and the instructors' analytics of their own cohorts."""
from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
import sqlalchemy as sa

from lms.analytics import services
from lms.analytics.filters import PROGRAMME_KINDS, Filters
from lms.analytics import jobs as _jobs  # noqa: F401  (registers the analytics' job handlers)
from lms.analytics.forms import CloseMonthForm, FilterForm, ReportForm, TargetForm
from lms.analytics.specs import TABLES, kind_labels
from lms.core import nav
from lms.core.access_log import log_access
from lms.core.authz import policy
from lms.core.timeutil import today_kst
from lms.errors import DomainError
from lms.extensions import db

bp = Blueprint("analytics", __name__)

nav.register("analytics.dashboard", _l("통계"), roles=("ministry", "admin"), order=70)
nav.register("analytics.instructor", _l("담당 기수 통계"), roles=("instructor",), order=72)

BREAKDOWNS = ("by_region", "by_kind", "by_institution", "by_tech", "by_size", "by_course", "by_complex", "by_priority")


def _filter_form(filters: Filters) -> FilterForm:
    from lms.catalog.models import Course
    from lms.orgs.models import Institution, Region

    from werkzeug.datastructures import MultiDict

    form = FilterForm(MultiDict(filters.to_args()))  # what is applied: months, known values only
    every = [("", _("전체"))]
    today = today_kst()
    regions = db.session.execute(sa.select(Region).order_by(Region.code)).scalars().all()
    form.region.choices = every + [(r.code, r.name_ko) for r in regions if r.is_valid_on(today)]
    form.kind.choices = every + [(k, kind_labels()[k]) for k in PROGRAMME_KINDS]
    form.institution.choices = every + [(str(i), n) for i, n in db.session.execute(
        sa.select(Institution.id, Institution.name_ko).order_by(Institution.name_ko))]
    form.course.choices = every + [(str(i), f"{c} {t}") for i, c, t in db.session.execute(
        sa.select(Course.id, Course.code, Course.title_ko).order_by(Course.code))]
    return form


@bp.app_template_global("keep_words")
def _keep_words(text) -> str:
    from lms.analytics.charts import keep_words

    return keep_words(text)


def fmt_cell(value, kind: str) -> str:
    """A cell as shown on screen: 12,345 · 45.6% · <5 · blank. A rate or a median whose
    people are too few to publish reads 비공개 (``<5`` would read as a value below 5;
    ``kind="median"`` is a value column with a basis of people, e.g. median days)."""
    if value is None:
        return ""
    if isinstance(value, str):
        from lms.analytics.privacy import SUPPRESSED

        return _("비공개") if value == SUPPRESSED and kind in ("rate", "heat", "median") else value
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "heat":  # heat-map cells: whole percents keep the grid narrow
        return f"{value * 100:.0f}%"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def sort_key(value) -> str:
    return "" if value is None or isinstance(value, str) else repr(float(value))


def _luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    lin = [c / 255 / 12.92 if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def heat_style(value) -> str:
    """Background of a heat-map cell (darker = larger share certified), an opaque blue, with
    black or white text, whichever contrasts more (never below 4.5:1, WCAG 1.4.3)."""
    if not isinstance(value, (int, float)):
        return ""
    alpha = 0.08 + 0.8 * max(0.0, min(float(value), 1.0))
    return _heat_colours(tuple(round(255 + (c - 255) * alpha) for c in (29, 78, 216)))


@functools.lru_cache(maxsize=512)
def _heat_colours(rgb: tuple[int, int, int]) -> str:
    """The cell style of one background (a few hundred distinct ones: the channels are whole numbers)."""
    lum = _luminance(rgb)
    color = "#000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#fff"
    return "background: #{:02x}{:02x}{:02x}; color: {};".format(*rgb, color)


def column(table: dict, key: str) -> list:
    """One column of a presented table, by key."""
    i = table["columns"].index(key)
    return [r[i] for r in table["rows"]]


def pairs(table: dict, key: str) -> list[tuple[str, object]]:
    """(label, value) pairs for a bar chart."""
    return list(zip([str(v) for v in column(table, "label")], column(table, key)))


def _sections(ctx: dict) -> Markup:
    """The charts and tables, rendered once per (audience, filters, locale, data generation):
    a few thousand cells are the bulk of the page, so a cached load skips rendering them."""
    from flask_babel import get_locale

    from lms.analytics import cache

    key = f"html:{ctx['audience']}:{get_locale()}:{ctx['filters'].cache_key()}"
    ttl = current_app.config.get("ANALYTICS_CACHE_TTL", services.RESULT_TTL)
    return Markup(cache.cached(key, ttl, lambda: render_template("analytics/_sections.html", **ctx)))  # nosec B704 # autoescaped Jinja output; the Redis copy is HMAC-signed (cache.py)


def _context(filters: Filters, data: dict, *, audience: str) -> dict:
    from datetime import datetime

    from lms.analytics import charts, exports
    from lms.core.timeutil import to_kst

    as_of = to_kst(datetime.fromisoformat(data["headline"]["as_of"])).strftime("%Y-%m-%d %H:%M")
    return dict(filters=filters, data=data, head=data["headline"], specs=TABLES, breakdowns=BREAKDOWNS,
                args=filters.to_args(), fmt_cell=fmt_cell, sort_key=sort_key, heat_style=heat_style,
                charts=charts, audience=audience, kinds=kind_labels(), column=column, pairs=pairs,
                as_of_kst=as_of, last_month=_last_month(), privacy_rule=exports.suppression_rule(),
                definitions_note=exports.definitions_note())


@bp.get("/ministry")
@policy("ministry", "admin")
def dashboard():
    filters, problems = Filters.checked(request.args)
    data = services.dashboard(filters, suppress=True)
    ctx = _context(filters, data, audience="ministry")
    ctx["filter_problems"] = problems
    ctx.update(form=_filter_form(filters), closed=services.closed_month_changes(exact=current_user.role == "admin"),
               export_endpoint="analytics.export", report_form=ReportForm(data={"month": ctx["last_month"]}))
    ctx["sections_html"] = _sections(ctx)
    if current_user.role == "admin":
        target = services.get_target()
        ctx["target_form"] = TargetForm(data={"target_count": target.target_count, "target_date": target.target_date,
                                              "programme_start": target.programme_start or services.DEFAULT_PROGRAMME_START,
                                              "baseline_count": target.baseline_count or 0})
        ctx["close_form"] = CloseMonthForm()
    db.session.commit()  # the default Target row, if it was just created
    return render_template("analytics/dashboard.html", **ctx)


def _export(filters: Filters, table: str, fmt: str, suppress: bool) -> Response:
    try:
        payload, filename, mimetype = services.export_table(table, fmt, filters, current_user, suppress=suppress)
    except DomainError:
        abort(404)
    db.session.commit()  # the audit event
    return Response(payload, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.get("/ministry/export/<table>.<fmt>")
@policy("ministry", "admin")
def export(table: str, fmt: str):
    return _export(Filters.from_args(request.args), table, fmt, suppress=True)


@bp.get("/ministry/report.pdf")
@policy("ministry", "admin")
def report():
    month = request.args.get("month") or _last_month()
    try:
        payload = services.report_pdf(month, actor=current_user)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("analytics.dashboard"))
    db.session.commit()
    return Response(payload, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="monthly-report-{month}.pdf"'})


@bp.post("/ministry/report")
@policy("ministry", "admin")
def report_job():
    """Queue the monthly report of ``month`` (job ``analytics.monthly_report``) and show its
    progress page; a month that has not ended is refused here, before any job."""
    from lms.jobs import enqueue

    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("보고서 월을 YYYY-MM 형식으로 골라 주세요."), "error")
        return redirect(url_for("analytics.dashboard"))
    try:
        month = services.check_report_month(form.month.data)
    except DomainError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("analytics.dashboard"))
    job = enqueue("analytics.monthly_report", actor=current_user, params={"month": month})
    return redirect(url_for("jobs.detail", job_id=job.id))


def _last_month() -> str:
    d = today_kst().replace(day=1)
    return f"{d.year - (d.month == 1):04d}-{(d.month - 2) % 12 + 1:02d}"


@bp.post("/ministry/target")
@policy("admin")
def target():
    form = TargetForm()
    if form.validate_on_submit():
        try:
            services.update_target(form.target_count.data, form.target_date.data, current_user,
                                   programme_start=form.programme_start.data, baseline=form.baseline_count.data)
            db.session.commit()
            flash(_("목표를 저장했습니다."), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
    else:
        flash(_("목표 인원, 일자, 사업 시작일과 기준 인원을 확인해 주세요."), "error")
    return redirect(url_for("analytics.dashboard"))


@bp.post("/ministry/close-month")
@policy("admin")
def close_month():
    form = CloseMonthForm()
    if form.validate_on_submit():
        try:
            services.close_month(form.month.data, current_user)
            db.session.commit()
            flash(_("%(m)s 수치를 마감했습니다.", m=form.month.data), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
    else:
        flash(_("마감할 달을 YYYY-MM 형식으로 입력해 주세요."), "error")
    return redirect(url_for("analytics.dashboard"))


@bp.get("/instructor/analytics")
@policy("instructor", "admin")
def instructor():
    cohort_ids = services.instructor_cohort_ids(current_user)
    filters, problems = Filters.checked(request.args)
    filters = filters.with_scope(cohort_ids)
    data = services.dashboard(filters, suppress=False)
    ctx = _context(filters, data, audience="instructor")
    ctx["filter_problems"] = problems
    trainees = services.instructor_trainee_rows(cohort_ids, filters)
    ctx.update(form=_filter_form(filters), trainees=trainees, export_endpoint="analytics.instructor_export", closed=[])
    log_access("view", [t["user_id"] for t in trainees], count=len(trainees),
               description="instructor analytics trainee rows, cohorts " + ",".join(map(str, cohort_ids))[:200])
    ctx["sections_html"] = _sections(ctx)
    db.session.commit()
    return render_template("analytics/dashboard.html", **ctx)


@bp.get("/instructor/analytics/export/<table>.<fmt>")
@policy("instructor", "admin")
def instructor_export(table: str, fmt: str):
    cohort_ids = services.instructor_cohort_ids(current_user)
    return _export(Filters.from_args(request.args).with_scope(cohort_ids), table, fmt, suppress=False)
