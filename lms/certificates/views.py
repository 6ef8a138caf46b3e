"""Certificates blueprint: public verification, trainees' downloads, instructors' and admins' tools.

Public (no account): ``/verify`` (number + birth date or name), ``/verify/<code>``
(the QR target), ``/verify/pdf`` (is this file byte-for-byte the issued one?),
all rate-limited per client IP. Trainees: ``/certificates`` and the PDF download
(Korean, or English with ``?lang=en``), renewal. Instructors and admins: the
management list (expiring soon, search), a certificate's page with revoke and
re-issue, cohort issuing with ZIP / merged-PDF download; admins: institution
seal, logo and head's name.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
import sqlalchemy as sa
from sqlalchemy import func, select

from lms.certificates import documents, services, verify as ratelimit
from lms.certificates import jobs as _jobs  # noqa: F401  (registers the certificates' job handlers)
from lms.certificates.forms import (ExpiringForm, InstitutionAssetsForm, ReissueForm, RevokeForm, VerifyForm,
                                    VerifyPdfForm, normalise_number)
from lms.certificates.models import Certificate
from lms.certificates.state import state_of, states_of
from lms.core import confirm, nav
from lms.core.access_log import log_access
from lms.core.export_reason import ask_reason
from lms.core.i18n import document_language, document_locale
from lms.core.authz import policy
from lms.core.validators import first_error
from lms.core.pagination import ListSpec, list_args, paginate, search
from lms.errors import DomainError
from lms.extensions import db

bp = Blueprint("certificates", __name__)

nav.register("certificates.mine", _l("내 수료증"), roles=("trainee",), order=40)
nav.register("certificates.manage", _l("수료증 관리"), roles=("instructor", "admin"), order=60)

MAX_PDF_UPLOAD = 20 * 1024 * 1024


def init_app(app) -> None:
    """Issue the certificate when learning reports an enrollment completed."""
    try:
        from lms.learning.signals import enrollment_completed
    except ImportError:  # learning's signals not there yet: issuing stays manual/cohort-wide
        app.logger.info("certificates: lms.learning.signals not found; automatic issuing is off")
        return
    enrollment_completed.connect(services.on_enrollment_completed, weak=False)


def _rate_limited() -> None:
    if not ratelimit.hit("verify"):
        abort(429)


def _cert_for(number: str, can=services.can_see) -> Certificate:
    """404 for a number that does not exist or that the user may not see."""
    cert = services.by_number(number)
    if cert is None or not can(current_user, cert):
        abort(404)
    return cert


# --- public verification --------------------------------------------------------------

@bp.route("/verify", methods=["GET", "POST"])
@policy("public")
def verify():
    """The check by number and birth date or name. A match answers with a redirect to the
    certificate's own result page and a miss with one to this page marked not found, so a
    reload never asks to send the form again (post/redirect/get)."""
    form = VerifyForm()
    pdf_form = VerifyPdfForm(prefix="file")
    if form.validate_on_submit():
        if not form.birth_date.data and not (form.name.data or "").strip():
            form.name.errors.append(_("생년월일 또는 성명 중 하나를 입력해 주세요."))
        else:
            _rate_limited()
            cert = services.find_for_verification(form.number.data, birth_date=form.birth_date.data,
                                                  name=form.name.data)
            if cert is not None:
                session["verified_code"] = cert.verification_code  # the GET below is the same check
                return redirect(url_for("certificates.verify_code", code=cert.verification_code), 303)
            return redirect(url_for("certificates.verify", number=form.number.data, result="none"), 303)
    searched = request.method == "GET" and request.args.get("result") == "none"
    if searched and not form.number.data:
        form.number.data = normalise_number(request.args.get("number", ""))[:11]
    return render_template("certificates/verify.html", form=form, pdf_form=pdf_form, view=None,
                           searched=searched), (404 if searched else 200)


@bp.get("/verify/<code>")
@policy("public")
def verify_code(code: str):
    if session.pop("verified_code", None) != code:  # the form's redirect was counted on its POST
        _rate_limited()
    cert = services.by_code(code)
    view = services.public_view(cert) if cert is not None else None
    return render_template("certificates/verify_result.html", view=view), (200 if view else 404)


@bp.get("/verify/pdf")
@policy("public")
def verify_pdf_form():
    """The PDF check is a form on /verify; a GET here (a reload, a typed address) goes there."""
    return redirect(url_for("certificates.verify") + "#verify-pdf", 303)


@bp.post("/verify/pdf")
@policy("public")
def verify_pdf():
    _rate_limited()
    pdf_form = VerifyPdfForm(prefix="file")
    upload = request.files.get("file-pdf")
    if not pdf_form.validate_on_submit() or upload is None or not upload.filename:
        flash(_("확인할 PDF 파일을 선택해 주세요."), "error")
        return redirect(url_for("certificates.verify"))
    data = upload.stream.read(MAX_PDF_UPLOAD + 1)
    if len(data) > MAX_PDF_UPLOAD:
        abort(413)
    if not data.startswith(b"%PDF-"):
        flash(_("PDF 파일이 아닙니다."), "error")
        return redirect(url_for("certificates.verify"))
    cert, issued_pdf = documents.match_upload(data)
    view = services.public_view(cert) if cert is not None else None
    return render_template("certificates/verify_result.html", view=view, pdf_check=True,
                           issued_pdf=issued_pdf), (200 if view else 404)


# --- trainee ---------------------------------------------------------------------------

@bp.get("/certificates")
@policy("trainee", "instructor", "admin")
def mine():
    certs = services.certificates_of(current_user)
    rows = [(c, st, st == "superseded" and services.latest_in_chain(c).number, services.can_renew(c))
            for c, st in zip(certs, states_of(certs))]
    return render_template("certificates/mine.html", rows=rows)


@bp.route("/certificates/<number>.pdf", methods=["GET", "POST"])
@document_language
@policy("trainee", "instructor", "admin")
def download(number: str):
    """The PDF in ``?lang=`` (ko/en; the document's language, not the UI's), stamped by its state."""
    cert = _cert_for(number)
    if (form_page := ask_reason()) is not None:  # staff give a reason; a trainee downloads their own at once
        return form_page
    locale = document_locale()
    data, state = documents.document(cert, locale)
    db.session.commit()  # keeps a first-time SHA-256 (demo-seeded certificates)
    log_access("download", [cert.user_id], count=1, description=f"certificate {cert.number}")
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=request.args.get("inline") != "1",
                     download_name=documents.file_name(cert, locale, state), max_age=0)


@bp.post("/certificates/<number>/renew")
@policy("trainee")
def renew(number: str):
    cert = _cert_for(number, can=lambda u, c: c.user_id == u.id)
    try:
        services.renew(cert, current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("certificates.mine"))
    db.session.commit()
    flash(_("갱신을 위한 재수강이 신청되었습니다."), "success")
    if "catalog.course" in _endpoints():
        return redirect(url_for("catalog.course", code=cert.course.code))
    return redirect(url_for("certificates.mine"))


def _endpoints():
    from flask import current_app

    return current_app.view_functions


# --- instructors and admins -------------------------------------------------------------

def _my_cohorts():
    from sqlalchemy.orm import joinedload

    from lms.labs.models import Cohort, cohort_instructors

    q = select(Cohort).options(joinedload(Cohort.programme)).order_by(Cohort.intake_year.desc(), Cohort.id.desc())
    if current_user.role != "admin":
        q = q.join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id).where(
            cohort_instructors.c.user_id == current_user.id)
    return list(db.session.execute(q.limit(200)).scalars())


EXPIRING_LIST = ListSpec(sorts={"expires": Certificate.expires_at}, default_sort="expires", tiebreak=Certificate.id,
                         per_page=50)


@bp.get("/certificates/manage")
@policy("instructor", "admin")
def manage():
    form = ExpiringForm(request.args)
    days = form.days.data if form.validate() and form.days.data else 90
    expiring = paginate(db.session, services.expiring_query(current_user, days), EXPIRING_LIST,
                        list_args(request.args, EXPIRING_LIST))
    number = (request.args.get("number") or "").strip()
    found = None
    if number:
        cert = services.by_number(number)
        if cert is not None and services.can_manage(current_user, cert):
            return redirect(url_for("certificates.detail", number=cert.number))
        found = False
    recent = list(db.session.execute(
        services.manageable_query(current_user).order_by(Certificate.issued_at.desc(), Certificate.id.desc()).limit(20)
    ).scalars())
    states = dict(zip((c.id for c in recent), states_of(recent)))
    log_access("view", [c.user_id for c in [*expiring.items, *recent]], count=len(expiring.items) + len(recent),
               description=f"certificates expiring in {days} days page {expiring.page} and the 20 latest")
    institutions = []
    if current_user.role == "admin":
        from lms.orgs.models import Institution

        institutions = list(db.session.execute(select(Institution).order_by(Institution.name_ko)).scalars())
    return render_template("certificates/manage.html", form=form, days=days, expiring=expiring, recent=recent,
                           cohorts=_my_cohorts(), number=number, found=found, institutions=institutions,
                           states=states)


@bp.get("/certificates/manage/<number>")
@policy("instructor", "admin")
def detail(number: str):
    cert = _cert_for(number, can=services.can_manage)
    from lms.core.audit import AuditEvent

    events = list(db.session.execute(
        select(AuditEvent).where(AuditEvent.object_type == "Certificate", AuditEvent.object_id == str(cert.id))
        .order_by(AuditEvent.created_at)
    ).scalars())
    from lms.accounts.models import User

    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.id: u.name for u in db.session.execute(select(User).where(User.id.in_(actor_ids))).scalars()} \
        if actor_ids else {}
    action_labels = {"certificate.issue": _("발급"), "certificate.revoke": _("취소"),
                     "certificate.reissue": _("정정 재발급"),
                     "certificate.superseded": _("재발급으로 대체됨"), "certificate.renew": _("갱신 재수강 신청")}
    log_access("view", [cert.user_id], description=f"certificate {cert.number}")
    return render_template("certificates/detail.html", cert=cert, view=services.public_view(cert),
                           actors=actors, action_labels=action_labels,
                           status=state_of(cert), successor=services.successor(cert),
                           can_revoke=services.can_revoke(current_user, cert), revoke_form=RevokeForm(),
                           reissue_form=ReissueForm(), events=events)


@bp.post("/certificates/manage/<number>/revoke")
@policy("instructor", "admin")
def revoke(number: str):
    cert = _cert_for(number, can=services.can_manage)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("취소 사유를 입력해 주세요."), "error")
        return redirect(url_for("certificates.detail", number=number))
    if not services.can_revoke(current_user, cert):
        abort(403)
    if cert.revoked_at is not None:
        flash(_("이미 취소된 수료증입니다."), "error")
        return redirect(url_for("certificates.detail", number=number))
    if not confirm.confirmed():
        return confirm.ask(
            _("수료증을 취소할까요?"),
            _("취소한 수료증은 되돌릴 수 없습니다. 진위확인 화면과 소지자의 목록에 '취소됨'으로 표시되고, 내려받는 PDF에 효력 없음이 찍힙니다."),
            details=[(_("수료증 번호"), cert.number), (_("성명"), cert.snapshot.get("name", "")),
                     (_("취소 사유"), form.reason.data)],
            action_label=_("수료증 취소 확정"), back_url=url_for("certificates.detail", number=number))
    try:
        services.revoke(cert, current_user, form.reason.data)
        log_access("change", [cert.user_id], description=f"certificate {cert.number} revoked")
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code == 403:
            abort(403)
        flash(str(exc.message), "error")
        return redirect(url_for("certificates.detail", number=number))
    db.session.commit()
    flash(_("수료증 %(number)s을(를) 취소했습니다.", number=cert.number), "success")
    return redirect(url_for("certificates.detail", number=number))


@bp.post("/certificates/manage/<number>/reissue")
@policy("instructor", "admin")
def reissue(number: str):
    cert = _cert_for(number, can=services.can_manage)
    form = ReissueForm()
    if not form.validate_on_submit():
        flash(first_error(form) or _("재발급 사유를 입력해 주세요."), "error")
        return redirect(url_for("certificates.detail", number=number))
    try:
        new = services.reissue(cert, current_user, name=form.name.data, reason=form.reason.data)
        log_access("change", [cert.user_id], description=f"certificate {cert.number} reissued")
    except DomainError as exc:
        db.session.rollback()
        if exc.status_code == 403:
            abort(403)
        flash(str(exc.message), "error")
        return redirect(url_for("certificates.detail", number=number))
    db.session.commit()
    flash(_("새 수료증 %(number)s을(를) 발급했습니다.", number=new.number), "success")
    return redirect(url_for("certificates.detail", number=new.number))


def _cohort_for(cohort_id: int):
    from lms.core.authz import get_for
    from lms.labs.models import Cohort

    return get_for(Cohort, cohort_id, current_user, lambda c, u: c.can_manage(u))


def _cohort_list_spec():
    from lms.accounts.models import User

    # Sort keys are expressions no index matches: a cohort holds a small share of all
    # certificates, and walking the whole number (or date) index in order to find its
    # first page is the plan PostgreSQL would otherwise pick (seconds at 100,000 trainees).
    return ListSpec(sorts={"number": Certificate.year * 1000000 + Certificate.serial, "name": User.name,
                           "issued": sa.func.coalesce(Certificate.issued_at, Certificate.issued_at)},
                    default_sort="number", tiebreak=Certificate.id + 0, per_page=50)


@bp.get("/certificates/cohorts/<int:cohort_id>")
@policy("instructor", "admin")
def cohort(cohort_id: int):
    from sqlalchemy import func

    from lms.accounts.models import User
    from lms.learning.models import Enrollment

    c = _cohort_for(cohort_id)
    spec = _cohort_list_spec()
    largs = list_args(request.args, spec)
    stmt = search(services.cohort_certificates_query(c).join(User, User.id == Certificate.user_id), largs.q,
                  Certificate.number, User.name)
    certs = paginate(db.session, stmt, spec, largs)
    issued_total = certs.total if not largs.q else db.session.execute(
        select(func.count()).select_from(services.cohort_certificates_query(c).subquery())).scalar_one()
    has_cert = sa.exists().where(Certificate.enrollment_id == Enrollment.id)
    counts = dict(db.session.execute(
        select(Enrollment.status, func.count(Enrollment.id))
        .where(Enrollment.cohort_id == c.id, Enrollment.status.in_(("completed", "active")),
               sa.or_(Enrollment.status == "active", ~has_cert))
        .group_by(Enrollment.status)).all())
    states = dict(zip((x.id for x in certs.items), states_of(certs.items)))
    left_out = db.session.execute(
        select(func.count()).select_from(services.cohort_certificates_query(c).where(
            sa.or_(Certificate.revoked_at.is_not(None),
                   Certificate.id.in_(select(Certificate.supersedes_id).where(Certificate.supersedes_id.is_not(None)))))
            .subquery())).scalar_one()
    log_access("view", [x.user_id for x in certs.items], count=certs.total,
               description=f"cohort {c.id} certificates page {certs.page}")
    return render_template("certificates/cohort.html", cohort=c, certs=certs, issued_total=issued_total,
                           waiting=counts.get("completed", 0), active=counts.get("active", 0),
                           states=states, left_out=left_out)


@bp.post("/certificates/cohorts/<int:cohort_id>/issue")
@policy("instructor", "admin")
def cohort_issue(cohort_id: int):
    """Queue the issue of every eligible certificate of the cohort (job ``certificates.issue_cohort``)
    and show its progress page; the job's result links back to the cohort page."""
    from lms.jobs import enqueue

    c = _cohort_for(cohort_id)
    job = enqueue("certificates.issue_cohort", actor=current_user, params={"cohort_id": c.id},
                  institution_id=c.programme.institution_id if c.programme is not None else None)
    return redirect(url_for("jobs.detail", job_id=job.id))


def _downloadable_count(cohort) -> int:
    """How many certificates a download of ``cohort`` would hold (not revoked, not superseded)."""
    return db.session.execute(select(func.count()).select_from(
        services.cohort_certificates_query(cohort).where(
            Certificate.revoked_at.is_(None),
            ~sa.exists().where(sa.orm.aliased(Certificate).supersedes_id == Certificate.id))
        .subquery())).scalar_one()


@bp.route("/certificates/cohorts/<int:cohort_id>/download", methods=["GET", "POST"])
@document_language
@policy("instructor", "admin")
def cohort_download(cohort_id: int):
    """ZIP (default) or one merged PDF (``format=pdf``) of the cohort's certificates in ``?lang=``:
    valid ones as issued, expired ones stamped, revoked and superseded ones left out. The reason
    is asked first; the file is then built by a job (``certificates.cohort_bundle``) whose progress
    page offers it, and its download writes the access-log entry with that reason."""
    from flask import g

    from lms.jobs import enqueue

    c = _cohort_for(cohort_id)
    if (form_page := ask_reason()) is not None:
        return form_page
    if not _downloadable_count(c):
        flash(_("내려받을 수료증이 없습니다."), "info")
        return redirect(url_for("certificates.cohort", cohort_id=cohort_id))
    fmt = "pdf" if request.args.get("format") == "pdf" else "zip"
    job = enqueue("certificates.cohort_bundle", actor=current_user,
                  params={"cohort_id": c.id, "fmt": fmt, "locale": document_locale(),
                          "reason": g.get("export_reason", "")},
                  institution_id=c.programme.institution_id if c.programme is not None else None)
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.route("/certificates/institutions/<int:institution_id>/assets", methods=["GET", "POST"])
@policy("admin")
def institution_assets(institution_id: int):
    from lms.orgs.models import Institution

    inst = db.session.get(Institution, institution_id)
    if inst is None:
        abort(404)
    form = InstitutionAssetsForm()
    if request.method == "GET":
        form.head_name_ko.data = inst.head_name_ko
        form.head_name_en.data = inst.head_name_en
    if form.validate_on_submit():
        def read(field):
            f = request.files.get(field)
            if f is None or not f.filename:
                return None
            return f.stream.read(services.MAX_IMAGE_BYTES + 1)

        try:
            services.set_institution_images(inst, current_user, seal=read("seal"), logo=read("logo"),
                                            head_name_ko=form.head_name_ko.data, head_name_en=form.head_name_en.data)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return render_template("certificates/institution_assets.html", inst=inst, form=form), 400
        db.session.commit()
        flash(_("기관의 수료증 정보를 저장했습니다. 이미 발급된 수료증은 바뀌지 않습니다."), "success")
        return redirect(url_for("certificates.institution_assets", institution_id=inst.id))
    return render_template("certificates/institution_assets.html", inst=inst, form=form)


@bp.get("/certificates/institutions/<int:institution_id>/<kind>.png")
@policy("admin")
def institution_image(institution_id: int, kind: str):
    from lms.orgs.models import Institution

    inst = db.session.get(Institution, institution_id)
    data = getattr(inst, f"{kind}_png", None) if inst is not None and kind in ("seal", "logo") else None
    if not data:
        abort(404)
    mime = "image/jpeg" if data.startswith(b"\xff\xd8") else "image/png"
    return send_file(io.BytesIO(data), mimetype=mime, max_age=0)


@bp.app_template_filter("dotted_date")
def dotted_date_filter(value) -> str:
    """ISO date (or date/datetime) as 2026. 3. 2."""
    from datetime import date, datetime

    from lms.core.timeutil import dotted_date, to_kst

    if not value:
        return ""
    if isinstance(value, datetime):
        value = to_kst(value).date()
    elif not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    return dotted_date(value)


STATUS_LABELS = {
    "valid": _l("유효"),
    "expired": _l("만료"),
    "revoked": _l("취소됨"),
    "superseded": _l("재발급으로 대체됨"),
}
STATUS_BADGES = {"valid": "badge-ok", "expired": "badge-warn", "revoked": "badge-err", "superseded": "badge-info"}


def _my_certificate_rows():
    """(certificate, status) of the logged-in user, for ``certificates/_dashboard.html``."""
    if not current_user.is_authenticated:
        return []
    certs = services.certificates_of(current_user)
    return list(zip(certs, states_of(certs)))


@bp.app_context_processor
def _status_helpers():
    return {"cert_status_label": lambda s: str(STATUS_LABELS.get(s, s)),
            "cert_status_badge": lambda s: STATUS_BADGES.get(s, "badge-info"),
            "my_certificate_rows": _my_certificate_rows}


# Who is not yet eligible, and why: on this blueprint.
from lms.certificates import pending_views  # noqa: E402,F401
