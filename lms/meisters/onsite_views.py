"""Meister screens for the shop floor (phone-first): on-site classes with their
attendance, and workplace sign-off of a course's practical.

Objects go through get_for (404 before 403): a meister sees only their own
placements, their classes, and the enrollments of trainees of a company they are
placed with; admins may look, only the placement's meister acts.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from lms.core.authz import get_for, policy
from lms.core.db import utcnow
from lms.core.i18n import localized
from lms.core.pagination import ListSpec, list_args, paginate, search
from lms.core.timeutil import to_kst, today_kst
from lms.errors import DomainError
from lms.extensions import db
from lms.meisters import onsite as os_svc
from lms.meisters import services as svc
from lms.meisters import workplace as wp
from lms.meisters.blueprint import bp
from lms.meisters.models import OnsiteAttendee, OnsiteClass, Placement


def _own(placement: Placement, user) -> bool:
    return os_svc.is_own(placement, user)


def _class_for(user, class_id: int, *, act: bool = False) -> OnsiteClass:
    return get_for(OnsiteClass, class_id, user, lambda c, u: svc.can_see_placement(c.placement, u),
                   can_act=(lambda c, u: _own(c.placement, u)) if act else None)


def _people_spec():
    from lms.accounts.models import User

    return ListSpec(sorts={"name": User.name, "email": User.email}, default_sort="name", tiebreak=User.id, per_page=25)


# --------------------------------------------------------------------------- on-site classes

@bp.route("/meister/placements/<int:placement_id>/classes")
@policy("meister", "admin")
def classes(placement_id: int):
    """The placement's on-site classes, newest first, with enrolled and attended counts."""
    p = get_for(Placement, placement_id, current_user, svc.can_see_placement)
    spec = ListSpec(sorts={"starts_at": OnsiteClass.starts_at}, default_sort="starts_at", tiebreak=OnsiteClass.id,
                    default_dir="desc", per_page=20)
    page = paginate(db.session, select(OnsiteClass).where(OnsiteClass.placement_id == p.id), spec,
                    list_args(request.args, spec))
    return render_template("meisters/classes.html", p=p, page=page, counts=os_svc.class_counts(c.id for c in page),
                           can_add=_own(p, current_user) and os_svc.under_way(p))


@bp.route("/meister/placements/<int:placement_id>/classes/new", methods=["GET", "POST"])
@policy("meister")
def class_new(placement_id: int):
    from lms.catalog.models import Course
    from lms.meisters.forms import OnsiteClassForm

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement, can_act=_own)
    form = OnsiteClassForm()
    form.course_id.choices = [("", _("— 선택 안 함 —"))] + [
        (str(c.id), f"{c.code} {localized(c, 'title')}")
        for c in db.session.execute(select(Course).where(Course.is_published.is_(True)).order_by(Course.code)).scalars()]
    if request.method == "GET":
        form.day.data = min(max(today_kst(), p.starts_on), p.effective_end)
    if form.validate_on_submit():
        try:
            cls = os_svc.schedule_class(current_user, p, day=form.day.data, start=form.start.data,
                                        minutes=form.minutes.data, topic=form.topic.data,
                                        course_id=int(form.course_id.data) if (form.course_id.data or "").isdigit()
                                        else None)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc.message))
        else:
            db.session.commit()
            flash(_("현장 교육을 등록했습니다. 수강할 훈련생을 추가하세요."), "success")
            return redirect(url_for("meisters.onsite_class", class_id=cls.id))
    return render_template("meisters/class_form.html", form=form, p=p), (400 if request.method == "POST" else 200)


@bp.route("/meister/classes/<int:class_id>")
@policy("meister", "admin")
def onsite_class(class_id: int):
    """One class: its attendees and attendance on one screen (all present, then exceptions)."""
    from lms.accounts.models import User
    from lms.labs.attendance import STATUS_LABELS

    cls = _class_for(current_user, class_id)
    spec = _people_spec()
    args = list_args(request.args, spec)
    stmt = (select(OnsiteAttendee, User).join(User, User.id == OnsiteAttendee.user_id)
            .where(OnsiteAttendee.class_id == cls.id))
    roster = paginate(db.session, search(stmt, args.q, User.name, User.email), spec, args, scalars=False)
    enrolled, attended = os_svc.class_counts([cls.id])[cls.id]
    return render_template("meisters/class.html", cls=cls, p=cls.placement, roster=roster, statuses=STATUS_LABELS,
                           enrolled=enrolled, attended=attended, is_own=_own(cls.placement, current_user),
                           started=os_svc.started(cls), ended=utcnow() >= cls.ends_at,
                           opens_at=to_kst(cls.starts_at))


@bp.route("/meister/classes/<int:class_id>/attendance", methods=["POST"])
@policy("meister")
def class_attendance(class_id: int):
    cls = _class_for(current_user, class_id, act=True)
    try:
        if request.form.get("action") == "all_present":
            os_svc.mark_all_present(current_user, cls)
            msg = _("아직 기록되지 않은 훈련생을 모두 출석으로 기록했습니다.")
        else:
            entries = {}
            for key, status in request.form.items():
                if not key.startswith("status_") or not status or not key[7:].isdigit():
                    continue
                raw = (request.form.get(f"minutes_{key[7:]}") or "").strip()
                entries[int(key[7:])] = (status, int(raw) if raw.isdigit() else None)
            os_svc.record_attendance(current_user, cls, entries)
            msg = _("출결을 저장했습니다.")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(msg, "success")
    return redirect(url_for("meisters.onsite_class", class_id=cls.id, _anchor="attendance"))


@bp.route("/meister/classes/<int:class_id>/trainees", methods=["GET", "POST"])
@policy("meister")
def class_trainees(class_id: int):
    """Add trainees of the company to the class (a paginated, searchable list of checkboxes)."""
    from lms.accounts.models import User

    cls = _class_for(current_user, class_id, act=True)
    p = cls.placement
    if request.method == "POST":
        try:
            ids = [int(v) for v in request.form.getlist("user_id") if v.isdigit()]
            added = os_svc.enrol(current_user, cls, ids)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("훈련생 %(n)d명을 추가했습니다.", n=added), "success")
            return redirect(url_for("meisters.onsite_class", class_id=cls.id))
    spec = _people_spec()
    args = list_args(request.args, spec)
    enrolled = select(OnsiteAttendee.id).where(OnsiteAttendee.class_id == cls.id,
                                               OnsiteAttendee.user_id == User.id).exists()
    stmt = os_svc.company_trainees_query(p).add_columns(enrolled.label("enrolled"))
    page = paginate(db.session, search(stmt, args.q, User.name, User.email), spec, args, scalars=False)
    return render_template("meisters/class_trainees.html", cls=cls, p=p, page=page)


# --------------------------------------------------------------------------- workplace sign-off

@bp.route("/meister/placements/<int:placement_id>/workplace")
@policy("meister", "admin")
def workplace(placement_id: int):
    """Trainees of the company whose course lets a meister sign the practical off here."""
    from lms.accounts.models import User
    from lms.catalog.models import Course

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement)
    spec = ListSpec(sorts={"name": User.name, "course": Course.code}, default_sort="name", tiebreak=User.id,
                    per_page=25)
    args = list_args(request.args, spec)
    from lms.learning.models import Enrollment

    stmt = wp.assessable_query(p).join(Course, Course.id == Enrollment.course_id).add_columns(Course)
    page = paginate(db.session, search(stmt, args.q, User.name, User.email), spec, args, scalars=False)
    current = wp.current_by_enrollment((row[0].id, row[2].id) for row in page)
    return render_template("meisters/workplace.html", p=p, page=page, current=current,
                           is_own=_own(p, current_user), under_way=os_svc.under_way(p))


def _enrollment_for(user, placement: Placement, enrollment_id: int):
    """The enrollment when its trainee belongs to the placement's company (else 404)."""
    from lms.learning.models import Enrollment

    return get_for(Enrollment, enrollment_id, user, lambda e, u: wp.trainee_of_company(e, placement))


@bp.route("/meister/placements/<int:placement_id>/workplace/<int:enrollment_id>/<int:module_id>",
          methods=["GET", "POST"])
@policy("meister", "admin")
def workplace_signoff(placement_id: int, enrollment_id: int, module_id: int):
    """Judge the practical's checklist item by item at the workplace; a correction supersedes."""
    from lms.catalog.models import Module
    from lms.labs import signoff as so_svc
    from lms.labs.forms import signoff_form

    p = get_for(Placement, placement_id, current_user, svc.can_see_placement)
    enrollment = _enrollment_for(current_user, p, enrollment_id)
    module = get_for(Module, module_id, current_user,
                     lambda m, u: m.kind == "practical" and m.course_id == enrollment.course_id)
    items = so_svc.checklist(module)
    current = so_svc.current_signoff(enrollment.id, module.id)
    refusal = None
    try:
        wp.check_allowed(current_user, p, enrollment, module)
    except DomainError as exc:
        refusal = str(exc.message)
    form = signoff_form(items, assessed_on=today_kst())
    status = 200
    if request.method == "POST":
        status = 400
        if refusal:
            flash(refusal, "error")
        elif form.validate_on_submit():
            try:
                wp.sign_off(current_user, p, enrollment, module, results=form.results(), outcome=form.outcome.data,
                            assessed_on=form.assessed_on.data, note=form.note.data or "",
                            supersedes_id=form.supersedes_id.data)
            except DomainError as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
            else:
                db.session.commit()
                flash(_("현장 평가를 기록했습니다."), "success")
                return redirect(url_for("meisters.workplace_signoff", placement_id=p.id, enrollment_id=enrollment.id,
                                        module_id=module.id))
        else:
            flash(_("평가를 저장하지 않았습니다. 표시된 항목을 확인해 주세요."), "error")
    previous = {r["item"]: r for r in (current.results if current else [])}
    return render_template("meisters/workplace_signoff.html", p=p, enrollment=enrollment, module=module, items=items,
                           current=current, history=so_svc.history(enrollment.id, module.id), previous=previous,
                           form=form, refusal=refusal, item_no={str(it["id"]): i + 1 for i, it in enumerate(items)}), \
        status
