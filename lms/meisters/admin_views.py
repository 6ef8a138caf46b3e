"""Admin screens of the meister programme: recruit, edit, approve and deactivate
meisters. (The admin role serves the programme office: see lms.meisters.services.)"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.authz import get_for, policy
from lms.core.i18n import localized
from lms.errors import DomainError
from lms.extensions import db
from lms.meisters import services as svc
from lms.meisters.forms import MeisterProfileForm, MeisterRecruitForm
from lms.meisters.models import EXPERTISE_FIELDS, MeisterProfile
from lms.meisters.blueprint import bp

PER_PAGE = 25


def _page(stmt):
    page = max(request.args.get("page", 1, type=int), 1)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def _profile_choices(form) -> None:
    from lms.orgs.models import Region, RootTechnology

    form.fields.choices = [(f, svc.FIELD_LABELS[f]) for f in EXPERTISE_FIELDS]
    form.root_technology_codes.choices = [(r.code, localized(r, "name")) for r in db.session.execute(
        select(RootTechnology).order_by(RootTechnology.group_ko, RootTechnology.code)).scalars()]
    form.region_codes.choices = [(r.code, localized(r, "name")) for r in db.session.execute(
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
                           expertise=expertise, statuses=svc.STATUS_LABELS, region_names=svc.region_names())


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
    return {"expertise": svc.expertise_of([profile.id])[profile.id], **_admin_meister_placements(profile)}


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




# --------------------------------------------------------------------------- placements

def _admin_meister_placements(profile) -> dict:
    from lms.meisters import placements as pl

    from sqlalchemy.orm import joinedload

    from lms.meisters.models import Placement

    items = list(db.session.execute(pl.placements_query(meister=profile).options(
        joinedload(Placement.company)).limit(50)).scalars())
    return {"placements": items, "rolls": pl.rollups([p.id for p in items]),
            "company_suggestions": pl.suggest_companies(profile) if profile.status == "approved" else []}


@bp.route("/admin/meisters/placements")
@policy("admin")
def admin_placements():
    from sqlalchemy.orm import joinedload

    from lms.meisters import placements as pl
    from lms.meisters.models import Placement

    state = request.args.get("state", "")
    stmt = pl.placements_query(state=state or None).options(
        joinedload(Placement.company), joinedload(Placement.meister).joinedload(MeisterProfile.user))
    pagination = _page(stmt)
    return render_template("meisters/admin_placements.html", pagination=pagination, state=state,
                           rolls=pl.rollups([p.id for p in pagination.items]))


def _parse_date(value):
    from datetime import date

    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/admin/meisters/match")
@policy("admin")
def admin_match():
    """Pick a company (priority firms first), then see the meisters who fit it."""
    from lms.meisters import placements as pl
    from lms.orgs.models import Company

    q = request.args.get("q", "").strip()
    company = db.session.get(Company, request.args.get("company_id", type=int) or 0)
    fields = [f for f in request.args.getlist("fields") if f in EXPERTISE_FIELDS]
    starts_on = _parse_date(request.args.get("starts_on"))
    ends_on = _parse_date(request.args.get("ends_on"))
    bad_period = bool(starts_on and ends_on and ends_on < starts_on)
    companies = pl.find_companies(q) if q else []
    suggestions = [] if company is None or bad_period else pl.suggest_meisters(
        company, fields=fields, starts_on=starts_on, ends_on=ends_on)
    expertise = svc.expertise_of([s.profile.id for s in suggestions])
    return render_template("meisters/admin_match.html", q=q, companies=companies, company=company, fields=fields,
                           all_fields=[(f, svc.FIELD_LABELS[f]) for f in EXPERTISE_FIELDS], starts_on=starts_on,
                           ends_on=ends_on, suggestions=suggestions, expertise=expertise, bad_period=bad_period)


@bp.route("/admin/meisters/placements/new", methods=["GET", "POST"])
@policy("admin")
def admin_placement_new():
    from lms.meisters import placements as pl
    from lms.meisters.forms import PlacementForm
    from lms.meisters.labels import PURPOSE_LABELS
    from lms.meisters.models import PURPOSES
    from lms.orgs.models import Company, SmartFactoryLevel

    form = PlacementForm()
    if request.method == "GET":
        form.meister_id.data = request.args.get("meister_id", "")
        form.company_id.data = request.args.get("company_id", "")
        form.starts_on.data = form.starts_on.data or _parse_date(request.args.get("starts_on"))
        form.ends_on.data = form.ends_on.data or _parse_date(request.args.get("ends_on"))
    meister = db.session.get(MeisterProfile, _int(form.meister_id.data))
    company = db.session.get(Company, _int(form.company_id.data))
    if meister is None or company is None:
        flash(_("먼저 기업과 마이스터를 골라 주세요."), "error")
        return redirect(url_for("meisters.admin_match"))
    form.purpose.choices = [(k, PURPOSE_LABELS[k]) for k in PURPOSES]
    form.level_at_start_code.choices = [("", _("— 선택 —"))] + [(lv.code, localized(lv, "name")) for lv in db.session.execute(
        select(SmartFactoryLevel).order_by(SmartFactoryLevel.position)).scalars()]
    if request.method == "GET":
        form.level_at_start_code.data = company.smart_factory_level_code or ""
    if form.validate_on_submit():
        try:
            placement = pl.create_placement(
                current_user, meister=meister, company=company, purpose=form.purpose.data,
                starts_on=form.starts_on.data, ends_on=form.ends_on.data, goals=form.goals.data,
                contact_name=form.contact_name.data, contact_email=form.contact_email.data,
                level_at_start_code=form.level_at_start_code.data or None)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("파견을 등록했습니다."), "success")
            return redirect(url_for("meisters.placement", placement_id=placement.id))
    return render_template("meisters/admin_placement_form.html", form=form, meister=meister, company=company), \
        (400 if request.method == "POST" else 200)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@bp.route("/admin/meisters/placements/<int:placement_id>/contact", methods=["POST"])
@policy("admin")
def admin_placement_contact(placement_id: int):
    """Change the company's contact of a placement (the old confirmation links stop working)."""
    from lms.meisters import placements as pl
    from lms.meisters.models import Placement

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement)
    try:
        pl.update_contact(current_user, p, contact_name=request.form.get("contact_name", ""),
                          contact_email=request.form.get("contact_email", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("기업 담당자를 바꿨습니다. 확인 대기 중인 방문은 마이스터가 확인 요청을 다시 보내야 합니다."), "success")
    return redirect(url_for("meisters.placement", placement_id=p.id))


@bp.route("/admin/meisters/placements/<int:placement_id>/cancel", methods=["POST"])
@policy("admin")
def admin_placement_cancel(placement_id: int):
    """Cancel a placement that has no visit (entered by mistake or withdrawn)."""
    from lms.meisters import placements as pl
    from lms.meisters.models import Placement

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement)
    try:
        pl.cancel_placement(current_user, p, reason=request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("파견을 취소했습니다."), "success")
    return redirect(url_for("meisters.placement", placement_id=p.id))
