"""A small, hand-countable world for the analytics tests.

15 trainees: 12 at a Seoul welding firm (small) in a contract-department cohort
"2026-1기" of course X, enrolled 2026-01-10; 3 at a Busan casting firm (medium)
self-enrolled online in course X on 2026-03-05. The first 7 Seoul trainees also take course Y (practical) through
the smart-lab programme from 2026-02-25.
- 8 Seoul trainees completed and were certified 2026-02-20 (41 days after enrolling):
  one certificate later revoked (2026-04-01), one expired 2026-05-01.
- 2 more Seoul trainees passed all theory modules but are not complete.
- 2 Busan trainees completed and were certified 2026-03-20 (15 days).
- A smart lab with one ended session of capacity 10: 7 booked; 4 present, 1 late,
  1 absent, 1 excused; 6 practical sign-offs, 5 passed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from lms.analytics import cache
from lms.extensions import db
from tests.factories import make_company, make_course, make_enrollment, make_institution, make_user


def utc(y, m, d, h=3):
    return datetime(y, m, d, h, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _fast_passwords(monkeypatch):
    """The world has 16 accounts; real password hashing would dominate the test time."""
    import lms.accounts.models as accounts_models
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(accounts_models, "generate_password_hash",
                        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1"))


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    cache.bump()
    yield
    cache.clear()


_serial = iter(range(1, 10_000_000))


def make_certificate(enrollment, issued_at, **kw):
    from lms.certificates.models import Certificate

    s = next(_serial)
    c = Certificate(enrollment_id=enrollment.id, user_id=enrollment.user_id, course_id=enrollment.course_id,
                    number=f"2026-{s:06d}", year=2026, serial=s, verification_code=f"code-{s}-{id(enrollment)}",
                    issued_at=issued_at, snapshot={}, **kw)
    db.session.add(c)
    db.session.flush()
    return c


@pytest.fixture
def world(refdata):
    from lms.labs.models import (Attendance, Booking, Cohort, LabRoom, LabSession, PracticalSignoff, Programme,
                                 SmartLab)
    from lms.learning.models import ModuleProgress

    seoul = make_company(region_code="11", size_code="small", root_technology_code="welding")
    busan = make_company(region_code="26", size_code="medium", root_technology_code="casting")
    uni = make_institution(region_code="11", name_ko="한국스마트대학교")
    contract = Programme(institution_id=uni.id, kind="contract", name_ko="스마트공장 계약학과", contract_type="retraining")
    lab_prog = Programme(institution_id=uni.id, kind="smart_lab", name_ko="스마트랩 실습")
    db.session.add_all([contract, lab_prog])
    db.session.flush()
    cohort = Cohort(programme_id=contract.id, intake_year=2026, term=1, label="2026-1기")
    db.session.add(cohort)
    db.session.flush()
    course_x = make_course("AX101", lessons=2, quizzes=1, practicals=0, title_ko="스마트공장 기초")
    course_y = make_course("AY201", lessons=1, quizzes=0, practicals=1, title_ko="PLC 실습")
    theory_modules = [m for m in course_x.modules if m.kind in ("lesson", "quiz")]

    seoul_people = [make_user(name=f"서울훈련생{i}", email=f"seoul{i}@example.kr", company_id=seoul.id,
                              birth_date=date(1990, 1, 1)) for i in range(12)]
    busan_people = [make_user(name=f"부산훈련생{i}", email=f"busan{i}@example.kr", company_id=busan.id) for i in range(3)]
    for u in seoul_people + busan_people:
        u.created_at = utc(2026, 1, 5)
    instructor = make_user(role="instructor", name="김교수")
    cohort.instructors.append(instructor)

    seoul_enr, busan_enr, certs = [], [], []
    for i, u in enumerate(seoul_people):
        e = make_enrollment(u, course_x, cohort_id=cohort.id, programme_id=contract.id, sponsor_company_id=seoul.id,
                            enrolled_at=utc(2026, 1, 10))
        seoul_enr.append(e)
        if i < 8:
            e.status, e.completed_at = "completed", utc(2026, 2, 20)
            kw = {}
            if i == 0:
                kw["revoked_at"] = utc(2026, 4, 1)
            if i == 1:
                kw["expires_at"] = utc(2026, 5, 1)
            certs.append(make_certificate(e, utc(2026, 2, 20), **kw))
        elif i < 10:
            for m in theory_modules:
                db.session.add(ModuleProgress(enrollment_id=e.id, module_id=m.id, status="completed",
                                              started_at=utc(2026, 2, 1), completed_at=utc(2026, 2, 2)))
    for i, u in enumerate(busan_people):
        e = make_enrollment(u, course_x, enrolled_at=utc(2026, 3, 5))
        busan_enr.append(e)
        if i < 2:
            e.status, e.completed_at = "completed", utc(2026, 3, 20)
            certs.append(make_certificate(e, utc(2026, 3, 20)))

    lab = SmartLab(institution_id=uni.id, programme_id=lab_prog.id, name_ko="창원 스마트랩", region_code="48")
    db.session.add(lab)
    db.session.flush()
    room = LabRoom(lab_id=lab.id, name_ko="실습실 1", seats=10)
    db.session.add(room)
    db.session.flush()
    practical = [m for m in course_y.modules if m.kind == "practical"][0]
    session = LabSession(lab_id=lab.id, room_id=room.id, module_id=practical.id, starts_at=utc(2026, 3, 2, 0),
                         ends_at=utc(2026, 3, 2, 4), capacity=10, booked_count=7)
    db.session.add(session)
    db.session.flush()
    statuses = ["present", "present", "present", "present", "late", "absent", "excused"]
    lab_enr = []
    for u, st in zip(seoul_people[:7], statuses):
        ey = make_enrollment(u, course_y, programme_id=lab_prog.id, enrolled_at=utc(2026, 2, 25))
        lab_enr.append(ey)
        db.session.add(Booking(session_id=session.id, user_id=u.id, enrollment_id=ey.id, status="booked"))
        db.session.add(Attendance(session_id=session.id, user_id=u.id, enrollment_id=ey.id, status=st,
                                  minutes=240 if st == "present" else 120 if st == "late" else 0))
    for k, ey in enumerate(lab_enr[:6]):
        db.session.add(PracticalSignoff(enrollment_id=ey.id, module_id=practical.id, session_id=session.id,
                                        assessor_id=instructor.id, outcome="passed" if k < 5 else "failed",
                                        assessed_on=date(2026, 3, 2), results=[]))
    db.session.flush()
    return SimpleNamespace(seoul=seoul, busan=busan, uni=uni, contract=contract, cohort=cohort, course_x=course_x,
                           course_y=course_y, seoul_people=seoul_people, busan_people=busan_people,
                           seoul_enr=seoul_enr, busan_enr=busan_enr, certs=certs, lab=lab, instructor=instructor)


@pytest.fixture
def seeded_world():
    """A 300-trainee demo world dated today (so, like ``--today now``, some of its
    records lie later today), plus the two kinds of records the definitions exclude:
    a trainee whose only enrollment is dated after now and a staff member's enrollment."""
    from lms.core.db import utcnow
    from lms.core.timeutil import today_kst
    from lms.demo.seed import seed_demo
    from tests.factories import make_course, make_enrollment, make_user

    courses = [make_course("DM101", lessons=3, quizzes=1, practicals=1, valid_for_months=12),
               make_course("DM201", lessons=2, quizzes=1, practicals=1, valid_for_months=24),
               make_course("DM231", lessons=3, quizzes=1, practicals=0),
               make_course("DM241", lessons=2, quizzes=2, practicals=0, valid_for_months=6)]
    seed_demo(300, seed=42, today=today_kst())
    later = make_user(name="내일입과", email="tomorrow@example.kr")
    later.created_at = utcnow() - timedelta(days=3)
    make_enrollment(later, courses[2], enrolled_at=utcnow() + timedelta(hours=6))
    staff = make_user(role="instructor", name="둘러보는강사")
    make_enrollment(staff, courses[2], enrolled_at=utcnow() - timedelta(days=2))
    db.session.flush()
    return courses
