"""Admin screens of the meister programme: recruit, edit, approve and deactivate
meisters. (The admin role serves the programme office: see lms.meisters.services.)"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.authz import get_for, policy
from lms.errors import DomainError
from lms.extensions import db
from lms.meisters import services as svc
from lms.meisters.forms import MeisterProfileForm, MeisterRecruitForm
from lms.meisters.models import EXPERTISE_FIELDS, MeisterProfile
from lms.meisters.views import bp

PER_PAGE = 25


def _page(stmt):
    page = max(request.args.get("page", 1, type=int), 1)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def _profile_choices(form) -> None:
    from lms.orgs.models import Region, RootTechnology

    form.fields.choices = [(f, svc.FIELD_LABELS[f]) for f in EXPERTISE_FIELDS]
    form.root_technology_codes.choices = [(r.code, r.name_ko) for r in db.session.execute(
        select(RootTechnology).order_by(RootTechnology.group_ko, RootTechnology.code)).scalars()]
    form.region_codes.choices = [(r.code, r.name_ko) for r in db.session.execute(
        select(Region).where(Region.valid_to.is_(None)).order_by(Region.code)).scalars()]


def _profile_values(form) -> dict:
    return dict(former_company=form.former_company.data, years_experience=form.years_experience.data,
                fields=form.fields.data, root_technology_codes=form.root_technology_codes.data,
                region_codes=form.region_codes.data, days_per_week=form.days_per_week.data,
                available_from=form.available_from.data, available_until=form.available_until.data)


def get_profile_for(user, profile_id: int) -> MeisterProfile:
    """A meister profile the user may see (admin, or the meister), else 404."""
    return get_for(MeisterProfile, profile_id, user, svc.can_see_profile)


@bp.route("/admin/meisters")
@policy("admin")
def admin_meisters():
    status = request.args.get("status", "")
    q = request.args.get("q", "").strip()
    pagination = _page(svc.meisters_query(status or None, q or None))
    expertise = svc.expertise_of([p.id for p in pagination.items])
    return render_template("meisters/admin_meisters.html", pagination=pagination, status=status, q=q,
                           expertise=expertise, statuses=svc.STATUS_LABELS)


@bp.route("/admin/meisters/new", methods=["GET", "POST"])
@policy("admin")
def admin_meister_new():
    form = MeisterRecruitForm()
    _profile_choices(form)
    if form.validate_on_submit():
        try:
            profile = svc.recruit(current_user, email=form.email.data, name=form.name.data, phone=form.phone.data,
                                  password=form.password.data or None, **_profile_values(form))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("마이스터를 등록했습니다. 승인하면 파견할 수 있습니다."), "success")
            return redirect(url_for("meisters.admin_meister", profile_id=profile.id))
    return render_template("meisters/admin_meister_form.html", form=form, profile=None), \
        (400 if request.method == "POST" else 200)


@bp.route("/admin/meisters/<int:profile_id>", methods=["GET", "POST"])
@policy("admin")
def admin_meister(profile_id: int):
    profile = get_profile_for(current_user, profile_id)
    form = MeisterProfileForm(obj=profile) if request.method == "GET" else MeisterProfileForm()
    _profile_choices(form)
    if request.method == "GET":
        form.fields.data = profile.fields
        form.root_technology_codes.data = [r.code for r in profile.root_technologies]
        form.region_codes.data = [r.code for r in profile.regions]
    if form.validate_on_submit():
        try:
            svc.update_profile(current_user, profile, **_profile_values(form))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("meisters.admin_meister", profile_id=profile.id))
    extra = _admin_meister_extra(profile)
    return render_template("meisters/admin_meister.html", profile=profile, form=form, **extra), \
        (400 if request.method == "POST" else 200)


def _admin_meister_extra(profile) -> dict:
    """What the meister's admin page shows besides the profile form."""
    return {"expertise": svc.expertise_of([profile.id])[profile.id]}


@bp.route("/admin/meisters/<int:profile_id>/approve", methods=["POST"])
@policy("admin")
def admin_meister_approve(profile_id: int):
    profile = get_profile_for(current_user, profile_id)
    try:
        svc.approve(current_user, profile)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("마이스터를 승인했습니다."), "success")
    return redirect(url_for("meisters.admin_meister", profile_id=profile_id))


@bp.route("/admin/meisters/<int:profile_id>/deactivate", methods=["POST"])
@policy("admin")
def admin_meister_deactivate(profile_id: int):
    profile = get_profile_for(current_user, profile_id)
    try:
        svc.deactivate(current_user, profile)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("마이스터를 비활성화했습니다. 계정의 모든 로그인이 종료되었습니다."), "success")
    return redirect(url_for("meisters.admin_meister", profile_id=profile_id))


