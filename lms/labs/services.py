"""Labs services: programmes, cohorts, smart labs, enrollment through a cohort,
the access rules instructors live by, and the attendance summary that feeds
completion.

Focused modules hold the rest: ``booking`` (sessions, bookings, waitlist),
``attendance`` (taking attendance), ``checkin`` (QR self check-in),
``signoff`` (practical sign-off), ``roster`` (roster import/export), ``ics``.
Every function flushes but never commits; the view or CLI commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.catalog.labels import EQUIPMENT_LABELS
from lms.core.db import utcnow
from lms.core.ratio import meets_percent, percent_floor
from lms.errors import ValidationError
from lms.extensions import db
from lms.labs.models import (
    CONTRACT_TYPES,
    EQUIPMENT_KINDS,
    PROGRAMME_KINDS,
    Attendance,
    Booking,
    Cohort,
    CohortMember,
    Equipment,
    LabRoom,
    LabSession,
    Programme,
    SmartLab,
)

PROGRAMME_KIND_LABELS = {
    "contract": _l("계약학과"),
    "smart_lab": _l("스마트랩"),
    "online": _l("온라인"),
}
CONTRACT_TYPE_LABELS = {
    "retraining": _l("재교육형"),
    "hire": _l("채용조건형"),
    "early": _l("조기취업형"),
}
# One set of equipment names for the whole site: the catalogue's.
EQUIPMENT_KIND_LABELS = EQUIPMENT_LABELS


# --------------------------------------------------------------------------- access

def _is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "admin")


def _is_instructor(user) -> bool:
    return bool(user and user.is_authenticated and user.role == "instructor")


def can_see_cohort(cohort: Cohort, user) -> bool:
    """Admins see every cohort; instructors only those they teach."""
    return cohort.can_manage(user)


def can_see_lab(lab: SmartLab, user) -> bool:
    """Admins see every lab; instructors only labs they are assigned to."""
    return lab.can_manage(user)


def can_manage_session(session: LabSession, user) -> bool:
    """The session's own instructor, an instructor of its lab or its cohort, or an admin."""
    if _is_admin(user):
        return True
    if not _is_instructor(user):
        return False
    if session.instructor_id == user.id:
        return True
    if session.lab is not None and session.lab.can_manage(user):
        return True
    return session.cohort is not None and session.cohort.can_manage(user)


def instructor_can_manage_enrollment(user, enrollment) -> bool:
    """True for an admin, an instructor of the enrollment's cohort, or an instructor
    of a lab (or session) whose session this trainee booked for the course."""
    if _is_admin(user):
        return True
    if not _is_instructor(user):
        return False
    if enrollment.cohort is not None and enrollment.cohort.can_manage(user):
        return True
    from lms.catalog.models import Module
    from lms.labs.models import lab_instructors

    stmt = (
        select(sa.func.count(Booking.id))
        .join(LabSession, LabSession.id == Booking.session_id)
        .join(Module, Module.id == LabSession.module_id)
        .outerjoin(lab_instructors, sa.and_(lab_instructors.c.lab_id == LabSession.lab_id,
                                            lab_instructors.c.user_id == user.id))
        .where(Booking.user_id == enrollment.user_id,
               Booking.status == "booked",
               Module.course_id == enrollment.course_id,
               sa.or_(LabSession.instructor_id == user.id, lab_instructors.c.user_id.is_not(None)))
    )
    return db.session.execute(stmt).scalar_one() > 0


def cohorts_query(user):
    """A select of the cohorts the user may see (admins: all; instructors: those they teach), unordered."""
    from lms.labs.models import cohort_instructors

    stmt = select(Cohort)
    if not _is_admin(user):
        stmt = stmt.join(cohort_instructors, cohort_instructors.c.cohort_id == Cohort.id).where(
            cohort_instructors.c.user_id == user.id)
    return stmt


def cohorts_for(user, limit: int | None = None) -> list[Cohort]:
    """Cohorts the user may see, newest intake first, with programme, courses and
    instructors loaded (a fixed number of statements)."""
    from sqlalchemy.orm import joinedload, selectinload

    stmt = (cohorts_query(user).order_by(Cohort.intake_year.desc(), Cohort.term.desc(), Cohort.id.desc())
            .options(joinedload(Cohort.programme), selectinload(Cohort.courses), selectinload(Cohort.instructors)))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.execute(stmt).scalars())


def labs_for(user, options=()) -> list[SmartLab]:
    """Smart labs the user may see (``options``: loader options for what the caller shows)."""
    from lms.labs.models import lab_instructors

    stmt = select(SmartLab).order_by(SmartLab.name_ko).options(*options)
    if not _is_admin(user):
        stmt = stmt.join(lab_instructors, lab_instructors.c.lab_id == SmartLab.id).where(
            lab_instructors.c.user_id == user.id)
    return list(db.session.execute(stmt).unique().scalars())


def sessions_for(user, *, upcoming: bool | None = None, limit: int | None = None) -> list[LabSession]:
    """Sessions the user manages (own, lab's or cohort's); ``upcoming`` filters by end time."""
    from lms.labs.models import cohort_instructors, lab_instructors

    stmt = select(LabSession).where(LabSession.cancelled_at.is_(None))
    if not _is_admin(user):
        lab_ids = select(lab_instructors.c.lab_id).where(lab_instructors.c.user_id == user.id)
        cohort_ids = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.user_id == user.id)
        stmt = stmt.where(sa.or_(LabSession.instructor_id == user.id, LabSession.lab_id.in_(lab_ids),
                                 LabSession.cohort_id.in_(cohort_ids)))
    now = utcnow()
    if upcoming is True:
        stmt = stmt.where(LabSession.ends_at >= now).order_by(LabSession.starts_at)
    elif upcoming is False:
        stmt = stmt.where(LabSession.ends_at < now).order_by(LabSession.starts_at.desc())
    else:
        stmt = stmt.order_by(LabSession.starts_at.desc())
    if limit:
        stmt = stmt.limit(limit)
    from lms.labs.overview import session_load_options

    return list(db.session.execute(stmt.options(*session_load_options())).unique().scalars())


def cohort_sessions(cohort: Cohort, limit: int = 50) -> list[LabSession]:
    """Sessions scheduled for the cohort, or with a member booked through an enrollment
    the cohort's roster shows (a current member's, in one of its courses, run through
    this cohort: ``overview.cohort_enrollment_ids``), newest first; at most ``limit``."""
    from lms.labs.overview import cohort_enrollment_ids

    booked = select(Booking.session_id).where(Booking.enrollment_id.in_(cohort_enrollment_ids([cohort.id])),
                                              Booking.status == "booked")
    from lms.labs.overview import session_load_options

    stmt = (select(LabSession).where(sa.or_(LabSession.cohort_id == cohort.id, LabSession.id.in_(booked)))
            .order_by(LabSession.starts_at.desc()).limit(limit).options(*session_load_options()))
    return list(db.session.execute(stmt).unique().scalars())


def manageable_session_ids(user, sessions) -> set[int]:
    """Ids among ``sessions`` that ``user`` may open (the rule of :func:`can_manage_session`),
    in one statement whatever the number of sessions: a table links only those."""
    from lms.labs.models import cohort_instructors, lab_instructors

    ids = [s.id for s in sessions]
    if not ids or not _is_instructor(user) and not _is_admin(user):
        return set()
    if _is_admin(user):
        return set(ids)
    my_labs = select(lab_instructors.c.lab_id).where(lab_instructors.c.user_id == user.id)
    my_cohorts = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.user_id == user.id)
    return set(db.session.execute(
        select(LabSession.id).where(LabSession.id.in_(ids), sa.or_(
            LabSession.instructor_id == user.id, LabSession.lab_id.in_(my_labs), LabSession.cohort_id.in_(my_cohorts)))
    ).scalars())


# --------------------------------------------------------------------------- programmes

def _companies(ids) -> list:
    from lms.orgs.models import Company

    ids = [int(i) for i in (ids or [])]
    if not ids:
        return []
    return list(db.session.execute(select(Company).where(Company.id.in_(ids))).scalars())


def save_programme(programme: Programme | None, *, institution_id: int, kind: str, name_ko: str,
                   name_en: str = "", contract_type: str | None = None, quota: int | None = None,
                   sponsor_ids=(), is_active: bool = True) -> Programme:
    """Create (``programme`` None) or update a programme. A contract department needs
    a contract type; other kinds carry none."""
    if kind not in PROGRAMME_KINDS:
        raise ValidationError(_("프로그램 유형이 올바르지 않습니다."))
    if kind == "contract":
        if contract_type not in CONTRACT_TYPES:
            raise ValidationError(_("계약학과는 계약 유형(재교육형·채용조건형·조기취업형)을 골라야 합니다."))
    else:
        contract_type = None
    if quota is not None and quota < 0:
        raise ValidationError(_("정원은 0 이상이어야 합니다."))
    if not (name_ko or "").strip():
        raise ValidationError(_("프로그램 이름을 입력해 주세요."))
    if programme is None:
        programme = Programme(institution_id=institution_id, kind=kind, name_ko=name_ko.strip())
        db.session.add(programme)
    programme.institution_id = institution_id
    programme.kind = kind
    programme.name_ko = name_ko.strip()
    programme.name_en = (name_en or "").strip()
    programme.contract_type = contract_type
    programme.quota = quota
    programme.is_active = is_active
    programme.sponsors = _companies(sponsor_ids)
    db.session.flush()
    return programme


def _users(ids, role: str = "instructor") -> list:
    from lms.accounts.models import User

    ids = [int(i) for i in (ids or [])]
    if not ids:
        return []
    return list(db.session.execute(select(User).where(User.id.in_(ids), User.role == role)).scalars())


def save_cohort(cohort: Cohort | None, *, programme_id: int, intake_year: int, term: int, label: str,
                starts_on: date | None = None, ends_on: date | None = None, course_ids=(),
                instructor_ids=()) -> Cohort:
    """Create or update a cohort (기수) of a programme, with its courses and instructors."""
    from lms.catalog.models import Course

    if not (label or "").strip():
        raise ValidationError(_("기수 이름(예: 2026-1기)을 입력해 주세요."))
    if term not in (1, 2, 3, 4):
        raise ValidationError(_("학기는 1에서 4 사이여야 합니다."))
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError(_("종료일이 시작일보다 빠릅니다."))
    if db.session.get(Programme, programme_id) is None:
        raise ValidationError(_("프로그램을 찾을 수 없습니다."))
    if cohort is None:
        cohort = Cohort(programme_id=programme_id, intake_year=intake_year, term=term, label=label.strip())
        db.session.add(cohort)
    cohort.programme_id = programme_id
    cohort.intake_year = intake_year
    cohort.term = term
    cohort.label = label.strip()
    cohort.starts_on = starts_on
    cohort.ends_on = ends_on
    ids = [int(i) for i in course_ids or []]
    cohort.courses = list(db.session.execute(select(Course).where(Course.id.in_(ids))).scalars()) if ids else []
    cohort.instructors = _users(instructor_ids)
    db.session.flush()
    return cohort


def save_lab(lab: SmartLab | None, *, institution_id: int, name_ko: str, name_en: str = "",
             programme_id: int | None = None, region_code: str | None = None, address: str = "",
             instructor_ids=()) -> SmartLab:
    """Create or update a smart lab and its instructors."""
    if not (name_ko or "").strip():
        raise ValidationError(_("스마트랩 이름을 입력해 주세요."))
    if lab is None:
        lab = SmartLab(institution_id=institution_id, name_ko=name_ko.strip())
        db.session.add(lab)
    lab.institution_id = institution_id
    lab.name_ko = name_ko.strip()
    lab.name_en = (name_en or "").strip()
    lab.programme_id = programme_id
    lab.region_code = region_code or None
    lab.address = address or ""
    lab.instructors = _users(instructor_ids)
    db.session.flush()
    return lab


def add_room(lab: SmartLab, name_ko: str, seats: int, name_en: str = "") -> LabRoom:
    """Add a room (실습실) to a lab."""
    if not (name_ko or "").strip():
        raise ValidationError(_("실습실 이름을 입력해 주세요."))
    if seats < 1:
        raise ValidationError(_("좌석 수는 1 이상이어야 합니다."))
    room = LabRoom(lab_id=lab.id, name_ko=name_ko.strip(), name_en=(name_en or "").strip(), seats=seats)
    db.session.add(room)
    db.session.flush()
    return room


def add_equipment(lab: SmartLab, kind: str, name: str, quantity: int = 1, room_id: int | None = None) -> Equipment:
    """Add equipment (PLC bench, cobot, MES/POP station, SMT line, ...) to a lab."""
    if kind not in EQUIPMENT_KINDS:
        raise ValidationError(_("장비 종류가 올바르지 않습니다."))
    if quantity < 1:
        raise ValidationError(_("수량은 1 이상이어야 합니다."))
    if room_id is not None:
        room = db.session.get(LabRoom, room_id)
        if room is None or room.lab_id != lab.id:
            raise ValidationError(_("이 스마트랩의 실습실이 아닙니다."))
    eq = Equipment(lab_id=lab.id, kind=kind, name=(name or "").strip() or str(EQUIPMENT_KIND_LABELS[kind]),
                   quantity=quantity, room_id=room_id)
    db.session.add(eq)
    db.session.flush()
    return eq


# --------------------------------------------------------------------------- enrollment

def enroll_via_cohort(user, course, cohort: Cohort, sponsor=None):
    """Enroll ``user`` in ``course`` through ``cohort`` recording programme and sponsor.

    Uses the learning engine's ``enroll`` when it exists; otherwise creates the
    Enrollment row here (idempotent: an active or completed one is returned)."""
    try:
        from lms.learning.services import enroll  # type: ignore
    except ImportError:
        enroll = None
    if enroll is not None:
        e = enroll(user, course, cohort=cohort, programme=cohort.programme, sponsor=sponsor)
    else:
        from lms.learning.models import Enrollment

        e = db.session.execute(
            select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id,
                                     Enrollment.status.in_(("active", "completed")))
        ).scalars().first()
        if e is None:
            e = Enrollment(user_id=user.id, course_id=course.id, status="active")
            db.session.add(e)
    # An enrollment made online first and then joined to a cohort takes the cohort's
    # attribution, so statistics split by programme and sponsor stay right.
    if e.cohort_id is None:
        e.cohort_id = cohort.id
        e.programme_id = cohort.programme_id
    if sponsor is not None and e.sponsor_company_id is None:
        e.sponsor_company_id = sponsor.id
    db.session.flush()
    return e


def active_enrollment(user, course_id: int):
    """The user's active (or completed) enrollment in the course, or None."""
    from lms.learning.models import Enrollment

    return db.session.execute(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course_id,
                                 Enrollment.status.in_(("active", "completed")))
        .order_by(Enrollment.status.desc(), Enrollment.id.desc())
    ).scalars().first()


def can_see_programme(programme, user) -> bool:
    """Admins see every programme; an instructor those they run a cohort of."""
    if _is_admin(user):
        return True
    return db.session.execute(cohorts_query(user).where(Cohort.programme_id == programme.id).limit(1)).first() is not None


def trainee_can_see_module(module, user) -> bool:
    """A trainee sees a practical's sessions once they study its course (enrolled,
    active or completed) or hold a booking on one of them (their booking list links
    here); another institution's course is not found (ASVS V8.2.2)."""
    from lms.labs.models import Booking

    if active_enrollment(user, module.course_id) is not None:
        return True
    return db.session.execute(select(Booking.id).join(LabSession, LabSession.id == Booking.session_id).where(
        LabSession.module_id == module.id, Booking.user_id == user.id).limit(1)).first() is not None


def trainee_can_see_session(session, user) -> bool:
    """A trainee sees (books, checks in to) a session of a course they study, or one
    they hold a booking on; any other is not found."""
    from lms.labs.models import Booking

    if active_enrollment(user, session.module.course_id) is not None:
        return True
    return db.session.execute(select(Booking.id).where(Booking.session_id == session.id,
                                                       Booking.user_id == user.id).limit(1)).first() is not None


def cohort_enrollments(cohort: Cohort) -> list:
    """(member, enrollments) for every member of the cohort, by name. Only the
    enrollments run through this cohort: what a member does in other cohorts or
    institutions is not shown to this cohort's staff."""
    from lms.accounts.models import User
    from lms.learning.models import Enrollment

    members = list(db.session.execute(
        select(CohortMember).join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort.id).order_by(User.name, User.id)
    ).scalars())
    course_ids = [c.id for c in cohort.courses]
    out = []
    for m in members:
        enrollments = []
        if course_ids:
            enrollments = list(db.session.execute(
                select(Enrollment).where(Enrollment.user_id == m.user_id, Enrollment.course_id.in_(course_ids),
                                         Enrollment.cohort_id == cohort.id,
                                         Enrollment.status != "withdrawn").order_by(Enrollment.course_id)
            ).scalars())
        out.append((m, enrollments))
    return out


def progress_percent(enrollment) -> int:
    """Progress 0-100 from the learning engine when present, else completed modules/all."""
    try:
        from lms.learning.services import progress_percent as lp  # type: ignore
    except ImportError:
        lp = None
    if lp is not None:
        try:
            return int(lp(enrollment))
        except Exception:  # the learning engine is developed in parallel; fall back
            pass
    from lms.learning.models import ModuleProgress

    modules = enrollment.course.active_modules
    if not modules:
        return 0
    done = db.session.execute(
        select(sa.func.count(ModuleProgress.id)).where(ModuleProgress.enrollment_id == enrollment.id,
                                                      ModuleProgress.status == "completed")
    ).scalar_one()
    # Rounded down: 100 only when every module is done (199/200 shows 99, never 100).
    return 100 * min(done, len(modules)) // len(modules)


def refresh_completion(enrollment) -> None:
    """Ask the learning engine to re-evaluate completion (if it exists yet)."""
    if enrollment is None:
        return
    try:
        from lms.learning.services import refresh_completion as rc  # type: ignore
    except ImportError:
        return
    rc(enrollment)


# --------------------------------------------------------------------------- attendance summary

@dataclass
class AttendanceSummary:
    """A trainee's lab attendance in a course, in whole minutes.

    The rule is decided on the exact minutes (:meth:`meets`); ``percent`` and
    the hours are for display only (percent rounded down to one decimal)."""

    scheduled_minutes: int
    attended_minutes: int
    #: sessions not yet ended on which the trainee's attendance is already recorded (a QR
    #: check-in during the session): shown as recorded, counted once the session ends
    recorded_in_progress: int = 0

    @property
    def scheduled_hours(self) -> float:
        return round(self.scheduled_minutes / 60, 2)

    @property
    def attended_hours(self) -> float:
        return round(self.attended_minutes / 60, 2)

    @property
    def percent(self) -> float | None:
        """Attended share in percent, rounded down to 0.1 (None when nothing was scheduled)."""
        return percent_floor(self.attended_minutes, self.scheduled_minutes)

    def meets(self, min_percent: int | str) -> bool:
        """True when attended/scheduled is at least ``min_percent`` % exactly
        (1,919 of 2,400 minutes does not meet 80). False when nothing was scheduled."""
        if self.scheduled_minutes <= 0:
            return False
        return meets_percent(self.attended_minutes, self.scheduled_minutes, min_percent)


def attendance_summary(enrollment) -> AttendanceSummary:
    """Attendance of a trainee in the enrollment's course.

    Scheduled: minutes of ended, not-cancelled sessions of the course that the trainee
    was booked on. Attended: present counts the full session, late / early leave the
    minutes recorded (at most the session's length), absent (or no record) nothing;
    excused sessions are left out of the scheduled minutes altogether. A session still
    running with a recorded attendance is counted in ``recorded_in_progress`` only."""
    from lms.catalog.models import Module

    now = utcnow()
    rows = db.session.execute(
        select(LabSession, Attendance)
        .join(Booking, Booking.session_id == LabSession.id)
        .join(Module, Module.id == LabSession.module_id)
        .outerjoin(Attendance, sa.and_(Attendance.session_id == LabSession.id,
                                       Attendance.user_id == Booking.user_id))
        .where(Booking.user_id == enrollment.user_id, Booking.status == "booked",
               Module.course_id == enrollment.course_id, LabSession.cancelled_at.is_(None),
               sa.or_(LabSession.ends_at <= now, Attendance.id.is_not(None)))
    ).all()
    scheduled = attended = in_progress = 0
    for session, att in rows:
        if session.ends_at > now:  # checked in, session still running: not counted until it ends
            in_progress += 1
            continue
        minutes = int(round((session.ends_at - session.starts_at).total_seconds() / 60))
        if att is not None and att.status == "excused":
            continue
        scheduled += minutes
        if att is None or att.status == "absent":
            continue
        if att.status == "present":
            attended += minutes
        else:
            attended += min(minutes, max(0, int(att.minutes or 0)))
    return AttendanceSummary(scheduled, attended, in_progress)
