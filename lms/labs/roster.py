"""Cohort rosters in and out.

Import: an instructor uploads CSV (UTF-8, UTF-8 with BOM, CP949) or XLSX; the
file is parsed into a preview (rows to create / update / skip and every error by
row and column) and stored server-side under a random token; confirming re-reads
the stored file and imports every row or none. Trainees are matched by email, so
the same file uploaded twice changes nothing. New trainees get no password but an
invitation link by mail.

Export: the roster and the attendance sheet as XLSX or CSV (UTF-8 with BOM),
formula-looking cells neutralised by lms.core.tabular.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core.audit import record
from lms.core.outbox import send_mail
from lms.core.tabular import TableReadError, read_table
from lms.errors import ImportRejected, NotFound, ValidationError
from lms.extensions import db
from lms.labs.models import Cohort, CohortMember

MAX_BYTES = 20 * 1024 * 1024
COLUMN_ALIASES = {
    "name": ("이름", "성명", "name"),
    "email": ("이메일", "이메일 주소", "e-mail", "email", "전자우편"),
    "birth_date": ("생년월일", "birth_date", "birthdate"),
    "phone": ("휴대전화", "휴대폰", "전화번호", "연락처", "phone"),
    "sponsor": ("소속회사", "후원기업", "회사", "소속", "company", "sponsor"),
    "student_number": ("학번", "student_number"),
}
COLUMN_LABELS = {"name": "이름", "email": "이메일", "birth_date": "생년월일", "phone": "휴대전화",
                 "sponsor": "소속회사/후원기업", "student_number": "학번"}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
PHONE_RE = re.compile(r"^0\d{1,2}-?\d{3,4}-?\d{4}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class RosterRow:
    row: int
    email: str
    name: str
    birth_date: date | None = None
    phone: str | None = None
    sponsor: str | None = None
    student_number: str | None = None
    action: str = "create"  # create | update | skip
    changes: list[str] = field(default_factory=list)


@dataclass
class RosterPreview:
    filename: str
    rows: list[RosterRow]
    errors: list[tuple]  # (row | None, column | None, message)
    encoding: str = ""
    token: str | None = None

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def ok(self) -> bool:
        return not self.errors


def _parse_date(value: str) -> date:
    """Accept the ways Korean offices write a date: 1990-03-15, 1990.03.15, 1990. 3. 15., 19900315."""
    value = value.strip().rstrip(".").strip()
    for fmt in ("%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y%m%d", "%Y. %m. %d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def _map_columns(header: list[str]) -> dict[str, str]:
    """{field: header text} for the columns found (case- and space-insensitive)."""
    norm = {re.sub(r"\s+", "", h).lower(): h for h in header if h}
    out = {}
    for fieldname, names in COLUMN_ALIASES.items():
        for n in names:
            key = re.sub(r"\s+", "", n).lower()
            if key in norm:
                out[fieldname] = norm[key]
                break
    return out


def parse_roster(cohort: Cohort, data: bytes, filename: str) -> RosterPreview:
    """Parse an upload into a preview against the cohort's current roster. Writes nothing."""
    from lms.accounts.models import User
    from lms.orgs.models import Company

    preview = RosterPreview(filename=filename, rows=[], errors=[])
    if len(data) > MAX_BYTES:
        preview.errors.append((None, None, _("파일이 20MB를 넘습니다. 나누어 올려 주세요.")))
        return preview
    if not data:
        preview.errors.append((None, None, _("파일이 비어 있습니다.")))
        return preview
    try:
        table = read_table(data, filename)
    except TableReadError as exc:
        preview.errors.append((None, None, exc.message))
        return preview
    preview.encoding = table.encoding
    cols = _map_columns(table.header)
    missing = [COLUMN_LABELS[f] for f in ("name", "email") if f not in cols]
    if missing:
        preview.errors.append((1, ", ".join(missing), _("필수 열이 없습니다: %(cols)s. 첫 줄에 '이름', '이메일' 열 제목이 있어야 합니다.",
                                                      cols=", ".join(missing))))
        return preview
    if not table.rows:
        preview.errors.append((None, None, _("가져올 행이 없습니다.")))
        return preview

    seen: dict[str, int] = {}
    parsed: list[RosterRow] = []
    for raw in table.rows:
        rowno = raw["__row__"]
        get = lambda f: (raw.get(cols[f]) or "").strip() if f in cols else ""  # noqa: E731
        name, email = get("name"), get("email").lower()
        row_errors = []
        if not name:
            row_errors.append((rowno, COLUMN_LABELS["name"], _("이름이 비어 있습니다.")))
        elif len(name) > 64:
            row_errors.append((rowno, COLUMN_LABELS["name"], _("이름이 너무 깁니다(64자 이내).")))
        if not email:
            row_errors.append((rowno, COLUMN_LABELS["email"], _("이메일이 비어 있습니다.")))
        elif not EMAIL_RE.match(email) or len(email) > 255:
            row_errors.append((rowno, COLUMN_LABELS["email"], _("이메일 형식이 올바르지 않습니다: %(v)s", v=email)))
        elif email in seen:
            row_errors.append((rowno, COLUMN_LABELS["email"],
                               _("파일 안에서 이메일이 중복됩니다(%(row)d행과 같음): %(v)s", row=seen[email], v=email)))
        else:
            seen[email] = rowno
        birth = None
        if get("birth_date"):
            try:
                birth = _parse_date(get("birth_date"))
                if not date(1900, 1, 1) <= birth <= date.today():
                    raise ValueError
            except ValueError:
                row_errors.append((rowno, COLUMN_LABELS["birth_date"],
                                   _("날짜 형식이 올바르지 않습니다(예: 1990-03-15): %(v)s", v=get("birth_date"))))
        phone = get("phone") or None
        if phone and not PHONE_RE.match(phone.replace(" ", "")):
            row_errors.append((rowno, COLUMN_LABELS["phone"], _("휴대전화 번호 형식이 올바르지 않습니다: %(v)s", v=phone)))
        student_number = get("student_number") or None
        if student_number and len(student_number) > 32:
            row_errors.append((rowno, COLUMN_LABELS["student_number"], _("학번이 너무 깁니다(32자 이내).")))
        sponsor = get("sponsor") or None
        if sponsor and len(sponsor) > 128:
            row_errors.append((rowno, COLUMN_LABELS["sponsor"], _("회사 이름이 너무 깁니다(128자 이내).")))
        if row_errors:
            preview.errors.extend(row_errors)
            continue
        parsed.append(RosterRow(rowno, email, name, birth, phone.replace(" ", "") if phone else None, sponsor,
                                student_number))

    # Decide create / update / skip against the database.
    emails = [r.email for r in parsed]
    users = {}
    for chunk in range(0, len(emails), 500):
        for u in db.session.execute(select(User).where(func.lower(User.email).in_(emails[chunk:chunk + 500]))).scalars():
            users[u.email.lower()] = u
    members = {m.user_id: m for m in db.session.execute(
        select(CohortMember).where(CohortMember.cohort_id == cohort.id)).scalars()}
    companies = {}
    for r in parsed:
        user = users.get(r.email)
        if r.sponsor and r.sponsor not in companies:
            companies[r.sponsor] = db.session.execute(select(Company).where(Company.name == r.sponsor)).scalars().first()
        if r.sponsor and companies[r.sponsor] is None:
            r.changes.append(_("새 기업 등록: %(v)s", v=r.sponsor))
        if user is None:
            r.action = "create"
            r.changes.insert(0, _("새 계정(초대 메일 발송)"))
            continue
        if user.role != "trainee":
            preview.errors.append((r.row, COLUMN_LABELS["email"],
                                   _("훈련생이 아닌 계정(%(role)s)은 명단으로 가져올 수 없습니다: %(v)s",
                                     role=user.role, v=r.email)))
            continue
        m = members.get(user.id)
        if m is None:
            r.changes.append(_("기수에 추가"))
        else:
            sponsor_co = companies.get(r.sponsor) if r.sponsor else None
            if r.sponsor and (sponsor_co is None or m.sponsor_company_id != sponsor_co.id):
                r.changes.append(_("후원기업 변경"))
            if r.student_number and m.student_number != r.student_number:
                r.changes.append(_("학번 변경"))
        if r.birth_date and user.birth_date is None:
            r.changes.append(_("생년월일 입력"))
        if r.phone and not user.phone:
            r.changes.append(_("휴대전화 입력"))
        if m is not None and _missing_enrollments(cohort, user):
            r.changes.append(_("수강 등록"))
        r.action = "update" if r.changes else "skip"
    preview.rows = parsed
    preview.errors.sort(key=lambda e: (e[0] or 0))
    return preview


def _missing_enrollments(cohort: Cohort, user) -> list:
    from lms.labs.services import active_enrollment

    return [c for c in cohort.courses if active_enrollment(user, c.id) is None]


# --------------------------------------------------------------------------- server-side store

def _store_dir() -> Path:
    d = Path(current_app.instance_path) / "roster_uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def store_upload(cohort: Cohort, actor, data: bytes, filename: str) -> str:
    """Keep the uploaded bytes until the instructor confirms; returns the token."""
    token = secrets.token_urlsafe(24)
    d = _store_dir()
    _purge_old(d)
    (d / f"{token}.bin").write_bytes(data)
    (d / f"{token}.json").write_text(json.dumps({"cohort_id": cohort.id, "user_id": actor.id, "filename": filename,
                                                 "stored_at": datetime.now().isoformat()}), encoding="utf-8")
    return token


def _purge_old(d: Path, max_age_seconds: int = 24 * 3600) -> None:
    """Forget uploads nobody confirmed within a day (they hold personal data)."""
    import time

    cutoff = time.time() - max_age_seconds
    for f in d.iterdir():
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


def load_upload(cohort: Cohort, actor, token: str) -> tuple[bytes, str]:
    """The stored upload for this cohort and uploader, or NotFound."""
    if not token or not TOKEN_RE.match(token):
        raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    d = _store_dir()
    try:
        meta = json.loads((d / f"{token}.json").read_text(encoding="utf-8"))
        data = (d / f"{token}.bin").read_bytes()
    except (OSError, ValueError):
        raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    if meta.get("cohort_id") != cohort.id or meta.get("user_id") != actor.id:
        raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    return data, meta.get("filename") or "roster.csv"


def discard_upload(token: str) -> None:
    if not token or not TOKEN_RE.match(token):
        return
    for ext in ("bin", "json"):
        try:
            os.remove(_store_dir() / f"{token}.{ext}")
        except OSError:
            pass


# --------------------------------------------------------------------------- import

def _create_trainee(row: RosterRow, company):
    try:
        from lms.accounts.services import create_user  # type: ignore
    except ImportError:
        create_user = None
    if create_user is not None:
        return create_user(row.email, row.name, role="trainee", password=None, company=company,
                           birth_date=row.birth_date, phone=row.phone)
    from lms.accounts.models import User

    user = User(email=row.email, name=row.name, role="trainee", password_hash=None, birth_date=row.birth_date,
                phone=row.phone, company_id=company.id if company else None)
    db.session.add(user)
    db.session.flush()
    return user


def _invite(user, cohort: Cohort) -> None:
    try:
        from lms.accounts.services import make_invitation_link  # type: ignore
    except ImportError:
        make_invitation_link = None
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    link = make_invitation_link(user) if make_invitation_link else f"{base}/login"
    send_mail(user.email, _("[스마트공장 아카데미] %(cohort)s 훈련생으로 초대합니다", cohort=cohort.label),
              _("%(name)s님, %(programme)s %(cohort)s 명단에 등록되었습니다.\n"
                "아래 링크에서 비밀번호를 정하고 학습을 시작해 주세요.\n\n%(link)s",
                name=user.name, programme=cohort.programme.name_ko, cohort=cohort.label, link=link),
              kind="accounts.invitation")


def apply_roster(cohort: Cohort, actor, data: bytes, filename: str) -> RosterPreview:
    """Import every row or none. Re-parses the bytes (the database may have changed
    since the preview) and raises ImportRejected if anything is wrong."""
    from lms.accounts.models import User
    from lms.labs.services import enroll_via_cohort
    from lms.orgs.models import Company

    preview = parse_roster(cohort, data, filename)
    if preview.errors:
        raise ImportRejected(_("명단에 오류가 있어 아무것도 가져오지 않았습니다."), errors=preview.errors)
    companies: dict[str, Company] = {}

    def company_for(name):
        if not name:
            return None
        if name not in companies:
            c = db.session.execute(select(Company).where(Company.name == name)).scalars().first()
            if c is None:
                c = Company(name=name)
                db.session.add(c)
                db.session.flush()
            companies[name] = c
        return companies[name]

    created = updated = 0
    for r in preview.rows:
        if r.action == "skip":
            continue
        company = company_for(r.sponsor)
        if r.action == "create":
            user = _create_trainee(r, company)
            created += 1
        else:
            user = db.session.execute(select(User).where(func.lower(User.email) == r.email)).scalar_one()
            if r.birth_date and user.birth_date is None:
                user.birth_date = r.birth_date
            if r.phone and not user.phone:
                user.phone = r.phone
            updated += 1
        m = db.session.execute(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == user.id)).scalars().first()
        if m is None:
            m = CohortMember(cohort_id=cohort.id, user_id=user.id)
            db.session.add(m)
        if company is not None:
            m.sponsor_company_id = company.id
        if r.student_number:
            m.student_number = r.student_number
        db.session.flush()
        for course in cohort.courses:
            enroll_via_cohort(user, course, cohort, sponsor=company)
        if r.action == "create":
            _invite(user, cohort)
    record(actor, "roster.import", cohort, filename=filename, created=created, updated=updated,
           skipped=preview.count("skip"))
    db.session.flush()
    from lms.core.db import analyze

    analyze(db.session, ["users", "cohort_members", "enrollments", "consent_records", "outbox_messages"])
    return preview


def add_member(cohort: Cohort, user, sponsor=None, student_number: str | None = None) -> CohortMember:
    """Put one trainee on a cohort and enroll them in its courses (used by demo data)."""
    from lms.labs.services import enroll_via_cohort

    if user.role != "trainee":
        raise ValidationError(_("훈련생만 기수에 등록할 수 있습니다."))
    m = db.session.execute(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                      CohortMember.user_id == user.id)).scalars().first()
    if m is None:
        m = CohortMember(cohort_id=cohort.id, user_id=user.id)
        db.session.add(m)
    if sponsor is not None:
        m.sponsor_company_id = sponsor.id
    if student_number:
        m.student_number = student_number
    db.session.flush()
    for course in cohort.courses:
        enroll_via_cohort(user, course, cohort, sponsor=sponsor)
    return m


# --------------------------------------------------------------------------- export

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
