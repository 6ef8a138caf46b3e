"""Admin screens of the personal-data access log (개인정보 접속기록, PIPA safety-measures
standard Art. 8): search by actor, data subject, action and Korean date range, newest
first in keyset pages, and a CSV of a search (asks for a reason; itself logged).
``add_routes(bp)`` puts them on the admin blueprint (called by lms.admin.views)."""
from __future__ import annotations

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from lms.accounts.models import User
from lms.core import access_log as al
from lms.core.access_log import AccessLogEntry, log_access
from lms.core.authz import policy
from lms.core.export_reason import ask_reason
from lms.core.pagination import keyset
from lms.core.tabular import csv_bytes
from lms.core.timeutil import kst_day_end, kst_day_start, to_kst
from lms.core.validators import no_rrn
from lms.extensions import db

PER_PAGE = 50
CSV_MAX_ROWS = 10_000
ACTION_LABELS = {"view": _l("조회"), "change": _l("변경"), "export": _l("내보내기"), "download": _l("내려받기"),
                 "delete": _l("삭제")}


class AccessLogSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    actor = StringField(_l("처리자 (이메일 일부)"), validators=[Optional(), Length(max=100), no_rrn])
    subject = StringField(_l("정보주체 (사용자 번호 또는 이메일)"), validators=[Optional(), Length(max=255), no_rrn])
    action = SelectField(_l("처리 유형"), choices=[("", _l("전체"))] + list(ACTION_LABELS.items()),
                         validate_choice=False)
    date_from = DateField(_l("시작일 (한국 날짜)"), validators=[Optional()])
    date_to = DateField(_l("종료일 (한국 날짜)"), validators=[Optional()])


def _search():
    """(form, select of the matching rows or None when the subject names nobody, text of the query)."""
    form = AccessLogSearchForm(request.args)
    valid = form.validate()
    data = {k: (f.data if valid and not f.errors else None) for k, f in form._fields.items()}
    subject_id = None
    subject = (data.get("subject") or "").strip()
    if subject:
        if subject.isdigit():
            subject_id = int(subject)
        else:
            subject_id = db.session.execute(select(User.id).where(User.email == subject.lower())).scalar()
            if subject_id is None:
                subject_id = -1  # an address nobody has: no rows
    start = kst_day_start(data["date_from"]) if data.get("date_from") else None
    end = kst_day_end(data["date_to"]) if data.get("date_to") else None
    stmt = al.search_query(actor=(data.get("actor") or "").strip(), subject_id=subject_id,
                           action=data.get("action") or "", start=start, end=end)
    described = ", ".join(f"{k}={v}" for k, v in (("actor", data.get("actor")), ("subject", subject_id),
                                                     ("action", data.get("action")), ("from", data.get("date_from")),
                                                     ("to", data.get("date_to"))) if v)
    return form, stmt, subject_id, described


@policy("admin")
def access_log():
    form, stmt, subject_id, _described = _search()
    page = keyset(db.session, stmt, (AccessLogEntry.created_at, AccessLogEntry.id), request.args,
                  per_page=PER_PAGE, row_key=lambda e: (e.created_at, e.id))
    return render_template("admin/access_log.html", form=form, pagination=page, labels=ACTION_LABELS,
                           csv_args=request.args.to_dict(), subject_id=subject_id)


@policy("admin")
def access_log_csv():
    if (form_page := ask_reason()) is not None:
        return form_page
    _form, stmt, subject_id, described = _search()
    rows = list(db.session.execute(stmt.order_by(AccessLogEntry.created_at.desc(), AccessLogEntry.id.desc())
                                   .limit(CSV_MAX_ROWS)).scalars())
    header = [_("시각 (KST)"), _("처리자"), _("역할"), _("접속지"), _("처리 유형"), _("화면"), _("경로"),
              _("정보주체 수"), _("정보주체 번호"), _("내용"), _("사유"), _("해시")]
    body = [[to_kst(e.created_at).strftime("%Y-%m-%d %H:%M:%S"), e.actor_email, e.actor_role, e.remote_addr,
             str(ACTION_LABELS.get(e.action, e.action)), e.endpoint, e.path, e.subject_count,
             " ".join(map(str, e.subjects)), e.description, e.reason, e.row_hash] for e in rows]
    subjects = sorted({s for e in rows for s in e.subjects})
    log_access("export", subjects, count=len(rows), description=f"access log search: {described or 'all'}"[:255])
    resp = Response(csv_bytes(header, body, [[_("개인정보 접속기록"), described]]), mimetype="text/csv; charset=utf-8")
    resp.headers["Content-Disposition"] = 'attachment; filename="access-log.csv"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def add_routes(bp) -> None:
    bp.add_url_rule("/access-log", view_func=access_log)
    bp.add_url_rule("/access-log.csv", view_func=access_log_csv, methods=["GET", "POST"])
