"""Cohort roster exports: the roster and the attendance sheet as rows for
lms.core.tabular (XLSX or CSV in UTF-8 with BOM, formula-looking cells neutralised).

Only the cohort's own records: enrollments run through this cohort and bookings
made with them, never what a member does in other cohorts or institutions.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from lms.extensions import db
from lms.labs.models import Cohort, CohortMember


def member_ids(cohort: Cohort) -> list[int]:
    """The user ids of the cohort's members (for the access log of an export; one statement)."""
    from lms.core.access_log import SUBJECT_LIMIT

    return list(db.session.execute(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
                                   .order_by(CohortMember.user_id).limit(SUBJECT_LIMIT)).scalars())


def roster_table(cohort: Cohort) -> tuple[list[str], list[list]]:
    """Header and rows of the roster export (one row per member and course)."""
    from lms.labs.overview import cohort_roster

    header = [_("이름"), _("이메일"), _("생년월일"), _("휴대전화"), _("소속회사/후원기업"), _("학번"), _("과정"),
              _("진도율(%)"), _("출석률(%)"), _("상태")]
    status_label = {"active": _("수강 중"), "completed": _("수료"), "withdrawn": _("중도 포기")}
    rows = []
    # Progress and attendance of every member come from grouped queries (lms.labs.overview).
    for row in cohort_roster(cohort):
        m, u = row.member, row.member.user
        base = [u.name, u.email, u.birth_date.isoformat() if u.birth_date else "", u.phone or "",
                m.sponsor.name if m.sponsor else "", m.student_number or ""]
        if not row.items:
            rows.append(base + ["", "", "", ""])
        for e, pct, att in row.items:
            rows.append(base + [e.course.code, pct, "" if att.percent is None else att.percent,
                                status_label.get(e.status, e.status)])
    return header, rows


def attendance_table(cohort: Cohort) -> tuple[list[str], list[list]]:
    """Header and rows of the attendance sheet: one row per member and session booked."""
    from lms.accounts.models import User
    from lms.catalog.models import Module
    from lms.core.timeutil import to_kst
    from lms.labs.attendance import STATUS_LABELS
    from lms.labs.models import Attendance, Booking, LabSession
    from lms.learning.models import Enrollment
    from sqlalchemy.orm import joinedload

    header = [_("이름"), _("이메일"), _("학번"), _("과정"), _("실습 모듈"), _("세션 시작"), _("세션 종료"),
              _("출결"), _("참석(분)"), _("기록 방식")]
    course_ids = [c.id for c in cohort.courses]
    if not course_ids:
        return header, []
    stmt = (
        select(CohortMember, LabSession, Attendance)
        .join(User, User.id == CohortMember.user_id)
        .join(Booking, Booking.user_id == CohortMember.user_id)
        # only bookings made through this cohort's enrollments: a member's sessions in
        # other cohorts or institutions are not this cohort's records
        .join(Enrollment, (Enrollment.id == Booking.enrollment_id) & (Enrollment.cohort_id == CohortMember.cohort_id))
        .join(LabSession, LabSession.id == Booking.session_id)
        .join(Module, Module.id == LabSession.module_id)
        .outerjoin(Attendance, (Attendance.session_id == LabSession.id) & (Attendance.user_id == CohortMember.user_id))
        .where(CohortMember.cohort_id == cohort.id, Booking.status == "booked", Module.course_id.in_(course_ids),
               LabSession.cancelled_at.is_(None))
        .order_by(User.name, LabSession.starts_at)
        .options(joinedload(CohortMember.user), joinedload(LabSession.module).joinedload(Module.course))
    )
    rows = []
    for m, s, a in db.session.execute(stmt).all():
        rows.append([m.user.name, m.user.email, m.student_number or "", s.module.course.code, s.module.title_ko,
                     to_kst(s.starts_at).strftime("%Y-%m-%d %H:%M"), to_kst(s.ends_at).strftime("%Y-%m-%d %H:%M"),
                     str(STATUS_LABELS[a.status]) if a else _("미기록"), a.minutes if a else "",
                     ("QR" if a.method == "qr" else _("수기")) if a else ""])
    return header, rows


def estimated_rows(cohort: Cohort, kind: str) -> int:
    """About how many rows an export of ``kind`` ("roster" or "attendance") holds, in one
    COUNT: the cohort's enrollments, or the bookings made through them."""
    from sqlalchemy import func

    from lms.labs.models import Booking
    from lms.learning.models import Enrollment

    if kind == "roster":
        stmt = select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort.id)
    else:
        stmt = (select(func.count()).select_from(Booking).join(Enrollment, Enrollment.id == Booking.enrollment_id)
                .where(Enrollment.cohort_id == cohort.id, Booking.status == "booked"))
    return int(db.session.execute(stmt).scalar_one())


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def build_export(cohort: Cohort, fmt: str, kind: str, actor, progress=None) -> tuple[bytes, str, str, int]:
    """The roster or attendance file of ``cohort``: (bytes, file name, media type, rows).

    ``fmt`` is "csv" (UTF-8 with BOM) or "xlsx"; records the audit event (flushes, the
    caller commits). ``progress(step, 2)`` after reading the rows and after writing the file."""
    from lms.core.audit import record
    from lms.core.db import utcnow
    from lms.core.tabular import csv_bytes, xlsx_bytes
    from lms.core.timeutil import to_kst

    step = progress or (lambda done, total: None)
    header, rows = roster_table(cohort) if kind == "roster" else attendance_table(cohort)
    step(1, 2)
    title = _("명단") if kind == "roster" else _("출석부")
    preamble = [[cohort.programme.name_ko, cohort.label, title, to_kst(utcnow()).strftime("%Y-%m-%d %H:%M")]]
    if fmt == "csv":
        data, mime = csv_bytes(header, rows, preamble), "text/csv; charset=utf-8"
    else:
        data, mime = xlsx_bytes([(title, header, rows)], preamble), XLSX_MIME
    record(actor, f"{kind}.export", cohort, format=fmt, rows=len(rows))
    db.session.flush()
    step(2, 2)
    return data, f"{cohort.label}-{title}.{fmt}", mime, len(rows)
