"""Labs screens: admin management of programmes, cohorts and smart labs; the
instructor's dashboard, cohorts, sessions, attendance, sign-off and rosters; the
trainee's booking pages and QR check-in.

Object access goes through get_cohort_for / get_lab_for / get_session_for /
get_enrollment_for, which answer 404 for anything the user may not see."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
import sqlalchemy as sa
from sqlalchemy import select

from lms.core import confirm, nav
from lms.core.access_log import log_access
from lms.core.export_reason import ask_reason
from lms.core.authz import get_for, policy
from lms.core.db import utcnow
from lms.core.pagination import ListSpec, list_args, paginate, search
from lms.core.tabular import csv_bytes, xlsx_bytes
from lms.core.timeutil import kst_span, span_text, to_kst
from lms.errors import DomainError, ImportRejected
from lms.extensions import db
from lms.labs import booking as booking_svc
from lms.labs import overview
from lms.labs import services as svc
from lms.labs.forms import (CohortForm, pick_one, EquipmentForm, LabForm, ProgrammeForm, RoomForm, RosterUploadForm,
                            SessionForm, signoff_form)
from lms.labs.models import (CONTRACT_TYPES, EQUIPMENT_KINDS, PROGRAMME_KINDS, Booking, Cohort, LabSession,
                             Programme, SmartLab)

bp = Blueprint("labs", __name__)

nav.register("labs.my_bookings", _l("실습 예약"), roles=("trainee",), order=25)
nav.register("labs.instructor_dashboard", _l("교강사 홈"), roles=("instructor", "admin"), order=30)
nav.register("labs.cohorts", _l("기수"), roles=("instructor", "admin"), order=31)
nav.register("labs.smartlabs", _l("스마트랩"), roles=("instructor", "admin"), order=32)
nav.register("labs.programmes", _l("프로그램"), roles=("admin",), order=33)


_WEEKDAYS = (_l("월"), _l("화"), _l("수"), _l("목"), _l("금"), _l("토"), _l("일"))


@bp.context_processor
def _labels():
    """Label helpers for the labs templates."""
    def kind_label(programme) -> str:
        return str(svc.PROGRAMME_KIND_LABELS.get(programme.kind, programme.kind))

    def contract_label(programme) -> str:
        return str(svc.CONTRACT_TYPE_LABELS.get(programme.contract_type or "", ""))

    def outcome_label(outcome: str) -> str:
        return _("합격") if outcome == "passed" else _("불합격")

    def weekday(value) -> str:
        return str(_WEEKDAYS[to_kst(value).weekday()])

    def kdate(value, year: bool = False) -> str:
        """11월 27일 (금), in Korean time; with the year when asked."""
        d = to_kst(value)
        text = _("%(m)d월 %(d)d일", m=d.month, d=d.day)
        if year:
            text = _("%(y)d년", y=d.year) + " " + text
        return f"{text} ({weekday(value)})"

    return {"kind_label": kind_label, "contract_label": contract_label, "outcome_label": outcome_label,
            "weekday": weekday, "kdate": kdate}


# --------------------------------------------------------------------------- access helpers

def get_cohort_for(user, cohort_id: int) -> Cohort:
    """The cohort if the user may see it (admin, or one of its instructors), else 404."""
    return get_for(Cohort, cohort_id, user, svc.can_see_cohort)


def get_lab_for(user, lab_id: int) -> SmartLab:
    """The smart lab if the user may see it (admin, or one of its instructors), else 404."""
    return get_for(SmartLab, lab_id, user, svc.can_see_lab)


def get_session_for(user, session_id: int) -> LabSession:
    """The session if the user manages it (its instructor, its lab's or cohort's), else 404."""
    return get_for(LabSession, session_id, user, svc.can_manage_session)


def get_enrollment_for(user, enrollment_id: int):
    """An enrollment the instructor may assess, else 404."""
    from lms.learning.models import Enrollment

    return get_for(Enrollment, enrollment_id, user, lambda e, u: svc.instructor_can_manage_enrollment(u, e))


def _flash_error(exc: DomainError) -> None:
    flash(str(exc.message or _("요청을 처리할 수 없습니다.")), "error")


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    from urllib.parse import quote

    resp = Response(data, mimetype=mimetype)
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _institution_choices():
    from lms.orgs.models import Institution

    return [(i.id, i.name_ko) for i in db.session.execute(select(Institution).order_by(Institution.name_ko)).scalars()]


def _instructor_choices():
    from lms.accounts.models import User

    return [(u.id, f"{u.name} ({u.email})") for u in db.session.execute(
        select(User).where(User.role == "instructor", User.active.is_(True)).order_by(User.name)).scalars()]


# --------------------------------------------------------------------------- instructor dashboard

@bp.route("/instructor")
@policy("instructor", "admin")
def instructor_dashboard():
    cohort_total = db.session.execute(
        select(sa.func.count()).select_from(svc.cohorts_query(current_user).subquery())).scalar_one()
    cards = overview.cohort_cards(svc.cohorts_for(current_user, limit=20))
    upcoming = svc.sessions_for(current_user, upcoming=True, limit=10)
    pending, pending_total = overview.pending_signoffs_page(current_user, limit=30)
    return render_template("labs/instructor_dashboard.html", cards=cards, cohort_total=cohort_total,
                           upcoming=upcoming, pending=pending, pending_total=pending_total, now=utcnow())


# --------------------------------------------------------------------------- programmes (admin)

def _programme_form(form: ProgrammeForm):
    from lms.orgs.models import Company

    form.institution_id.choices = pick_one(_institution_choices())
    form.kind.choices = pick_one((k, str(svc.PROGRAMME_KIND_LABELS[k])) for k in PROGRAMME_KINDS)
    form.contract_type.choices = [("", _("해당 없음"))] + [(k, str(svc.CONTRACT_TYPE_LABELS[k])) for k in CONTRACT_TYPES]
    form.sponsor_ids.choices = [(c.id, c.name) for c in db.session.execute(
        select(Company).order_by(Company.name).limit(500)).scalars()]


@bp.route("/labs/programmes")
@policy("admin")
def programmes():
    from sqlalchemy.orm import joinedload, selectinload

    items = list(db.session.execute(
        select(Programme).order_by(Programme.is_active.desc(), Programme.name_ko)
        .options(joinedload(Programme.institution), selectinload(Programme.sponsors),
                 selectinload(Programme.cohorts))).unique().scalars())
    return render_template("labs/programmes.html", programmes=items)


@bp.route("/labs/programmes/new", methods=["GET", "POST"])
@bp.route("/labs/programmes/<int:programme_id>/edit", methods=["GET", "POST"], endpoint="programme_edit")
@policy("admin")
def programme_new(programme_id: int | None = None):
    programme = db.session.get(Programme, programme_id) if programme_id else None
    if programme_id and programme is None:
        abort(404)
    form = ProgrammeForm(obj=None)
    _programme_form(form)
    if request.method == "GET" and programme is not None:
        form.name_ko.data, form.name_en.data = programme.name_ko, programme.name_en
        form.institution_id.data, form.kind.data = programme.institution_id, programme.kind
        form.contract_type.data = programme.contract_type or ""
        form.quota.data, form.is_active.data = programme.quota, programme.is_active
        form.sponsor_ids.data = [c.id for c in programme.sponsors]
    if form.validate_on_submit():
        try:
            p = svc.save_programme(programme, institution_id=form.institution_id.data, kind=form.kind.data,
                                   name_ko=form.name_ko.data, name_en=form.name_en.data,
                                   contract_type=form.contract_type.data or None, quota=form.quota.data,
                                   sponsor_ids=form.sponsor_ids.data, is_active=form.is_active.data)
            db.session.commit()
            flash(_("프로그램을 저장했습니다."), "success")
            return redirect(url_for("labs.programmes", _anchor=f"p{p.id}"))
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    title = _("프로그램 수정") if programme else _("새 프로그램")
    return render_template("labs/form.html", form=form, title=title, back=url_for("labs.programmes"))


# --------------------------------------------------------------------------- cohorts

def _cohort_form(form: CohortForm):
    from lms.catalog.models import Course

    form.programme_id.choices = pick_one((p.id, p.name_ko) for p in db.session.execute(
        select(Programme).order_by(Programme.name_ko)).scalars())
    form.course_ids.choices = [(c.id, f"{c.code} {c.title_ko}") for c in db.session.execute(
        select(Course).order_by(Course.code)).scalars()]
    form.instructor_ids.choices = _instructor_choices()


COHORT_LIST = ListSpec(sorts={"intake": Cohort.intake_year * 10 + Cohort.term, "label": Cohort.label,
                              "starts": Cohort.starts_on},
                       default_sort="intake", default_dir="desc", tiebreak=Cohort.id, per_page=50)


@bp.route("/labs/cohorts")
@policy("instructor", "admin")
def cohorts():
    stmt = svc.cohorts_query(current_user).options(*overview.cohort_load_options())
    programme = None
    if request.args.get("programme_id", type=int):
        # Named in the heading: only a programme the user runs a cohort of (ASVS V8.2.2).
        programme = get_for(Programme, request.args.get("programme_id", type=int), current_user,
                            svc.can_see_programme)
        stmt = stmt.where(Cohort.programme_id == programme.id)
    largs = list_args(request.args, COHORT_LIST)
    stmt = search(stmt.join(Programme, Programme.id == Cohort.programme_id), largs.q, Cohort.label, Programme.name_ko)
    page = paginate(db.session, stmt, COHORT_LIST, largs)
    counts = overview.member_counts([c.id for c in page.items])
    return render_template("labs/cohorts.html", cohorts=page.items, page=page, counts=counts, programme=programme)


@bp.route("/labs/cohorts/new", methods=["GET", "POST"])
@bp.route("/labs/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"], endpoint="cohort_edit")
@policy("admin")
def cohort_new(cohort_id: int | None = None):
    cohort = get_cohort_for(current_user, cohort_id) if cohort_id else None
    form = CohortForm()
    _cohort_form(form)
    if request.method == "GET":
        if cohort is not None:
            form.programme_id.data, form.label.data = cohort.programme_id, cohort.label
            form.intake_year.data, form.term.data = cohort.intake_year, cohort.term
            form.starts_on.data, form.ends_on.data = cohort.starts_on, cohort.ends_on
            form.course_ids.data = [c.id for c in cohort.courses]
            form.instructor_ids.data = [u.id for u in cohort.instructors]
        else:
            form.intake_year.data = to_kst(utcnow()).year
            if request.args.get("programme_id", type=int):
                form.programme_id.data = request.args.get("programme_id", type=int)
    if form.validate_on_submit():
        try:
            c = svc.save_cohort(cohort, programme_id=form.programme_id.data, intake_year=form.intake_year.data,
                                term=form.term.data, label=form.label.data, starts_on=form.starts_on.data,
                                ends_on=form.ends_on.data, course_ids=form.course_ids.data,
                                instructor_ids=form.instructor_ids.data)
            db.session.commit()
            flash(_("기수를 저장했습니다."), "success")
            return redirect(url_for("labs.cohort", cohort_id=c.id))
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    title = _("기수 수정") if cohort else _("새 기수")
    return render_template("labs/form.html", form=form, title=title, back=url_for("labs.cohorts"))


@bp.route("/labs/cohorts/<int:cohort_id>")
@policy("instructor", "admin")
def cohort(cohort_id: int):
    c = get_cohort_for(current_user, cohort_id)
    roster = overview.roster_page(c, request.args)
    figures = overview.cohort_figures(c)
    sessions = svc.cohort_sessions(c, limit=50)
    log_access("view", [r.member.user_id for r in roster.items], count=roster.total,
               description=f"cohort {c.id} roster page {roster.page}")
    return render_template("labs/cohort.html", cohort=c, roster=roster, figures=figures, sessions=sessions,
                           linkable=svc.manageable_session_ids(current_user, sessions),
                           upload_form=RosterUploadForm())


@bp.route("/labs/cohorts/<int:cohort_id>/roster", methods=["POST"])
@policy("instructor", "admin")
def roster_upload(cohort_id: int):
    from lms.labs import roster

    c = get_cohort_for(current_user, cohort_id)
    form = RosterUploadForm()
    if not form.validate_on_submit():
        flash(_("명단 파일을 골라 주세요."), "error")
        return redirect(url_for("labs.cohort", cohort_id=c.id))
    f = form.file.data
    data = f.read(roster.max_bytes() + 1)
    preview = roster.parse_roster(c, data, f.filename or "")
    if not preview.ok:  # nothing kept: the errors by row and column, on this answer
        return render_template("labs/roster_preview.html", cohort=c, preview=preview)
    token = roster.store_upload(c, current_user, data, f.filename or "roster.csv")
    # Post/redirect/get: the preview is a page of its own, so Back after confirming never
    # asks to send the file again.
    return redirect(url_for("labs.roster_preview", cohort_id=c.id, token=token), 303)


@bp.get("/labs/cohorts/<int:cohort_id>/roster/preview")
@policy("instructor", "admin")
def roster_preview(cohort_id: int):
    """The kept upload's preview (read again from the stored file). Once imported or
    expired, the cohort page with a word on what happened."""
    from lms.labs import roster

    c = get_cohort_for(current_user, cohort_id)
    token = request.args.get("token", "")
    try:
        data, filename = roster.load_upload(c, current_user, token)
    except DomainError:
        flash(_("이미 가져왔거나 보관 기간이 지난 파일입니다. 가져온 명단은 이 화면에서 확인하세요."), "info")
        return redirect(url_for("labs.cohort", cohort_id=c.id))
    preview = roster.parse_roster(c, data, filename)
    preview.token = token
    return render_template("labs/roster_preview.html", cohort=c, preview=preview)


@bp.route("/labs/cohorts/<int:cohort_id>/roster/confirm", methods=["POST"])
@policy("instructor", "admin")
def roster_confirm(cohort_id: int):
    """Queue the import of the kept upload (job ``labs.roster_import``) and show its progress
    page; the job writes every row or none and links back to the cohort."""
    from lms.jobs import enqueue
    from lms.labs import roster

    c = get_cohort_for(current_user, cohort_id)
    token = request.form.get("token", "")
    try:
        roster.load_upload(c, current_user, token)
    except DomainError as exc:  # a stale or foreign token: nothing to import
        _flash_error(exc)
        return redirect(url_for("labs.cohort", cohort_id=c.id))
    job = enqueue("labs.roster_import", actor=current_user, params={"cohort_id": c.id, "token": token},
                  institution_id=c.programme.institution_id if c.programme is not None else None)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/labs/cohorts/<int:cohort_id>/roster.<fmt>", methods=["GET", "POST"])
@policy("instructor", "admin")
def roster_export(cohort_id: int, fmt: str):
    return _export(cohort_id, fmt, "roster")


@bp.route("/labs/cohorts/<int:cohort_id>/attendance.<fmt>", methods=["GET", "POST"])
@policy("instructor", "admin")
def attendance_export(cohort_id: int, fmt: str):
    return _export(cohort_id, fmt, "attendance")


def _export(cohort_id: int, fmt: str, kind: str) -> Response:
    """The roster or attendance file, after the export reason. Above EXPORT_JOB_ROWS rows it
    is built by a background job (``labs.cohort_export``) whose page offers the file; the
    download of that file writes the access-log entry with the same reason."""
    from flask import g

    from lms.jobs import enqueue
    from lms.labs import roster_export

    c = get_cohort_for(current_user, cohort_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if (form_page := ask_reason()) is not None:
        return form_page
    if roster_export.estimated_rows(c, kind) > int(current_app.config.get("EXPORT_JOB_ROWS", 3000)):
        job = enqueue("labs.cohort_export", actor=current_user,
                      params={"cohort_id": c.id, "fmt": fmt, "kind": kind, "reason": g.get("export_reason", "")},
                      institution_id=c.programme.institution_id if c.programme is not None else None)
        return redirect(url_for("jobs.detail", job_id=job.id))
    data, filename, mime, rows = roster_export.build_export(c, fmt, kind, current_user)
    db.session.commit()
    log_access("export", roster_export.member_ids(c), count=rows, description=f"cohort {c.id} {kind}.{fmt}")
    return _download(data, filename, mime)


# --------------------------------------------------------------------------- smart labs

def _lab_form(form: LabForm):
    from lms.orgs.models import Region

    form.institution_id.choices = pick_one(_institution_choices())
    form.programme_id.choices = [(0, _("없음"))] + [(p.id, p.name_ko) for p in db.session.execute(
        select(Programme).where(Programme.kind == "smart_lab").order_by(Programme.name_ko)).scalars()]
    form.region_code.choices = [("", _("선택 안 함"))] + [(r.code, r.name_ko) for r in db.session.execute(
        select(Region).where(Region.valid_to.is_(None)).order_by(Region.code)).scalars()]
    form.instructor_ids.choices = _instructor_choices()


@bp.route("/labs/smartlabs")
@policy("instructor", "admin")
def smartlabs():
    from sqlalchemy.orm import joinedload, selectinload

    from lms.labs.models import SmartLab

    labs = svc.labs_for(current_user, options=(
        joinedload(SmartLab.institution), selectinload(SmartLab.rooms), selectinload(SmartLab.equipment)))
    return render_template("labs/smartlabs.html", labs=labs)


@bp.route("/labs/smartlabs/new", methods=["GET", "POST"])
@bp.route("/labs/smartlabs/<int:lab_id>/edit", methods=["GET", "POST"], endpoint="smartlab_edit")
@policy("admin")
def smartlab_new(lab_id: int | None = None):
    lab = get_lab_for(current_user, lab_id) if lab_id else None
    form = LabForm()
    _lab_form(form)
    if request.method == "GET" and lab is not None:
        form.name_ko.data, form.name_en.data = lab.name_ko, lab.name_en
        form.institution_id.data, form.programme_id.data = lab.institution_id, lab.programme_id or 0
        form.region_code.data, form.address.data = lab.region_code or "", lab.address
        form.instructor_ids.data = [u.id for u in lab.instructors]
    if form.validate_on_submit():
        try:
            lab = svc.save_lab(lab, institution_id=form.institution_id.data, name_ko=form.name_ko.data,
                               name_en=form.name_en.data, programme_id=form.programme_id.data or None,
                               region_code=form.region_code.data or None, address=form.address.data,
                               instructor_ids=form.instructor_ids.data)
            db.session.commit()
            flash(_("스마트랩을 저장했습니다."), "success")
            return redirect(url_for("labs.smartlab", lab_id=lab.id))
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    title = _("스마트랩 수정") if lab else _("새 스마트랩")
    return render_template("labs/form.html", form=form, title=title, back=url_for("labs.smartlabs"))


def _equipment_form(lab: SmartLab) -> EquipmentForm:
    form = EquipmentForm(prefix="eq")
    form.kind.choices = pick_one((k, str(svc.EQUIPMENT_KIND_LABELS[k])) for k in EQUIPMENT_KINDS)
    form.room_id.choices = [(0, _("지정 안 함"))] + [(r.id, r.name_ko) for r in lab.rooms]
    return form


@bp.route("/labs/smartlabs/<int:lab_id>")
@policy("instructor", "admin")
def smartlab(lab_id: int):
    lab = get_lab_for(current_user, lab_id)
    sessions = list(db.session.execute(
        select(LabSession).where(LabSession.lab_id == lab.id, LabSession.ends_at >= utcnow())
        .order_by(LabSession.starts_at).limit(100).options(*overview.session_load_options())).unique().scalars())
    past = list(db.session.execute(
        select(LabSession).where(LabSession.lab_id == lab.id, LabSession.ends_at < utcnow())
        .order_by(LabSession.starts_at.desc()).limit(20).options(*overview.session_load_options())).unique().scalars())
    return render_template("labs/smartlab.html", lab=lab, sessions=sessions, past=past,
                           room_form=RoomForm(prefix="room"), equipment_form=_equipment_form(lab),
                           equipment_labels=svc.EQUIPMENT_KIND_LABELS)


@bp.route("/labs/smartlabs/<int:lab_id>/rooms", methods=["POST"])
@policy("admin")
def room_add(lab_id: int):
    lab = get_lab_for(current_user, lab_id)
    form = RoomForm(prefix="room")
    if form.validate_on_submit():
        try:
            svc.add_room(lab, form.name_ko.data, form.seats.data)
            db.session.commit()
            flash(_("실습실을 추가했습니다."), "success")
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    else:
        flash(_("실습실 이름과 좌석 수를 확인해 주세요."), "error")
    return redirect(url_for("labs.smartlab", lab_id=lab.id))


@bp.route("/labs/smartlabs/<int:lab_id>/equipment", methods=["POST"])
@policy("admin")
def equipment_add(lab_id: int):
    lab = get_lab_for(current_user, lab_id)
    form = _equipment_form(lab)
    if form.validate_on_submit():
        try:
            svc.add_equipment(lab, form.kind.data, form.name.data, form.quantity.data, form.room_id.data or None)
            db.session.commit()
            flash(_("장비를 추가했습니다."), "success")
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    else:
        flash(_("장비 정보를 확인해 주세요."), "error")
    return redirect(url_for("labs.smartlab", lab_id=lab.id))


@bp.route("/labs/smartlabs/<int:lab_id>/sessions/new", methods=["GET", "POST"])
@policy("instructor", "admin")
def session_new(lab_id: int):
    from lms.accounts.models import User
    from lms.catalog.models import Course, Module

    lab = get_lab_for(current_user, lab_id)
    form = SessionForm()
    form.module_id.choices = pick_one((m.id, f"{m.course.code} · {m.title_ko}") for m in db.session.execute(
        select(Module).join(Course).where(Module.kind == "practical", Module.retired_at.is_(None))
        .order_by(Course.code, Module.position)).scalars())
    form.room_id.choices = pick_one((r.id, f"{r.name_ko} ({r.seats}석)") for r in lab.rooms)
    instructors = {u.id: u for u in lab.instructors}
    if current_user.role == "instructor":
        instructors[current_user.id] = current_user
    form.instructor_id.choices = [(u.id, u.name) for u in instructors.values()]
    form.cohort_id.choices = [(0, _("지정 안 함"))] + [(c.id, c.label) for c in svc.cohorts_for(current_user)]
    if request.method == "GET":
        form.instructor_id.data = current_user.id if current_user.id in instructors else None
        if request.args.get("module_id", type=int):
            form.module_id.data = request.args.get("module_id", type=int)
    if not lab.rooms:
        flash(_("먼저 실습실을 등록해야 세션을 편성할 수 있습니다."), "warning")
    asked_past = False
    if form.validate_on_submit():
        # A night session (22:00~01:00) ends the next day; kst_span says which day.
        starts, ends = kst_span(form.day.data, form.start_time.data, form.end_time.data, form.end_day.data)
        if starts < utcnow() and not form.past_ok.data:
            form.day.errors.append(_("시작 일시가 이미 지났습니다. 날짜와 시각을 확인해 주세요. 진행한 세션을 기록하려면 "
                                     "아래 확인란을 선택하고 다시 저장해 주세요."))
            asked_past = True
            return _session_form_page(form, lab, asked_past)
        instructor = db.session.get(User, form.instructor_id.data) if form.instructor_id.data in instructors else None
        cohort = None
        if form.cohort_id.data:
            cohort = get_cohort_for(current_user, form.cohort_id.data)
        try:
            s = booking_svc.create_session(lab, room_id=form.room_id.data, module=db.session.get(Module, form.module_id.data),
                                           starts_at=starts, ends_at=ends, capacity=form.capacity.data,
                                           instructor=instructor, cohort=cohort)
            db.session.commit()
            flash(_("세션을 편성했습니다."), "success")
            return redirect(url_for("labs.session", session_id=s.id))
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    return _session_form_page(form, lab, asked_past)


def _session_form_page(form, lab, asked_past: bool):
    """The session form; the past-date confirmation box shows only once it was needed."""
    if not asked_past and not form.past_ok.data:
        del form.past_ok
    return render_template("labs/form.html", form=form, title=_("세션 편성") + f" · {lab.name_ko}",
                           back=url_for("labs.smartlab", lab_id=lab.id))


# --------------------------------------------------------------------------- a session (instructor)

@bp.route("/labs/sessions/<int:session_id>")
@policy("instructor", "admin")
def session(session_id: int):
    from lms.labs import checkin
    from lms.labs.attendance import STATUS_LABELS, session_minutes

    s = get_session_for(current_user, session_id)
    sheet = overview.session_sheet(s, request.args)
    now = utcnow()
    qr = None
    checkin_url = None
    if s.cancelled_at is None and checkin.in_window(s, now):
        checkin_url = url_for("labs.checkin_scan", session_id=s.id, t=checkin.make_token(s, now), _external=True)
        qr = checkin.qr_svg(checkin_url)
    log_access("view", [b.user_id for b in sheet.roster.items], count=sheet.roster.total,
               description=f"session {s.id} attendance sheet")
    return render_template("labs/session.html", s=s, roster=sheet.roster, att=sheet.attendance,
                           signoffs=sheet.signoffs, waitlist=sheet.waitlist, waitlist_total=sheet.waitlist_total,
                           statuses=STATUS_LABELS, total=session_minutes(s),
                           qr=qr, checkin_url=checkin_url, opens_at=s.starts_at - checkin.OPENS_BEFORE, now=now)


@bp.route("/labs/sessions/<int:session_id>/attendance", methods=["POST"])
@policy("instructor", "admin")
def attendance_save(session_id: int):
    from lms.labs.attendance import mark_all_present, record_attendance

    s = get_session_for(current_user, session_id)
    try:
        if request.form.get("action") == "all_present":
            mark_all_present(s, current_user)
            subjects = [b.user_id for b in booking_svc.session_roster(s)]
            msg = _("아직 기록되지 않은 훈련생을 모두 출석으로 기록했습니다.")
        else:
            entries = {}
            for b in booking_svc.session_roster(s):
                status = request.form.get(f"status_{b.user_id}")
                if not status:
                    continue
                raw = (request.form.get(f"minutes_{b.user_id}") or "").strip()
                entries[b.user_id] = (status, int(raw) if raw.isdigit() else None)
            record_attendance(s, current_user, entries)
            subjects = list(entries)
            msg = _("출결을 저장했습니다.")
        log_access("change", subjects, description=f"session {s.id} attendance")
        db.session.commit()
        flash(msg, "success")
    except DomainError as exc:
        db.session.rollback()
        _flash_error(exc)
    return redirect(url_for("labs.session", session_id=s.id, _anchor="attendance"))


@bp.route("/labs/sessions/<int:session_id>/cancel", methods=["POST"])
@policy("instructor", "admin")
def session_cancel(session_id: int):
    s = get_session_for(current_user, session_id)
    booking_svc.cancel_session(s, current_user)
    from lms.core.audit import record

    record(current_user, "session.cancel", s)
    db.session.commit()
    flash(_("세션을 취소하고 예약자에게 알렸습니다."), "success")
    return redirect(url_for("labs.smartlab", lab_id=s.lab_id))


# --------------------------------------------------------------------------- sign-off

@bp.route("/labs/signoffs/<int:enrollment_id>/<int:module_id>", methods=["GET", "POST"])
@policy("instructor", "admin")
def signoff(enrollment_id: int, module_id: int):
    from lms.catalog.models import Module
    from lms.labs import signoff as so_svc

    enrollment = get_enrollment_for(current_user, enrollment_id)
    module = db.session.get(Module, module_id)
    if module is None or module.kind != "practical" or module.course_id != enrollment.course_id:
        abort(404)
    session_id = request.values.get("session_id", type=int)
    lab_session = get_session_for(current_user, session_id) if session_id else None
    items = so_svc.checklist(module)
    current = so_svc.current_signoff(enrollment.id, module.id)
    # Every item and the verdict start unanswered, corrections included: the
    # current judgement is shown beside each item, never pre-selected.
    form = signoff_form(items, assessed_on=to_kst(utcnow()).date())
    if form.validate_on_submit():
        try:
            so_svc.sign_off(current_user, enrollment, module, results=form.results(), outcome=form.outcome.data,
                            assessed_on=form.assessed_on.data, note=form.note.data or "", session=lab_session,
                            supersedes_id=form.supersedes_id.data)
            log_access("change", [enrollment.user_id], description=f"enrollment {enrollment.id} module {module.id} sign-off")
            db.session.commit()
            flash(_("실습 평가를 기록했습니다."), "success")
            return redirect(url_for("labs.signoff", enrollment_id=enrollment.id, module_id=module.id,
                                    session_id=session_id))
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
    elif form.is_submitted():
        flash(_("평가를 저장하지 않았습니다. 표시된 항목을 확인해 주세요."), "error")
    previous = {r["item"]: r for r in (current.results if current else [])}
    log_access("view", [enrollment.user_id],
               description=f"enrollment {enrollment.id} module {module.id} sign-off")
    return render_template("labs/signoff.html", enrollment=enrollment, module=module, items=items, current=current,
                           history=so_svc.history(enrollment.id, module.id), previous=previous, form=form,
                           item_no={str(it["id"]): i + 1 for i, it in enumerate(items)},
                           lab_session=lab_session), (400 if form.is_submitted() else 200)


# --------------------------------------------------------------------------- trainee: booking

UPCOMING_LIST = ListSpec(sorts={"starts": LabSession.starts_at}, default_sort="starts", tiebreak=LabSession.id,
                         per_page=20)


@bp.route("/labs/modules/<int:module_id>/sessions")
@policy("trainee")
def module_sessions(module_id: int):
    from lms.catalog.models import Module

    module = get_for(Module, module_id, current_user, svc.trainee_can_see_module)
    if module.kind != "practical" or module.retired_at is not None:
        abort(404)
    enrollment = svc.active_enrollment(current_user, module.course_id)
    upcoming = select(LabSession).where(LabSession.module_id == module.id, LabSession.cancelled_at.is_(None),
                                        LabSession.starts_at > utcnow()).options(*overview.session_load_options())
    page = paginate(db.session, upcoming, UPCOMING_LIST, list_args(request.args, UPCOMING_LIST))
    sessions = page.items
    mine = {b.session_id: b for b in booking_svc.my_bookings(current_user) if b.status in ("booked", "waitlisted")}
    by_booking = booking_svc.waitlist_positions(list(mine.values()))  # one statement for the page
    positions = {sid: by_booking[b.id] for sid, b in mine.items()}
    return render_template("labs/module_sessions.html", module=module, enrollment=enrollment, sessions=sessions,
                           page=page,
                           mine=mine, positions=positions, can_cancel=booking_svc.can_cancel,
                           is_final=booking_svc.booking_is_final,
                           cutoff=current_app.config.get("LAB_CANCEL_CUTOFF_HOURS", 24))


@bp.route("/labs/sessions/<int:session_id>/book", methods=["POST"])
@policy("trainee")
def book(session_id: int):
    s = get_for(LabSession, session_id, current_user, svc.trainee_can_see_session)
    back = url_for("labs.module_sessions", module_id=s.module_id)
    if (s.booked_count < s.capacity and booking_svc.booking_is_final(s) and s.starts_at > utcnow()
            and not confirm.confirmed()):
        return confirm.ask(
            _("취소할 수 없는 예약입니다"),
            _("이 세션은 취소 기한(시작 %(h)s시간 전)이 지났습니다. 지금 예약하면 취소할 수 없고, 빠지면 결석으로 기록됩니다.",
              h=current_app.config.get("LAB_CANCEL_CUTOFF_HOURS", 24)),
            details=[(_("실습"), s.module.title_ko), (_("일시"), span_text(s.starts_at, s.ends_at))],
            action_label=_("취소할 수 없음을 알고 예약하기"), back_url=back, danger=False)
    try:
        b = booking_svc.book(current_user, session_id)
        db.session.commit()
        if b.status == "booked":
            flash(_("예약했습니다."), "success")
        else:
            flash(_("정원이 차서 대기자 명단에 올렸습니다(대기 %(n)d번). 자리가 나면 메일로 알려 드립니다.",
                    n=booking_svc.waitlist_position(b)), "info")
    except DomainError as exc:
        db.session.rollback()
        _flash_error(exc)
    return redirect(back)


@bp.route("/labs/bookings")
@policy("trainee")
def my_bookings():
    items = booking_svc.my_bookings(current_user)
    positions = booking_svc.waitlist_positions(items)
    now = utcnow()
    ended = [b for b in items if b.session.ends_at < now]
    not_ended = sorted((b for b in items if b.session.ends_at >= now), key=lambda b: b.session.starts_at)
    upcoming = [b for b in not_ended if b.status != "cancelled" and b.session.cancelled_at is None]
    cancelled = [b for b in not_ended if b not in upcoming]  # given back, or the session was cancelled
    return render_template("labs/my_bookings.html", upcoming=upcoming, cancelled=cancelled, past=ended,
                           positions=positions, now=now,
                           can_cancel=booking_svc.can_cancel,
                           cutoff=current_app.config.get("LAB_CANCEL_CUTOFF_HOURS", 24))


@bp.route("/labs/bookings/<int:booking_id>/cancel", methods=["POST"])
@policy("trainee")
def booking_cancel(booking_id: int):
    b = db.session.get(Booking, booking_id)
    if b is None or b.user_id != current_user.id:
        abort(404)
    back = (url_for("labs.module_sessions", module_id=b.session.module_id) if request.form.get("next") == "module"
            else url_for("labs.my_bookings"))
    if not confirm.confirmed() and b.status in booking_svc.ACTIVE_STATUSES:
        s = b.session
        return confirm.ask(
            _("예약을 취소할까요?"),
            _("취소하면 자리가 대기자에게 넘어갑니다. 다시 예약하려면 남은 자리가 있어야 합니다.") if b.status == "booked"
            else _("대기 신청을 취소하면 대기 순서가 없어집니다."),
            details=[(_("실습"), s.module.title_ko), (_("일시"), span_text(s.starts_at, s.ends_at))],
            action_label=_("예약 취소하기"), back_url=back)
    try:
        booking_svc.cancel_booking(current_user, booking_id)
        db.session.commit()
        flash(_("예약을 취소했습니다."), "success")
    except DomainError as exc:
        db.session.rollback()
        _flash_error(exc)
    nxt = request.form.get("next", "")
    if nxt == "module":
        return redirect(url_for("labs.module_sessions", module_id=b.session.module_id))
    return redirect(url_for("labs.my_bookings"))


@bp.route("/labs/bookings/<int:booking_id>.ics")
@policy("trainee")
def booking_ics(booking_id: int):
    from lms.labs.ics import booking_ics as make_ics

    b = db.session.get(Booking, booking_id)
    if b is None or b.user_id != current_user.id:
        abort(404)
    host = (current_app.config.get("PUBLIC_BASE_URL") or "").split("//")[-1].split("/")[0] or "localhost"
    resp = Response(make_ics(b, host=host), mimetype="text/calendar; charset=utf-8")
    resp.headers["Content-Disposition"] = f'attachment; filename="session-{b.session_id}.ics"'
    return resp


def init_app(app) -> None:
    """Defaults of the labs settings (LMS_LAB_CANCEL_CUTOFF_HOURS overrides)."""
    app.config.setdefault("LAB_CANCEL_CUTOFF_HOURS", 24)


# The invited person's side of cohort invitations and the QR check-in register on this blueprint.
from lms.labs import checkin_views, invitation_views  # noqa: E402,F401
from lms.labs import jobs as _jobs  # noqa: E402,F401  (registers the labs' job handlers)
