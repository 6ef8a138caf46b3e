"""A world that can grow: the same cohort, lab, trainee and logs, with more of
everything after each ``grow()``. Used by the query-count test (a page must issue
as many statements with 3 trainees as with 25) and by the pagination tests.

Everything is written with the models directly (flushes only), so the world lives
in the test's rolled-back transaction.
"""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from lms.core.db import utcnow
from lms.core.timeutil import to_kst
from lms.extensions import db
from tests.factories import make_company, make_course, make_institution, make_user  # noqa: F401


def build_world(tag: str = "") -> SimpleNamespace:
    """Staff, one cohort with one course (lessons, a quiz, a practical), a lab, and a
    trainee ("me") who studies in the cohort and holds a certificate of a second course.
    ``tag`` tells apart the unique names of a second world in the same database."""
    from lms.labs.models import Cohort, LabRoom, Programme, SmartLab
    from lms.orgs.seed import load_reference_data

    load_reference_data()
    inst = make_institution()
    sponsors = [make_company(name=f"(주)규모테스트{tag}{i}") for i in range(2)]
    programme = Programme(institution_id=inst.id, kind="contract", name_ko="규모 계약학과", contract_type="hire",
                          quota=500)
    programme.sponsors = sponsors
    db.session.add(programme)
    course = make_course(lessons=4, practicals=1, valid_for_months=24)  # 6 modules: percents with fractions
    course2 = make_course(lessons=1, quizzes=0, practicals=0, valid_for_months=12)
    instructor = make_user("instructor", name="규모교수", institution_id=inst.id)
    admin = make_user("admin", name="규모관리자")
    ministry = make_user("ministry", name="규모담당")
    cohort = Cohort(programme=programme, intake_year=2026, term=1, label="규모-1기")
    cohort.courses = [course, course2]
    cohort.instructors = [instructor]
    db.session.add(cohort)
    lab = SmartLab(institution_id=inst.id, name_ko="규모 스마트랩")
    lab.instructors = [instructor]
    db.session.add(lab)
    db.session.flush()
    room = LabRoom(lab_id=lab.id, name_ko="규모 실습실", seats=100)
    db.session.add(room)
    db.session.flush()
    w = SimpleNamespace(institution=inst, sponsors=sponsors, programme=programme, course=course, course2=course2,
                        instructor=instructor, admin=admin, ministry=ministry, cohort=cohort, lab=lab, room=room,
                        practical=[m for m in course.modules if m.kind == "practical"][0],
                        quiz=[m for m in course.modules if m.kind == "quiz"][0],
                        lessons=[m for m in course.modules if m.kind == "lesson"],
                        trainees=[], sessions=[], n=0, slot=0, tag=tag)
    me = make_user("trainee", name="나훈련", birth_date=date(1995, 3, 2), company_id=sponsors[0].id)
    w.me = me
    w.me_enrollment, w.me_cert_enrollment = _add_trainee(w, me, 0)
    w.me_attempt = w.last_attempt
    w.me_cert = w.last_cert
    # A session under way now: its QR check-in is open.
    from lms.labs.models import LabSession

    start = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    w.current_session = LabSession(lab_id=lab.id, room_id=room.id, module_id=w.practical.id, cohort_id=cohort.id,
                                   instructor_id=instructor.id, starts_at=start, ends_at=start + timedelta(minutes=50),
                                   capacity=10, booked_count=0)
    db.session.add(w.current_session)
    db.session.flush()
    _add_meister_world(w)
    return w


def _add_meister(w, k: int):
    """An approved meister placed with a sponsor company since 30 days ago."""
    from lms.meisters import services as msvc
    from lms.meisters.placements import create_placement

    profile = msvc.recruit(w.admin, email=f"meister{w.tag}{k}-{w.n}@example.kr", name=f"규모마이스터{w.tag}{k}-{w.n}",
                           former_company="현대중공업", years_experience=30, fields=["plc"],
                           root_technology_codes=[], region_codes=["48"], password="password123!")
    msvc.approve(w.admin, profile)
    db.session.flush()
    today = to_kst(utcnow()).date()
    placement = create_placement(w.admin, meister=profile, company=w.sponsors[k % 2], purpose="tech_support",
                                 starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60),
                                 goals=["PLC 점검 체계"], contact_name="담당자", contact_email=f"contact{w.tag}{k}@example.kr")
    db.session.flush()
    return profile, placement


def _add_visits(w, count: int) -> None:
    """``count`` visits (each with a photo) to the first meister's placement."""
    from lms.meisters.models import Visit, VisitPhoto

    today = to_kst(utcnow()).date()
    for k in range(count):
        visit = Visit(placement_id=w.placement.id, visited_on=today - timedelta(days=k % 25), minutes=120,
                      activity="consulting", done="점검", created_by_id=w.meister.user_id)
        db.session.add(visit)
        db.session.flush()
        db.session.add(VisitPhoto(visit_id=visit.id, content=b"\xff\xd8\xff\xd9", width=1, height=1))
        w.visit = visit
    db.session.flush()
    w.photo = db.session.query(VisitPhoto).filter_by(visit_id=w.visit.id).first()


def _add_meister_world(w) -> None:
    from lms.accounts.models import User
    from lms.orgs.models import IndustrialComplex

    w.complex = IndustrialComplex(code=f"SCALE-1{w.tag}", name_ko="규모산단", region_code="48", is_smart=True)
    db.session.add(w.complex)
    profile, w.placement = _add_meister(w, 0)
    w.meister = profile
    w.meister_user = db.session.get(User, profile.user_id)
    _add_visits(w, 1)
    _add_onsite(w)
    _add_api_token(w)
    w.job = _add_jobs(w, 1)[0]


def _add_jobs(w, n: int) -> list:
    """``n`` finished background jobs of the instructor (one with a result file): "my jobs" lists them."""
    from lms.jobs.models import Job

    jobs = [Job(kind="tests.scale", owner_id=w.instructor.id, params={}, status=("succeeded", "failed")[k % 2],
                done=10, total=10, attempts=1, summary="10건", error="" if k % 2 == 0 else "멈춤",
                result_name="result.csv" if k % 2 == 0 else "", result_mime="text/csv",
                result_data=b"a,b\n" if k % 2 == 0 else None, result_size=4 if k % 2 == 0 else 0,
                started_at=utcnow(), finished_at=utcnow(), heartbeat_at=utcnow()) for k in range(n)]
    db.session.add_all(jobs)
    db.session.flush()
    return jobs


def _add_api_token(w) -> None:
    """A personal access token of "me" (its profile page lists it; revoking takes its id)."""
    from datetime import timedelta as _td

    from lms.api.tokens import create_token
    from lms.core.timeutil import today_kst

    w.api_token, _secret = create_token(w.me, "scale", ["read:self"], today_kst() + _td(days=30))


def _add_onsite(w) -> None:
    """The course's practical may be signed off at the workplace; an on-site class of the
    first placement that began an hour ago, with "me" (of the placement's company) enrolled."""
    from lms.meisters.models import OnsiteAttendee, OnsiteClass

    w.practical.data = dict(w.practical.data, workplace_assessment=True)
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    w.onsite_class = OnsiteClass(placement_id=w.placement.id, starts_at=start, ends_at=start + timedelta(hours=2),
                                 topic="현장 안전 교육", course_id=w.course.id, created_by_id=w.meister_user.id)
    db.session.add(w.onsite_class)
    db.session.flush()
    db.session.add(OnsiteAttendee(class_id=w.onsite_class.id, user_id=w.me.id, status="present", minutes=120))
    db.session.flush()


def _grow_onsite(w, count: int) -> None:
    """More classes of the first placement; every trainee of its company enrolled in the
    first one (attendance recorded), and workplace sign-offs of some of them."""
    from sqlalchemy import select

    from lms.labs.models import PracticalSignoff
    from lms.meisters.models import OnsiteAttendee, OnsiteClass

    have = set(db.session.execute(select(OnsiteAttendee.user_id)
                                  .where(OnsiteAttendee.class_id == w.onsite_class.id)).scalars())
    for k, (user, e) in enumerate(w.trainees):
        if user.company_id != w.placement.company_id or user.id in have:
            continue
        db.session.add(OnsiteAttendee(class_id=w.onsite_class.id, user_id=user.id,
                                      status=("present", "late", "absent")[k % 3], minutes=(120, 90, 0)[k % 3]))
        if k % 2 and e.id not in getattr(w, "signed", set()):
            db.session.add(PracticalSignoff(enrollment_id=e.id, module_id=w.practical.id, assessor_id=w.meister_user.id,
                                            outcome="passed", assessed_on=date.today(), results=[], site="workplace",
                                            placement_id=w.placement.id))
            w.signed = getattr(w, "signed", set()) | {e.id}
    for k in range(count):
        start = utcnow().replace(microsecond=0) - timedelta(days=k + 1)
        db.session.add(OnsiteClass(placement_id=w.placement.id, starts_at=start, ends_at=start + timedelta(hours=1),
                                   topic=f"추가 교육 {w.n}-{k}", created_by_id=w.meister_user.id))
    db.session.flush()


def _session(w, *, past: bool):
    from lms.labs.models import LabSession

    w.slot += 1
    base = utcnow().replace(microsecond=0, second=0, minute=0)
    starts = base - timedelta(days=w.slot, hours=2) if past else base + timedelta(days=w.slot, hours=2)
    s = LabSession(lab_id=w.lab.id, room_id=w.room.id, module_id=w.practical.id, cohort_id=w.cohort.id,
                   instructor_id=w.instructor.id, starts_at=starts, ends_at=starts + timedelta(hours=4), capacity=60,
                   booked_count=0)
    db.session.add(s)
    db.session.flush()
    w.sessions.append(s)
    return s


def _add_trainee(w, user, i: int):
    """Put ``user`` on the cohort with an enrollment in each course and every kind of record."""
    from lms.certificates.services import issue_for_enrollment
    from lms.labs.models import CohortMember
    from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt

    db.session.add(CohortMember(cohort_id=w.cohort.id, user_id=user.id, sponsor_company_id=w.sponsors[i % 2].id,
                                student_number=f"S{i:05d}"))
    now = utcnow()
    e = Enrollment(user_id=user.id, course_id=w.course.id, cohort_id=w.cohort.id, programme_id=w.programme.id,
                   sponsor_company_id=w.sponsors[i % 2].id, status="active", enrolled_at=now - timedelta(days=60))
    e2 = Enrollment(user_id=user.id, course_id=w.course2.id, cohort_id=w.cohort.id, programme_id=w.programme.id,
                    sponsor_company_id=w.sponsors[i % 2].id, status="completed", enrolled_at=now - timedelta(days=90),
                    completed_at=now - timedelta(days=30))
    db.session.add_all([e, e2])
    db.session.flush()
    for k, m in enumerate(w.lessons):
        if k <= i % 3:
            db.session.add(ModuleProgress(enrollment_id=e.id, module_id=m.id, status="completed",
                                          started_at=now - timedelta(days=50), completed_at=now - timedelta(days=49)))
    for m in w.course2.modules:
        db.session.add(ModuleProgress(enrollment_id=e2.id, module_id=m.id, status="completed",
                                      started_at=now - timedelta(days=80), completed_at=now - timedelta(days=79)))
    w.last_attempt = QuizAttempt(enrollment_id=e.id, module_id=w.quiz.id, started_at=now - timedelta(days=40),
                                 submitted_at=now - timedelta(days=40), answers={"q1": ["a"]}, score=100.0,
                                 passed=i % 2 == 0)
    db.session.add(w.last_attempt)
    db.session.flush()
    w.last_cert = issue_for_enrollment(e2, actor=w.instructor)
    w.trainees.append((user, e))
    return e, e2


def grow(w, trainees: int, sessions: int, logs: int) -> None:
    """Add ``trainees`` trainees (with progress, quiz attempts, certificates), ``sessions``
    past and as many upcoming sessions booked by every trainee (attendance, sign-offs,
    a waiting list), and ``logs`` audit events and outbox messages."""
    from lms.core.audit import record
    from lms.core.outbox import OutboxMessage
    from lms.labs.models import Attendance, Booking, PracticalSignoff

    _add_jobs(w, logs)
    for _ in range(trainees):
        w.n += 1
        user = make_user("trainee", name=f"규모훈련생{w.n:03d}", birth_date=date(1990, 1, 1 + w.n % 28),
                         company_id=w.sponsors[w.n % 2].id)
        _add_trainee(w, user, w.n)
    new_sessions = [_session(w, past=True) for _ in range(sessions)] + [_session(w, past=False) for _ in range(sessions)]
    people = [(w.me, w.me_enrollment)] + w.trainees[1:]
    booked = getattr(w, "booked", set())
    w.booked = booked
    for s in w.sessions:  # every trainee, old and new, is booked on every session
        for k, (user, e) in enumerate(people):
            if (s.id, user.id) in booked:
                continue
            booked.add((s.id, user.id))
            db.session.add(Booking(session_id=s.id, user_id=user.id, enrollment_id=e.id, status="booked",
                                   created_at=s.starts_at - timedelta(days=7)))
            s.booked_count += 1
            if s.ends_at < utcnow():
                status = ("present", "late", "absent", "excused")[k % 4]
                minutes = {"present": 240, "late": 200, "absent": 0, "excused": 0}[status]
                db.session.add(Attendance(session_id=s.id, user_id=user.id, enrollment_id=e.id, status=status,
                                          minutes=minutes, recorded_by_id=w.instructor.id))
    db.session.flush()
    # A few trainees signed off on the latest past session; the others wait for it.
    past = [s for s in w.sessions if s.ends_at < utcnow()]
    signed = getattr(w, "signed", set())
    w.signed = signed
    if past:
        for user, e in w.trainees[1::3]:
            if e.id in signed:
                continue
            signed.add(e.id)
            db.session.add(PracticalSignoff(enrollment_id=e.id, module_id=w.practical.id, session_id=past[0].id,
                                            assessor_id=w.instructor.id, outcome="passed", assessed_on=date.today(),
                                            results=[]))
    # The waiting list of the first upcoming session.
    future = [s for s in new_sessions if s.ends_at > utcnow()]
    if future:
        for k in range(max(1, trainees // 4)):
            extra = make_user("trainee", name=f"대기자{w.n}-{k}")
            db.session.add(Booking(session_id=future[0].id, user_id=extra.id, status="waitlisted",
                                   created_at=utcnow() - timedelta(minutes=k + 1)))
    # More programmes (with a cohort each), labs (with rooms and equipment), institutions and companies.
    from lms.labs.models import Cohort, Equipment, LabRoom, Programme, SmartLab

    for k in range(max(1, trainees // 4)):
        inst = make_institution()
        programme = Programme(institution_id=inst.id, kind="smart_lab", name_ko=f"추가 프로그램 {w.n}-{k}")
        programme.sponsors = [make_company()]
        db.session.add(programme)
        extra_cohort = Cohort(programme=programme, intake_year=2025, term=2, label=f"추가-{w.n}-{k}기")
        extra_cohort.courses = [w.course]
        extra_cohort.instructors = [w.instructor]
        db.session.add(extra_cohort)
        extra_lab = SmartLab(institution_id=inst.id, name_ko=f"추가 스마트랩 {w.n}-{k}")
        extra_lab.instructors = [w.instructor]
        db.session.add(extra_lab)
        db.session.flush()
        extra_room = LabRoom(lab_id=extra_lab.id, name_ko="추가 실습실", seats=20)
        db.session.add(extra_room)
        db.session.flush()
        db.session.add(Equipment(lab_id=extra_lab.id, room_id=extra_room.id, kind="plc_bench", name="PLC", quantity=2))
        # An upcoming session of the practical in that lab, with an instructor of its own.
        from lms.labs.models import LabSession

        start = utcnow().replace(microsecond=0, second=0, minute=0) + timedelta(days=40 + w.n + k)
        db.session.add(LabSession(lab_id=extra_lab.id, room_id=extra_room.id, module_id=w.practical.id,
                                  instructor_id=make_user("instructor").id, starts_at=start,
                                  ends_at=start + timedelta(hours=3), capacity=20, booked_count=0))
    # More meisters with placements, more visits of the first placement.
    for k in range(max(1, trainees // 4)):
        _add_meister(w, k + 1)
    _add_visits(w, max(1, trainees // 2))
    _grow_onsite(w, max(1, trainees // 2))
    for k in range(logs):
        record(w.admin, "account.role_change", w.me, old="trainee", new="trainee")
        record(w.instructor, "attendance.record", w.sessions[0], changed=k)
        db.session.add(OutboxMessage(recipient=f"out{w.tag}{k}-{w.n}@example.kr", subject="알림", body="본문",
                                     kind="general"))
    db.session.flush()
    w.past_session = next(s for s in w.sessions if s.ends_at < utcnow())
    w.future_session = next(s for s in w.sessions if s.ends_at > utcnow())
    w.me_booking = db.session.query(Booking).filter_by(user_id=w.me.id, session_id=w.future_session.id).one()
