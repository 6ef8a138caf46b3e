"""Operator screens: accounts, outbox, reference data, institutions, companies, audit log.

The admin package owns no models: it parses forms and calls the services of
accounts and orgs, then commits once per request.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from lms.accounts import services as accounts
from lms.accounts.models import ROLES, User
from lms.admin import access_log_views, complexes
from lms.admin import forms as F
from lms.admin.audit_labels import action_label, describe_details, mail_kind_label, object_label
from lms.core import confirm, nav
from lms.core.access_log import log_access
from lms.core.audit import AuditEvent
from lms.core.authz import policy
from lms.core.outbox import OutboxMessage
from lms.core.pagination import ListSpec, keyset, list_args, paginate, search
from lms.errors import DomainError, NotFound
from lms.extensions import db
from lms.orgs import services as orgs
from lms.orgs.models import Company, CompanySize, Institution, Region, RootTechnology, SmartFactoryLevel

bp = Blueprint("admin", __name__, url_prefix="/admin")
complexes.add_routes(bp)  # 산업단지 screens: /admin/reference/complexes
access_log_views.add_routes(bp)  # 개인정보 접속기록: /admin/access-log
nav.register("admin.index", _l("관리"), roles=("admin",), order=95)

PER_PAGE = 25

USER_LIST = ListSpec(sorts={"name": User.name, "email": User.email, "role": User.role, "created": User.created_at},
                     default_sort="created", default_dir="desc", tiebreak=User.id, per_page=PER_PAGE)
OUTBOX_LIST = ListSpec(sorts={"created": OutboxMessage.created_at, "recipient": OutboxMessage.recipient,
                              "kind": OutboxMessage.kind},
                       default_sort="created", default_dir="desc", tiebreak=OutboxMessage.id, per_page=PER_PAGE)
INSTITUTION_LIST = ListSpec(sorts={"name": Institution.name_ko}, default_sort="name", tiebreak=Institution.id,
                            per_page=PER_PAGE)
COMPANY_LIST = ListSpec(sorts={"name": Company.name}, default_sort="name", tiebreak=Company.id, per_page=PER_PAGE)
AUDIT_PER_PAGE = 50


def _page(stmt, spec: ListSpec):
    """One page of ``stmt`` (its own ORDER BY replaced by the list's sort)."""
    return paginate(db.session, stmt.order_by(None), spec, list_args(request.args, spec))


def _get_or_404(model, key):
    obj = db.session.get(model, key)
    if obj is None:
        abort(404)
    return obj


def _fail(form, exc: DomainError) -> None:
    db.session.rollback()
    form.form_errors.append(str(exc.message))


def _institution_choices(blank):
    rows = db.session.execute(select(Institution).order_by(Institution.name_ko)).scalars()
    return [("", blank)] + [(str(i.id), i.name_ko) for i in rows]


def _ref_choices(model, blank):
    order = model.position if hasattr(model, "position") else model.code
    rows = db.session.execute(select(model).order_by(order, model.code)).scalars()
    return [("", blank)] + [(r.code, f"{r.name_ko}" + (f" ({r.code})" if model is Region else "")) for r in rows]


def _institution_from(value) -> Institution | None:
    """The institution picked in a select (validate_choice is off so an empty
    post works); an unknown id counts as none chosen."""
    try:
        return db.session.get(Institution, int(value)) if value else None
    except (TypeError, ValueError):
        return None


@bp.route("/")
@policy("admin")
def index():
    counts = {
        "users": db.session.scalar(select(func.count(User.id))),
        "inactive": db.session.scalar(select(func.count(User.id)).where(User.active.is_(False))),
        "institutions": db.session.scalar(select(func.count(Institution.id))),
        "companies": db.session.scalar(select(func.count(Company.id))),
        "outbox": db.session.scalar(select(func.count(OutboxMessage.id))),
        "audit": db.session.scalar(select(func.count(AuditEvent.id))),
    }
    return render_template("admin/index.html", counts=counts)


@bp.app_template_global("admin_action_label")
def _admin_action_label(action: str) -> str:
    return action_label(action)


@bp.app_template_global("admin_describe")
def _admin_describe(event) -> str:
    return describe_details(event)


@bp.app_template_global("admin_object_label")
def _admin_object_label(object_type: str) -> str:
    return object_label(object_type)


@bp.app_template_global("admin_mail_kind")
def _admin_mail_kind(kind: str) -> str:
    return mail_kind_label(kind)


# ---------------------------------------------------------------- users

@bp.route("/users")
@policy("admin")
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    pagination = _page(accounts.search_users(q or None, role or None), USER_LIST)
    log_access("view", [u.id for u in pagination.items], count=pagination.total,
               description=f"users q={q[:60]!r} role={role[:16]!r} page {pagination.page}")
    return render_template("admin/users.html", pagination=pagination, q=q, role=role, roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@policy("admin")
def user_new():
    form = F.StaffForm()
    form.institution_id.choices = _institution_choices(_("— 선택 —"))
    if form.validate_on_submit():
        inst = _institution_from(form.institution_id.data)
        try:
            user = accounts.create_staff(current_user, email=form.email.data, name=form.name.data,
                                         role=form.role.data, institution=inst, password=form.password.data or None)
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            if form.password.data:
                flash(_("계정을 만들었습니다. 초기 비밀번호를 본인에게 안전하게 전달해 주세요."), "success")
            else:
                flash(_("계정을 만들고 비밀번호 설정 링크를 메일로 보냈습니다."), "success")
            return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_new.html", form=form), (400 if request.method == "POST" else 200)


@bp.route("/users/<int:user_id>")
@policy("admin")
def user_detail(user_id: int):
    user = _get_or_404(User, user_id)
    form = F.RoleForm(role=user.role, institution_id=str(user.institution_id or ""))
    form.institution_id.choices = _institution_choices(_("— 변경 없음 —"))
    events = db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "User", AuditEvent.object_id == str(user.id))
        .order_by(AuditEvent.created_at.desc()).limit(20)).scalars().all()
    log_access("view", [user.id], description=f"user {user.id}")
    return render_template("admin/user_detail.html", user=user, form=form, events=events,
                           consents=accounts.current_consents(user),
                           consent_titles={i.key: i.title for i in accounts.CONSENT_ITEMS})


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@policy("admin")
def user_role(user_id: int):
    user = _get_or_404(User, user_id)
    form = F.RoleForm()
    form.institution_id.choices = _institution_choices("")
    if form.validate_on_submit():
        inst = _institution_from(form.institution_id.data)
        try:
            accounts.change_role(current_user, user, form.role.data, institution=inst)
            log_access("change", [user.id], description=f"user {user.id} role")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("역할을 변경했습니다. 그 사용자는 다시 로그인해야 합니다."), "success")
    else:
        flash(_("입력값을 확인해 주세요."), "error")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@policy("admin")
def user_active(user_id: int):
    user = _get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if not active and user.active and not confirm.confirmed():
        return confirm.ask(
            _("계정을 비활성화할까요?"),
            _("비활성화하면 이 사용자의 모든 로그인이 바로 끝나고 다시 로그인할 수 없습니다. 기록은 그대로 남습니다."),
            details=[(_("성명"), user.name), (_("이메일"), user.email)],
            action_label=_("계정 비활성화"), back_url=url_for("admin.user_detail", user_id=user.id))
    try:
        accounts.set_active(current_user, user, active)
        log_access("change", [user.id], description=f"user {user.id} active={int(active)}")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(_("계정을 다시 활성화했습니다.") if active else _("계정을 비활성화했습니다. 모든 로그인이 종료되었습니다."),
              "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@policy("admin")
def user_invite(user_id: int):
    user = _get_or_404(User, user_id)
    if not user.active:
        flash(_("비활성화된 계정에는 초대 메일을 보낼 수 없습니다."), "error")
    else:
        accounts.send_invitation(user)
        db.session.commit()
        flash(_("비밀번호 설정 링크를 메일로 보냈습니다."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


# ---------------------------------------------------------------- outbox

@bp.route("/outbox")
@policy("admin")
def outbox():
    q = request.args.get("q", "").strip()[:100]
    stmt = search(select(OutboxMessage), q, OutboxMessage.recipient, OutboxMessage.subject)
    pagination = _page(stmt, OUTBOX_LIST)
    log_access("view", count=len(pagination.items), description=f"outbox q={q[:60]!r} page {pagination.page}")
    return render_template("admin/outbox.html", pagination=pagination, q=q)


@bp.route("/outbox/<int:message_id>")
@policy("admin")
def outbox_message(message_id: int):
    msg = _get_or_404(OutboxMessage, message_id)
    log_access("view", count=1, description=f"outbox message {msg.id} ({msg.kind})")
    return render_template("admin/outbox_message.html", msg=msg)


# ---------------------------------------------------------------- reference data

REFERENCE_TITLES = {
    "regions": _l("시·도"),
    "root-technologies": _l("뿌리기술"),
    "company-sizes": _l("기업 규모"),
    "levels": _l("스마트공장 수준"),
}
REFERENCE_FORMS = {
    "regions": F.RegionForm,
    "root-technologies": F.RootTechnologyForm,
    "company-sizes": F.CompanySizeForm,
    "levels": F.LevelForm,
}


@bp.route("/reference")
@policy("admin")
def reference_index():
    counts = {kind: len(orgs.list_reference(kind)) for kind in REFERENCE_TITLES}
    return render_template("admin/reference_index.html", titles=REFERENCE_TITLES, counts=counts)


@bp.route("/reference/<kind>")
@policy("admin")
def reference_list(kind: str):
    if kind not in REFERENCE_TITLES:
        abort(404)
    return render_template("admin/reference_list.html", kind=kind, title=REFERENCE_TITLES[kind],
                           rows=orgs.list_reference(kind), fields=orgs.REFERENCE_FIELDS[kind])


@bp.route("/reference/<kind>/<code>", methods=["GET", "POST"])
@policy("admin")
def reference_edit(kind: str, code: str):
    if kind not in REFERENCE_TITLES:
        abort(404)
    try:
        obj = orgs.get_reference(kind, code)
    except NotFound:
        abort(404)
    form_cls = REFERENCE_FORMS[kind]
    form = form_cls(obj=obj) if request.method == "GET" else form_cls()
    if kind == "regions":
        form.code.data = obj.code  # the key never changes; shown read-only
        form.code.render_kw = {"readonly": True}
        form.code.description = _("코드는 바꿀 수 없습니다. 코드가 바뀌면 새 시·도를 추가하고 이 항목에 유효 종료일을 넣으세요.")
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in orgs.REFERENCE_FIELDS[kind]}
        if "position" in values and values["position"] is None:
            values["position"] = 0
        for k in ("name_en", "group_ko", "group_en", "rule_of_thumb", "meaning"):
            if k in values and values[k] is None:
                values[k] = ""
        try:
            orgs.update_reference(current_user, kind, code, values)
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("admin.reference_list", kind=kind))
    return render_template("admin/reference_edit.html", kind=kind, title=REFERENCE_TITLES[kind], obj=obj,
                           form=form), (400 if request.method == "POST" else 200)


@bp.route("/reference/regions/new", methods=["GET", "POST"])
@policy("admin")
def region_new():
    form = F.RegionForm()
    if form.validate_on_submit():
        try:
            orgs.create_region(current_user, form.code.data, form.name_ko.data, form.name_en.data or "",
                               form.valid_from.data, form.valid_to.data)
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("시·도를 추가했습니다."), "success")
            return redirect(url_for("admin.reference_list", kind="regions"))
    return render_template("admin/reference_edit.html", kind="regions", title=REFERENCE_TITLES["regions"], obj=None,
                           form=form), (400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- institutions

def _institution_form(obj=None):
    form = F.InstitutionForm(obj=obj) if request.method == "GET" else F.InstitutionForm()
    form.region_code.choices = _ref_choices(Region, _("— 없음 —"))
    if request.method == "GET" and obj is not None:
        form.region_code.data = obj.region_code or ""
    return form


def _institution_values(form) -> dict:
    return {k: getattr(form, k).data for k in orgs.INSTITUTION_FIELDS}


@bp.route("/institutions")
@policy("admin")
def institutions():
    q = request.args.get("q", "").strip()
    stmt = select(Institution).order_by(Institution.name_ko, Institution.id)
    if q:
        stmt = stmt.where(func.lower(Institution.name_ko + " " + Institution.name_en).like(f"%{q.lower()}%"))
    return render_template("admin/institutions.html", pagination=_page(stmt, INSTITUTION_LIST), q=q,
                           kinds=F.KIND_LABELS)


@bp.route("/institutions/new", methods=["GET", "POST"])
@policy("admin")
def institution_new():
    form = _institution_form()
    if form.validate_on_submit():
        try:
            orgs.create_institution(current_user, **_institution_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("기관을 추가했습니다."), "success")
            return redirect(url_for("admin.institutions"))
    return render_template("admin/institution_edit.html", form=form, obj=None), \
        (400 if request.method == "POST" else 200)


@bp.route("/institutions/<int:institution_id>", methods=["GET", "POST"])
@policy("admin")
def institution_edit(institution_id: int):
    obj = _get_or_404(Institution, institution_id)
    form = _institution_form(obj)
    if form.validate_on_submit():
        try:
            orgs.update_institution(current_user, obj, **_institution_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("admin.institutions"))
    return render_template("admin/institution_edit.html", form=form, obj=obj), \
        (400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- companies

def _company_form(obj=None):
    form = F.CompanyForm(obj=obj) if request.method == "GET" else F.CompanyForm()
    blank = _("— 없음 —")
    form.size_code.choices = _ref_choices(CompanySize, blank)
    form.region_code.choices = _ref_choices(Region, blank)
    form.root_technology_code.choices = _ref_choices(RootTechnology, blank)
    form.smart_factory_level_code.choices = _ref_choices(SmartFactoryLevel, blank)
    form.industrial_complex_id.choices = [("", blank)] + [(str(i), n) for i, n in orgs.complex_choices()]
    if request.method == "GET" and obj is not None:
        for k in ("size_code", "region_code", "root_technology_code", "smart_factory_level_code"):
            getattr(form, k).data = getattr(obj, k) or ""
        form.industrial_complex_id.data = str(obj.industrial_complex_id or "")
    return form


def _company_values(form) -> dict:
    return {k: getattr(form, k).data for k in orgs.COMPANY_FIELDS}


@bp.route("/companies")
@policy("admin")
def companies():
    q = request.args.get("q", "").strip()
    return render_template("admin/companies.html", pagination=_page(orgs.search_companies(q or None), COMPANY_LIST),
                           q=q)


@bp.route("/companies/new", methods=["GET", "POST"])
@policy("admin")
def company_new():
    form = _company_form()
    if form.validate_on_submit():
        try:
            orgs.create_company(current_user, **_company_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("회사를 추가했습니다."), "success")
            return redirect(url_for("admin.companies"))
    return render_template("admin/company_edit.html", form=form, obj=None), \
        (400 if request.method == "POST" else 200)


@bp.route("/companies/<int:company_id>", methods=["GET", "POST"])
@policy("admin")
def company_edit(company_id: int):
    obj = _get_or_404(Company, company_id)
    form = _company_form(obj)
    if form.validate_on_submit():
        try:
            orgs.update_company(current_user, obj, **_company_values(form))
        except DomainError as exc:
            _fail(form, exc)
        else:
            db.session.commit()
            flash(_("저장했습니다."), "success")
            return redirect(url_for("admin.companies"))
    return render_template("admin/company_edit.html", form=form, obj=obj), \
        (400 if request.method == "POST" else 200)


# ---------------------------------------------------------------- audit log

@bp.route("/audit")
@policy("admin")
def audit():
    """The audit log, newest first, filtered by action, actor (name or e-mail) and Korean
    dates (from/to inclusive). A bad or reversed date range is named, not applied."""
    from lms.core.timeutil import kst_day_end, kst_day_start

    action = request.args.get("action", "").strip()[:64]
    who = request.args.get("actor", "").strip()[:100]
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    if who:
        stmt = search(stmt.join(User, User.id == AuditEvent.actor_id), who, User.name, User.email)
    errors, days = [], {}
    for key in ("from", "to"):
        raw = request.args.get(key, "").strip()
        if raw:
            try:
                days[key] = date.fromisoformat(raw)
            except ValueError:
                errors.append(_("날짜는 2026-03-02 형식으로 입력해 주세요."))
    if "from" in days and "to" in days and days["from"] > days["to"]:
        errors.append(_("시작일이 종료일보다 늦습니다. 날짜를 확인해 주세요."))
        days = {}
    if "from" in days:
        stmt = stmt.where(AuditEvent.created_at >= kst_day_start(days["from"]))
    if "to" in days:
        stmt = stmt.where(AuditEvent.created_at < kst_day_end(days["to"]))
    actions = db.session.execute(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars().all()
    # Keyset pages (newest first): the log only grows, so no OFFSET and no COUNT.
    pagination = keyset(db.session, stmt, (AuditEvent.created_at, AuditEvent.id), request.args,
                        per_page=AUDIT_PER_PAGE, row_key=lambda e: (e.created_at, e.id))
    actor_ids = {e.actor_id for e in pagination.items if e.actor_id}
    actors = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(actor_ids))).scalars()} \
        if actor_ids else {}
    return render_template("admin/audit.html", pagination=pagination, action=action, actions=actions, actors=actors,
                           who=who, day_from=request.args.get("from", "")[:10], day_to=request.args.get("to", "")[:10],
                           errors=errors), (400 if errors else 200)

