"""Everything the platform holds about one person, for that person (PIPA Art. 35,
access; ASVS 5.0 V8.3.2 "users can export their data").

:func:`personal_data` returns one document structured by kind; :func:`as_json` and
:func:`as_zip` render it (the ZIP holds one CSV per kind, UTF-8 with BOM, formula-looking
cells neutralised by ``lms.core.tabular.csv_bytes``). One query per kind, so the number
of statements does not depend on how much the person has done.

What is left out, and why (also in docs/ARCHITECTURE.md):

- secrets of the account: password hash, TOTP secret and recovery codes, the
  certificate verification code, invitation and link tokens (so the mails sent,
  which carry links, are not part of it either);
- other people: the names of instructors, assessors and whoever recorded attendance
  or acted on the account (an event done by someone else shows ``actor: staff``),
  other members of a cohort, audit ``details`` (free text written by staff that may
  name others), a revocation reason (a staff note);
- assessment keys: the question set and choice order drawn for a quiz attempt.

The sign-off result per checklist item, its comments and the assessor's note are
included: they are about the person and already shown to them on the practical page.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import aliased

from lms.accounts.models import ConsentRecord, User
from lms.catalog.models import Course, Module
from lms.certificates.models import Certificate
from lms.core.audit import AuditEvent
from lms.core.tabular import csv_bytes
from lms.core.timeutil import to_kst
from lms.extensions import db
from lms.labs.models import (Attendance, Booking, Cohort, CohortInvitation, CohortMember, LabSession, PracticalSignoff,
                             Programme, SmartLab)
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.orgs.models import Company, Institution

# The kinds of the document, in order, with the columns of each (the CSV header).
KINDS: dict[str, tuple[str, ...]] = {
    "account": ("id", "email", "name", "phone", "birth_date", "role", "locale", "institution", "company",
                "created_at", "last_login_at", "active"),
    "consents": ("item", "required", "granted", "text_version", "recorded_at"),
    "enrollments": ("id", "course_code", "course_title", "status", "cohort", "programme", "sponsor_company",
                    "enrolled_at", "completed_at", "withdrawn_at", "last_activity_at"),
    "module_progress": ("enrollment_id", "course_code", "module", "status", "started_at", "completed_at"),
    "quiz_attempts": ("id", "enrollment_id", "module", "started_at", "submitted_at", "correct_count", "score",
                      "passed"),
    "bookings": ("id", "module", "smart_lab", "starts_at", "ends_at", "status", "created_at", "cancelled_at",
                 "promoted_at"),
    "attendance": ("module", "starts_at", "status", "minutes", "method", "recorded_at"),
    "signoffs": ("id", "enrollment_id", "module", "outcome", "assessed_on", "results", "note", "created_at",
                 "supersedes_id"),
    "certificates": ("number", "state", "course_code", "name_printed", "birth_date_printed", "company_printed",
                     "institution", "issued_at", "expires_at", "revoked_at", "supersedes_number"),
    "cohort_memberships": ("cohort", "programme", "institution", "student_number", "sponsor_company", "joined_at"),
    "cohort_invitations": ("cohort", "programme", "institution", "created_at", "expires_at", "answered_at", "accepted"),
    "audit_events": ("created_at", "action", "role", "actor", "object_type", "object_id"),
}


def _v(value):
    """A JSON-safe value: instants in Korean time (ISO 8601 with offset), dates as ISO."""
    if isinstance(value, datetime):
        return to_kst(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _rows(kind: str, records) -> list[dict]:
    cols = KINDS[kind]
    return [{c: _v(v) for c, v in zip(cols, r)} for r in records]


def personal_data(user: User) -> dict:
    """``{"kind": [rows]}`` for every kind of :data:`KINDS`, the person's own rows only."""
    uid = user.id
    out: dict[str, list[dict]] = {}
    acct = db.session.execute(
        select(User.id, User.email, User.name, User.phone, User.birth_date, User.role, User.locale,
               Institution.name_ko, Company.name, User.created_at, User.last_login_at, User.active)
        .outerjoin(Institution, Institution.id == User.institution_id)
        .outerjoin(Company, Company.id == User.company_id).where(User.id == uid)).all()
    out["account"] = _rows("account", acct)
    out["consents"] = _rows("consents", db.session.execute(
        select(ConsentRecord.item, ConsentRecord.required, ConsentRecord.granted, ConsentRecord.text_version,
               ConsentRecord.recorded_at).where(ConsentRecord.user_id == uid)
        .order_by(ConsentRecord.recorded_at, ConsentRecord.id)).all())
    sponsor = aliased(Company)
    out["enrollments"] = _rows("enrollments", db.session.execute(
        select(Enrollment.id, Course.code, Course.title_ko, Enrollment.status, Cohort.label, Programme.name_ko,
               sponsor.name, Enrollment.enrolled_at, Enrollment.completed_at, Enrollment.withdrawn_at,
               Enrollment.last_activity_at)
        .join(Course, Course.id == Enrollment.course_id)
        .outerjoin(Cohort, Cohort.id == Enrollment.cohort_id)
        .outerjoin(Programme, Programme.id == Enrollment.programme_id)
        .outerjoin(sponsor, sponsor.id == Enrollment.sponsor_company_id)
        .where(Enrollment.user_id == uid).order_by(Enrollment.enrolled_at, Enrollment.id)).all())
    out["module_progress"] = _rows("module_progress", db.session.execute(
        select(ModuleProgress.enrollment_id, Course.code, Module.title_ko, ModuleProgress.status,
               ModuleProgress.started_at, ModuleProgress.completed_at)
        .join(Enrollment, Enrollment.id == ModuleProgress.enrollment_id)
        .join(Module, Module.id == ModuleProgress.module_id).join(Course, Course.id == Module.course_id)
        .where(Enrollment.user_id == uid).order_by(ModuleProgress.enrollment_id, Module.position, Module.id)).all())
    out["quiz_attempts"] = _rows("quiz_attempts", db.session.execute(
        select(QuizAttempt.id, QuizAttempt.enrollment_id, Module.title_ko, QuizAttempt.started_at,
               QuizAttempt.submitted_at, QuizAttempt.correct_count, QuizAttempt.score, QuizAttempt.passed)
        .join(Enrollment, Enrollment.id == QuizAttempt.enrollment_id)
        .join(Module, Module.id == QuizAttempt.module_id)
        .where(Enrollment.user_id == uid).order_by(QuizAttempt.started_at, QuizAttempt.id)).all())
    out["bookings"] = _rows("bookings", db.session.execute(
        select(Booking.id, Module.title_ko, SmartLab.name_ko, LabSession.starts_at, LabSession.ends_at,
               Booking.status, Booking.created_at, Booking.cancelled_at, Booking.promoted_at)
        .join(LabSession, LabSession.id == Booking.session_id).join(Module, Module.id == LabSession.module_id)
        .join(SmartLab, SmartLab.id == LabSession.lab_id)
        .where(Booking.user_id == uid).order_by(LabSession.starts_at, Booking.id)).all())
    out["attendance"] = _rows("attendance", db.session.execute(
        select(Module.title_ko, LabSession.starts_at, Attendance.status, Attendance.minutes, Attendance.method,
               Attendance.recorded_at)
        .join(LabSession, LabSession.id == Attendance.session_id).join(Module, Module.id == LabSession.module_id)
        .where(Attendance.user_id == uid).order_by(LabSession.starts_at, Attendance.id)).all())
    out["signoffs"] = _rows("signoffs", db.session.execute(
        select(PracticalSignoff.id, PracticalSignoff.enrollment_id, Module.title_ko, PracticalSignoff.outcome,
               PracticalSignoff.assessed_on, PracticalSignoff.results, PracticalSignoff.note,
               PracticalSignoff.created_at, PracticalSignoff.supersedes_id)
        .join(Enrollment, Enrollment.id == PracticalSignoff.enrollment_id)
        .join(Module, Module.id == PracticalSignoff.module_id)
        .where(Enrollment.user_id == uid).order_by(PracticalSignoff.created_at, PracticalSignoff.id)).all())
    out["certificates"] = _certificates(uid)
    out["cohort_memberships"] = _rows("cohort_memberships", db.session.execute(
        select(Cohort.label, Programme.name_ko, Institution.name_ko, CohortMember.student_number, Company.name,
               CohortMember.joined_at)
        .join(Cohort, Cohort.id == CohortMember.cohort_id).join(Programme, Programme.id == Cohort.programme_id)
        .join(Institution, Institution.id == Programme.institution_id)
        .outerjoin(Company, Company.id == CohortMember.sponsor_company_id)
        .where(CohortMember.user_id == uid).order_by(CohortMember.joined_at, CohortMember.id)).all())
    out["cohort_invitations"] = _rows("cohort_invitations", db.session.execute(
        select(Cohort.label, Programme.name_ko, Institution.name_ko, CohortInvitation.created_at,
               CohortInvitation.expires_at, CohortInvitation.answered_at, CohortInvitation.accepted)
        .join(Cohort, Cohort.id == CohortInvitation.cohort_id).join(Programme, Programme.id == Cohort.programme_id)
        .join(Institution, Institution.id == Programme.institution_id)
        .where(CohortInvitation.user_id == uid).order_by(CohortInvitation.created_at, CohortInvitation.id)).all())
    out["audit_events"] = _audit_events(uid)
    return out


def _certificates(uid: int) -> list[dict]:
    from lms.certificates.state import states_of

    prev = aliased(Certificate)
    rows = db.session.execute(
        select(Certificate, Course.code, Institution.name_ko, prev.number)
        .join(Course, Course.id == Certificate.course_id)
        .outerjoin(Institution, Institution.id == Certificate.institution_id)
        .outerjoin(prev, prev.id == Certificate.supersedes_id)
        .where(Certificate.user_id == uid).order_by(Certificate.issued_at, Certificate.id)).all()
    states = states_of([r[0] for r in rows]) if rows else []
    out = []
    for (cert, code, inst, prev_number), state in zip(rows, states):
        s = cert.snapshot or {}
        out.append((cert.number, state, code, s.get("name"), s.get("birth_date"), s.get("company"), inst,
                    cert.issued_at, cert.expires_at, cert.revoked_at, prev_number))
    return _rows("certificates", out)


def _audit_events(uid: int) -> list[dict]:
    """Events the person did, and events about their account; who else acted is not named."""
    rows = db.session.execute(
        select(AuditEvent.created_at, AuditEvent.action, AuditEvent.actor_id, AuditEvent.object_type,
               AuditEvent.object_id)
        .where(sa.or_(AuditEvent.actor_id == uid,
                      sa.and_(AuditEvent.object_type == "User", AuditEvent.object_id == str(uid))))
        .order_by(AuditEvent.created_at, AuditEvent.id)).all()
    out = []
    for created_at, action, actor_id, object_type, object_id in rows:
        mine = actor_id == uid
        out.append((created_at, action, "actor" if mine else "subject", "self" if mine else "staff",
                    object_type, object_id))
    return _rows("audit_events", out)


def as_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return ""
    return value


def as_zip(data: dict) -> bytes:
    """A ZIP of ``<kind>.csv`` files, one per kind, each UTF-8 with BOM."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for kind, cols in KINDS.items():
            rows = ([_cell(r[c]) for c in cols] for r in data.get(kind, []))
            zf.writestr(f"{kind}.csv", csv_bytes(cols, rows))
    return buf.getvalue()
