"""Cohort rosters in and out.

Import: an instructor uploads CSV (UTF-8, UTF-8 with BOM, CP949) or XLSX; the
file is parsed into a preview (rows to create / update / skip and every error by
row and column) and stored server-side under a random token; confirming re-reads
the stored file and imports every row or none. Trainees are matched by email, so
the same file uploaded twice changes nothing. New trainees get no password but an
invitation link by mail. Existing accounts are added directly only when they are
this institution's own trainees; any other existing account is only invited
(lms.labs.invitations) and joins when its owner accepts. The preview shows
"초대" alike for an address without an account and for one that belongs
elsewhere, so it never tells whether an address has an account or its role.

Export: the roster and the attendance sheet as XLSX or CSV (UTF-8 with BOM),
formula-looking cells neutralised by lms.core.tabular.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.core.audit import record
from lms.core.outbox import send_mail
from lms.core.tabular import ReadLimits, TableReadError, read_table
from lms.core.timeutil import today_kst
from lms.core.validators import RRN_MESSAGE, contains_rrn
from lms.errors import ImportRejected, ValidationError
from lms.extensions import db
from lms.labs.models import Cohort, CohortMember
# Re-exported: the roster views and tests reach the upload store and the exports through this module.
from lms.labs.roster_export import attendance_table, member_ids, roster_table  # noqa: F401
from lms.labs.roster_store import discard_upload, load_upload, store_upload  # noqa: F401

MAX_BYTES = 5 * 1024 * 1024  # default of ROSTER_MAX_BYTES
INVITED = ("create", "invite")  # what the preview shows as "초대"
PREVIEW_ROWS = 100  # rows listed on the preview page (the counts cover all)
PREVIEW_ERRORS = 200  # errors listed on the preview page (the total is always shown)
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


@dataclass
class RosterRow:
    row: int
    email: str
    name: str
    birth_date: date | None = None
    phone: str | None = None
    sponsor: str | None = None
    student_number: str | None = None
    action: str = "create"  # create | invite | update | skip ("create" and "invite" look the same to users)
    changes: list[str] = field(default_factory=list)


@dataclass
class RosterPreview:
    filename: str
    rows: list[RosterRow]
    errors: list[tuple]  # (row | None, column | None, message)
    encoding: str = ""
    token: str | None = None

    def count(self, action: str) -> int:
        """Rows with this action; "invite" counts every row shown as "초대" (new and
        existing-elsewhere accounts alike), "create" only those an import will create."""
        actions = INVITED if action == "invite" else (action,)
        return sum(1 for r in self.rows if r.action in actions)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def sample(self) -> list[RosterRow]:
        """The first PREVIEW_ROWS rows: what the preview page lists."""
        return self.rows[:PREVIEW_ROWS]

    @property
    def shown_errors(self) -> list[tuple]:
        """The first PREVIEW_ERRORS errors: what the preview page lists."""
        return self.errors[:PREVIEW_ERRORS]


def max_bytes() -> int:
    """The largest roster upload accepted, in bytes (setting ROSTER_MAX_BYTES)."""
    return int(current_app.config.get("ROSTER_MAX_BYTES", MAX_BYTES))


def read_limits() -> ReadLimits:
    """The reading limits from the settings ROSTER_MAX_ROWS, ROSTER_MAX_CELL_CHARS and
    ROSTER_MAX_UNCOMPRESSED_BYTES (environment overrides arrive as text, hence int())."""
    cfg, d = current_app.config, ReadLimits()
    return ReadLimits(max_rows=int(cfg.get("ROSTER_MAX_ROWS", d.max_rows)),
                      max_cell_chars=int(cfg.get("ROSTER_MAX_CELL_CHARS", d.max_cell_chars)),
                      max_uncompressed_bytes=int(cfg.get("ROSTER_MAX_UNCOMPRESSED_BYTES", d.max_uncompressed_bytes)))


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
    limit = max_bytes()
    if len(data) > limit:
        preview.errors.append((None, None, _("파일이 %(mb)sMB를 넘습니다. 나누어 올려 주세요.",
                                             mb=f"{limit / (1024 * 1024):g}")))
        return preview
    if not data:
        preview.errors.append((None, None, _("파일이 비어 있습니다.")))
        return preview
    try:
        table = read_table(data, filename, read_limits())
    except TableReadError as exc:
        preview.errors.append((exc.row, exc.column, exc.message))
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

    for h in table.header:
        if contains_rrn(h):
            preview.errors.append((1, None, str(RRN_MESSAGE)))
            return preview
    seen: dict[str, int] = {}
    parsed: list[RosterRow] = []
    for raw in table.rows:
        rowno = raw["__row__"]
        # Every column, known or not: a cell shaped like a resident registration number
        # refuses the row, and no other message of that row echoes the value.
        rrn_cells = [h for h, v in raw.items() if h != "__row__" and contains_rrn(v)]
        if rrn_cells:
            preview.errors.extend((rowno, h, str(RRN_MESSAGE)) for h in rrn_cells)
            continue
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
                if not date(1900, 1, 1) <= birth <= today_kst():
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

    # Decide create / invite / update / skip against the database.
    from lms.labs.invitations import own_trainee_ids

    emails = [r.email for r in parsed]
    users = {}
    for chunk in range(0, len(emails), 500):
        for u in db.session.execute(select(User).where(func.lower(User.email).in_(emails[chunk:chunk + 500]))).scalars():
            users[u.email.lower()] = u
    own = own_trainee_ids(cohort, [u.id for u in users.values()])
    members = {m.user_id: m for m in db.session.execute(
        select(CohortMember).where(CohortMember.cohort_id == cohort.id)).scalars()}
    names = sorted({r.sponsor for r in parsed if r.sponsor})
    companies: dict[str, Company | None] = dict.fromkeys(names)
    for chunk in range(0, len(names), 500):
        for c in db.session.execute(select(Company).where(Company.name.in_(names[chunk:chunk + 500]))).scalars():
            if companies.get(c.name) is None:  # names are not unique: keep the first, as before
                companies[c.name] = c
    lacking = _members_lacking_enrollments(cohort, [u.id for u in users.values() if u.id in own and u.id in members])
    for r in parsed:
        user = users.get(r.email)
        if user is None or user.id not in own:
            # No account, or an account that belongs elsewhere (any role): both read
            # "초대" with the same words, so the preview reveals nothing about it.
            r.action = "create" if user is None else "invite"
            r.changes.append(_("초대 메일 발송"))
            if r.sponsor and companies[r.sponsor] is None:
                r.changes.append(_("새 기업 등록: %(v)s", v=r.sponsor))
            continue
        if r.sponsor and companies[r.sponsor] is None:
            r.changes.append(_("새 기업 등록: %(v)s", v=r.sponsor))
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
        if m is not None and user.id in lacking:
            r.changes.append(_("수강 등록"))
        r.action = "update" if r.changes else "skip"
    preview.rows = parsed
    preview.errors.sort(key=lambda e: (e[0] or 0))
    return preview


def _members_lacking_enrollments(cohort: Cohort, user_ids: list[int]) -> set[int]:
    """Which of ``user_ids`` :func:`_needs_enrollment` in at least one of the cohort's
    courses; one query per 500 users whatever the size of the roster."""
    from lms.learning.models import Enrollment

    course_ids = [c.id for c in cohort.courses]
    if not course_ids or not user_ids:
        return set()
    current: dict[tuple[int, int], object] = {}
    for i in range(0, len(user_ids), 500):
        rows = db.session.execute(
            select(Enrollment).where(Enrollment.user_id.in_(user_ids[i:i + 500]), Enrollment.course_id.in_(course_ids),
                                     Enrollment.status.in_(("active", "completed")))
            .order_by(Enrollment.status.desc(), Enrollment.id.desc())).scalars()
        for e in rows:  # the first per (user, course) is what active_enrollment() would answer
            current.setdefault((e.user_id, e.course_id), e)
    lacking = set()
    for uid in user_ids:
        for cid in course_ids:
            e = current.get((uid, cid))
            if e is None or (e.status == "active" and e.cohort_id is None):
                lacking.add(uid)
                break
    return lacking


def _needs_enrollment(user, course) -> bool:
    """True when joining a cohort should enroll (or attach) ``user`` in ``course``:
    no active/completed enrollment yet, or an active one made online (no cohort).
    A completed enrollment or one run by another cohort keeps its attribution, so a
    cohort's staff never see records made elsewhere (certificates, progress)."""
    from lms.labs.services import active_enrollment

    e = active_enrollment(user, course.id)
    return e is None or (e.status == "active" and e.cohort_id is None)


def join_cohort(cohort: Cohort, user, sponsor=None, student_number: str | None = None) -> CohortMember:
    """Put a trainee on the cohort's roster (idempotent) and enroll them in the cohort's
    courses where :func:`_needs_enrollment` says so. Flushes; raises ValidationError
    for a non-trainee account."""
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
        if _needs_enrollment(user, course):
            enroll_via_cohort(user, course, cohort, sponsor=sponsor)
    return m


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


def apply_roster(cohort: Cohort, actor, data: bytes, filename: str, progress=None) -> RosterPreview:
    """Import every row or none. Re-parses the bytes (the database may have changed
    since the preview) and raises ImportRejected if anything is wrong.

    ``progress(done, total)``, when given, is called as rows are written (all inside the
    caller's one transaction: it must not commit)."""
    from lms.accounts.models import User
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

    from lms.labs.invitations import invite

    created = updated = invited = 0
    total = len(preview.rows)
    for i, r in enumerate(preview.rows, 1):
        if progress is not None and (i % 50 == 0 or i == total):
            progress(i, total)
        if r.action == "skip":
            continue
        company = company_for(r.sponsor)
        if r.action == "invite":  # an account that belongs elsewhere: its owner decides
            user = db.session.execute(select(User).where(func.lower(User.email) == r.email)).scalar_one()
            invite(cohort, user, actor, sponsor=company, student_number=r.student_number)
            invited += 1
            continue
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
        join_cohort(cohort, user, company, r.student_number)
        if r.action == "create":
            _invite(user, cohort)
    record(actor, "roster.import", cohort, filename=filename, created=created, updated=updated, invited=invited,
           skipped=preview.count("skip"))
    db.session.flush()
    from lms.core.db import analyze

    analyze(db.session, ["users", "cohort_members", "enrollments", "consent_records", "outbox_messages"])
    return preview


def add_member(cohort: Cohort, user, sponsor=None, student_number: str | None = None) -> CohortMember:
    """Put one trainee on a cohort and enroll them in its courses (used by demo data)."""
    return join_cohort(cohort, user, sponsor, student_number)
