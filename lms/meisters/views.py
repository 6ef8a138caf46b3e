"""Meister screens: the meister's own placements and visit log (phone-first), and
the public page where a company's contact confirms a visit. The admin screens
(recruiting, approving, placing, matching) are in ``admin_views``.

Objects go through get_for (404 before 403): a meister reaches only their own
placements and visits."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.core.authz import get_for, policy
from lms.core.i18n import localized
from lms.core.timeutil import today_kst
from lms.errors import DomainError
from lms.extensions import db
from lms.meisters import admin_views as _admin_views  # noqa: F401  (admin routes on the same blueprint)
from lms.meisters import onsite_views as _onsite_views  # noqa: F401  (on-site classes, workplace sign-off)
from lms.meisters import placements as pl
from lms.meisters import services as svc
from lms.meisters.blueprint import bp
from lms.meisters.models import Placement, Visit

__all__ = ["bp"]  # the app registers lms.meisters.views.bp


def get_placement_for(user, placement_id: int) -> Placement:
    """The placement if the user may see it (admin, or its own meister), else 404."""
    return get_for(Placement, placement_id, user, svc.can_see_placement)


def get_visit_for(user, visit_id: int) -> Visit:
    """The visit if the user may see its placement, else 404."""
    return get_for(Visit, visit_id, user, svc.can_see_visit)


@bp.route("/meister")
@policy("meister")
def home():
    """The meister's placements (open first) with visits and hours rolled up."""
    profile = svc.profile_of(current_user)
    if profile is None:  # an account made with `flask users create --role meister`, never recruited
        return render_template("meisters/home.html", profile=None, pagination=None, rolls={}, today=today_kst())
    page = max(request.args.get("page", 1, type=int), 1)
    stmt = pl.placements_query(meister=profile).options(joinedload(Placement.company))
    stmt = stmt.order_by(None).order_by(Placement.cancelled_at.is_not(None), Placement.closed_on.is_not(None),
                                        Placement.starts_on.desc(), Placement.id.desc())
    pagination = db.paginate(stmt, page=page, per_page=20, error_out=False)
    return render_template("meisters/home.html", profile=profile, pagination=pagination,
                           rolls=pl.rollups([p.id for p in pagination.items]), today=today_kst())


@bp.route("/meister/placements/<int:placement_id>")
@policy("meister", "admin")
def placement(placement_id: int):
    p = get_placement_for(current_user, placement_id)
    visits = list(db.session.execute(
        select(Visit).where(Visit.placement_id == p.id).order_by(Visit.visited_on.desc(), Visit.id.desc())).scalars())
    photo_ids = _photo_ids([v.id for v in visits])
    return render_template("meisters/placement.html", p=p, visits=visits, photo_ids=photo_ids,
                           roll=pl.rollups([p.id])[p.id], today=today_kst(),
                           is_own=p.meister.user_id == current_user.id)


def _own(placement: Placement, user) -> bool:
    return placement.meister.user_id == user.id


@bp.route("/meister/placements/<int:placement_id>/visits/new", methods=["GET", "POST"])
@policy("meister")
def visit_new(placement_id: int):
    """Log a visit from a phone: date, hours, activity, notes and optional photos."""
    from lms.meisters import visits as vs
    from lms.meisters.forms import VisitForm
    from lms.meisters.labels import ACTIVITY_LABELS
    from lms.meisters.models import ACTIVITY_TYPES

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement, can_act=_own)
    form = VisitForm()
    form.activity.choices = [(k, ACTIVITY_LABELS[k]) for k in ACTIVITY_TYPES]
    if request.method == "GET":
        form.visited_on.data = min(today_kst(), p.effective_end)
    if form.validate_on_submit():
        photos = [f.read() for f in request.files.getlist(form.photos.name) if f and f.filename]
        try:
            vs.log_visit(current_user, p, visited_on=form.visited_on.data, hours=form.hours.data,
                         activity=form.activity.data, done=form.done.data, issues=form.issues.data or "",
                         next_steps=form.next_steps.data or "", photos=photos)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("방문을 기록했습니다. 기업 담당자에게 확인 요청 메일을 보냈습니다."), "success")
            return redirect(url_for("meisters.placement", placement_id=p.id))
    return render_template("meisters/visit_form.html", form=form, p=p), (400 if request.method == "POST" else 200)


@bp.route("/meister/visits/<int:visit_id>/resend", methods=["POST"])
@policy("meister")
def visit_resend(visit_id: int):
    from lms.meisters import visits as vs

    visit = get_for(Visit, visit_id, current_user, svc.can_see_visit, can_act=lambda v, u: _own(v.placement, u))
    try:
        vs.request_confirmation(visit)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("기업 담당자에게 확인 요청 메일을 다시 보냈습니다."), "success")
    return redirect(url_for("meisters.placement", placement_id=visit.placement_id, _anchor=f"v{visit.id}"))


@bp.route("/meister/visits/<int:visit_id>/photos/<int:photo_id>")
@policy("meister", "admin")
def photo(visit_id: int, photo_id: int):
    from lms.meisters.models import VisitPhoto

    visit = get_visit_for(current_user, visit_id)
    ph = db.session.get(VisitPhoto, photo_id)
    if ph is None or ph.visit_id != visit.id:
        abort(404)
    resp = Response(ph.content, mimetype="image/jpeg")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.route("/visits/confirm/<token>", methods=["GET", "POST"])
@policy("public")
def confirm(token: str):
    """The company's contact (no account) sees the visit and confirms it with a POST."""
    from flask_wtf import FlaskForm

    from lms.meisters import visits as vs

    try:
        visit = vs.visit_from_token(token)
    except DomainError as exc:
        return render_template("meisters/confirm_invalid.html", message=str(exc.message)), 400
    form = FlaskForm()
    if request.method == "POST" and request.form.get("answer") == "dispute":
        if not form.validate_on_submit():
            return render_template("meisters/confirm.html", visit=visit, p=visit.placement, form=form,
                                   expired_form=True), 400
        try:
            vs.dispute_visit(token, request.form.get("note", ""))
        except DomainError as exc:
            db.session.rollback()
            return render_template("meisters/confirm.html", visit=visit, p=visit.placement, form=form,
                                   error=str(exc.message), note=request.form.get("note", "")), 400
        db.session.commit()
        return redirect(url_for("meisters.confirm", token=token))
    if request.method == "POST":
        if not form.validate_on_submit():
            return render_template("meisters/confirm.html", visit=visit, p=visit.placement, form=form,
                                   expired_form=True), 400
        try:
            visit = vs.confirm_visit(token)
        except DomainError as exc:
            db.session.rollback()
            return render_template("meisters/confirm_invalid.html", message=str(exc.message)), 400
        db.session.commit()
        return redirect(url_for("meisters.confirm", token=token))
    resp = Response(render_template("meisters/confirm.html", visit=visit, p=visit.placement, form=form))
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    return resp


def _own_or_admin(placement: Placement, user) -> bool:
    return svc.is_admin(user) or _own(placement, user)


@bp.route("/meister/placements/<int:placement_id>/close", methods=["GET", "POST"])
@policy("meister", "admin")
def close(placement_id: int):
    """Close a placement: level at the end, an outcome for each goal, a summary."""
    from lms.meisters import reports
    from lms.meisters.forms import CloseForm
    from lms.meisters.labels import OUTCOME_LABELS
    from lms.orgs.models import SmartFactoryLevel

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement, can_act=_own_or_admin)
    if p.closed_on is not None or p.cancelled_at is not None:
        flash(_("이미 종료된 파견입니다.") if p.closed_on else _("취소된 파견입니다."), "info")
        return redirect(url_for("meisters.placement", placement_id=p.id))
    form = CloseForm()
    form.level_at_end_code.choices = [("", _("— 선택 —"))] + [(lv.code, localized(lv, "name")) for lv in db.session.execute(
        select(SmartFactoryLevel).order_by(SmartFactoryLevel.position)).scalars()]
    if request.method == "GET":
        form.closed_on.data = min(today_kst(), p.ends_on)
    answers = {g.id: (request.form.get(f"goal-{g.id}-outcome") or None, request.form.get(f"goal-{g.id}-note") or "")
               for g in p.goals}
    if form.validate_on_submit():
        try:
            pl.close_placement(current_user, p, closed_on=form.closed_on.data,
                               level_at_end_code=form.level_at_end_code.data or None,
                               summary=form.closing_summary.data, outcomes=answers)
            reports.mail_report_link(p)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("파견을 종료했습니다. 기업 담당자에게 결과 보고서 링크를 보냈습니다."), "success")
            return redirect(url_for("meisters.placement", placement_id=p.id))
    return render_template("meisters/close.html", form=form, p=p, answers=answers, outcomes=OUTCOME_LABELS), \
        (400 if request.method == "POST" else 200)


@bp.route("/meister/placements/<int:placement_id>/report.pdf")
@policy("meister", "admin")
def report(placement_id: int):
    from lms.meisters import reports

    p = get_placement_for(current_user, placement_id)
    if p.closed_on is None:
        abort(404)
    return reports.pdf_response(p)


@bp.route("/placements/report/<token>")
@policy("public")
def public_report(token: str):
    """The closing report for the company's contact, from the link mailed at closing."""
    from lms.meisters import reports

    try:
        p = reports.placement_from_report_token(token)
    except DomainError as exc:
        return render_template("meisters/confirm_invalid.html", message=str(exc.message),
                               title=_("파견 결과 보고서")), 400
    return reports.pdf_response(p)


def _photo_ids(visit_ids) -> dict[int, list[int]]:
    """{visit id: [photo ids]} in one query (the photo bytes are not loaded)."""
    from lms.meisters.models import VisitPhoto

    out: dict[int, list[int]] = {vid: [] for vid in visit_ids}
    if visit_ids:
        for pid, vid in db.session.execute(select(VisitPhoto.id, VisitPhoto.visit_id)
                                           .where(VisitPhoto.visit_id.in_(visit_ids)).order_by(VisitPhoto.id)):
            out[vid].append(pid)
    return out

