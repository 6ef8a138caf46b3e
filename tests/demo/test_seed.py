"""The demo seed: deterministic, complete (every certificate state, demo accounts
with work to show), consistent with the platform's rules, and safe to re-run."""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from lms.demo.common import DEMO_EMAILS, DEMO_PASSWORD, NoCourses, business_number_is_valid
from lms.demo.seed import seed_demo
from lms.errors import Conflict
from lms.extensions import db
from tests.factories import make_course

N = 30
SNAPSHOT_KEYS = {"name", "birth_date", "company", "course_code", "course_title_ko", "course_title_en", "hours",
                 "period_start", "period_end", "institution_ko", "institution_en", "head_title_ko", "head_title_en",
                 "head_name_ko", "head_name_en", "completed_on", "layout"}


@pytest.fixture
def courses():
    """Four courses like the real catalogue: some with practicals, some that expire."""
    return [
        make_course("DM101", lessons=3, quizzes=1, practicals=1, valid_for_months=12, level="beginner"),
        make_course("DM201", lessons=2, quizzes=1, practicals=1, valid_for_months=24, level="intermediate"),
        make_course("DM231", lessons=3, quizzes=1, practicals=0, level="beginner"),
        make_course("DM241", lessons=2, quizzes=2, practicals=0, valid_for_months=6, level="advanced"),
    ]


@pytest.fixture
def seeded(courses):
    return seed_demo(N, seed=7)


def _digest() -> str:
    """A fingerprint of what a person would see: names, emails, enrollments, certificates."""
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.learning.models import Enrollment, ModuleProgress
    from lms.orgs.models import Company

    h = hashlib.sha256()
    for row in db.session.execute(select(User.email, User.name, User.birth_date, User.last_active_at).order_by(User.id)):
        h.update(repr(tuple(row)).encode())
    for row in db.session.execute(select(Company.name, Company.business_number).order_by(Company.id)):
        h.update(repr(tuple(row)).encode())
    for row in db.session.execute(select(Enrollment.user_id, Enrollment.course_id, Enrollment.status,
                                         Enrollment.enrolled_at, Enrollment.completed_at).order_by(Enrollment.id)):
        h.update(repr(tuple(row)).encode())
    h.update(repr(db.session.execute(select(func.count()).select_from(ModuleProgress)).scalar()).encode())
    for row in db.session.execute(select(Certificate.number, Certificate.verification_code, Certificate.snapshot,
                                         Certificate.revoked_at).order_by(Certificate.number)):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_same_seed_gives_the_same_data(courses):
    first = db.session.begin_nested()
    report1 = seed_demo(N, seed=7)
    digest1 = _digest()
    first.rollback()
    second = db.session.begin_nested()
    report2 = seed_demo(N, seed=7)
    digest2 = _digest()
    second.rollback()
    assert report1.counts == report2.counts
    assert digest1 == digest2
    third = db.session.begin_nested()
    seed_demo(N, seed=8)
    assert _digest() != digest1
    third.rollback()


def test_scale_and_shape(seeded):
    from lms.accounts.models import ConsentRecord, User
    from lms.labs.models import Cohort, Programme
    from lms.orgs.models import Institution

    c = seeded.counts
    assert c["users"] >= N + 4
    assert 2.5 * N <= c["enrollments"] <= 5 * N  # about 4 per trainee
    assert c["module_progress"] > c["enrollments"]
    assert c["certificates"] > 0 and c["quiz_attempts"] > 0 and c["attendance"] > 0 and c["bookings"] > 0
    emails = db.session.execute(select(User.email).where(User.role == "trainee")).scalars().all()
    assert "trainee000001@example.kr" in emails
    names = db.session.execute(select(User.name).where(User.email.like("trainee0%"))).scalars().all()
    assert all(re.fullmatch(r"[가-힣]{2,4}", n) for n in names)
    kinds = set(db.session.execute(select(Programme.kind)).scalars())
    assert kinds == {"contract", "smart_lab", "online"}
    types = set(db.session.execute(select(Programme.contract_type).where(Programme.kind == "contract")).scalars())
    assert types == {"retraining", "hire", "early"}
    labels = set(db.session.execute(select(Cohort.label)).scalars())
    assert {"2019-1기", "2024-2기", "2026-2기"} <= labels
    inst = set(db.session.execute(select(Institution.name_ko)).scalars())
    assert {"동아대학교", "경남창원산학융합원", "한국산업기술대학교"} <= inst
    required = db.session.execute(select(func.count()).select_from(ConsentRecord)
                                  .where(ConsentRecord.required.is_(True), ConsentRecord.granted.is_(False))).scalar()
    assert required == 0
    # Ids were pre-assigned: the app can still add rows afterwards (PostgreSQL sequences moved on).
    from tests.factories import make_company, make_enrollment, make_user

    assert make_user().id > 0 and make_company().id > 0 and make_enrollment().id > 0


def test_demo_accounts_log_in(seeded, app):
    from lms.accounts.models import User

    for role, email in DEMO_EMAILS.items():
        user = db.session.execute(select(User).where(User.email == email)).scalar_one()
        assert user.role == role
        assert user.check_password(DEMO_PASSWORD)
        assert not user.check_password("wrong-password")
    if "accounts.login" in app.view_functions:
        client = app.test_client()
        resp = client.post("/login", data={"email": "trainee@demo.kr", "password": DEMO_PASSWORD})
        assert resp.status_code in (302, 303)


def test_every_certificate_state_exists_and_numbers_are_gap_free(seeded):
    from lms.certificates.models import Certificate, CertificateCounter

    certs = db.session.execute(select(Certificate)).scalars().all()
    now = datetime.now(timezone.utc)
    superseded_ids = {c.supersedes_id for c in certs if c.supersedes_id}
    states = defaultdict(int)
    for c in certs:
        if c.revoked_at:
            states["revoked"] += 1
            assert c.revoked_reason
        elif c.id in superseded_ids:
            states["superseded"] += 1
        elif c.expires_at and c.expires_at < now:
            states["expired"] += 1
        else:
            states["valid"] += 1
        assert re.fullmatch(r"\d{4}-\d{6}", c.number)
        assert c.number == f"{c.year}-{c.serial:06d}"
        assert len(c.verification_code) >= 22  # at least 128 bits, URL-safe
        assert re.fullmatch(r"[A-Za-z0-9_-]+", c.verification_code)
        assert set(c.snapshot) == SNAPSHOT_KEYS
        assert c.pdf_sha256 is None
    assert set(states) == {"valid", "expired", "revoked", "superseded"}, dict(states)
    # A superseding certificate corrects the name of the one it replaces.
    by_id = {c.id: c for c in certs}
    for c in certs:
        if c.supersedes_id:
            old = by_id[c.supersedes_id]
            assert old.enrollment_id == c.enrollment_id and old.snapshot["name"] != c.snapshot["name"]
            assert c.issued_at >= old.issued_at
    assert len({c.number for c in certs}) == len(certs)
    assert len({c.verification_code for c in certs}) == len(certs)
    serials = defaultdict(list)
    for c in certs:
        serials[c.year].append(c.serial)
    counters = {r.year: r.last_serial for r in db.session.execute(select(CertificateCounter)).scalars()}
    for year, got in serials.items():
        assert sorted(got) == list(range(1, len(got) + 1)), year
        assert counters[year] == len(got)


def test_no_business_number_passes_the_checksum(seeded):
    from lms.orgs.models import Company

    assert business_number_is_valid("123-45-67891")  # the rule itself: a valid example
    numbers = db.session.execute(select(Company.business_number)).scalars().all()
    assert numbers
    for number in numbers:
        assert re.fullmatch(r"\d{3}-\d{2}-\d{5}", number)
        assert not business_number_is_valid(number), number
    names = db.session.execute(select(Company.name)).scalars().all()
    assert len(set(names)) == len(names)


def test_demo_instructor_and_trainee_have_something_to_show(seeded):
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.labs.models import Booking, CohortMember, LabSession, cohort_instructors, lab_instructors
    from lms.learning.models import Enrollment

    now = datetime.now(timezone.utc)
    teacher = db.session.execute(select(User).where(User.email == "instructor@demo.kr")).scalar_one()
    cohort_ids = db.session.execute(select(cohort_instructors.c.cohort_id)
                                    .where(cohort_instructors.c.user_id == teacher.id)).scalars().all()
    members = db.session.execute(select(func.count()).select_from(CohortMember)
                                 .where(CohortMember.cohort_id.in_(cohort_ids))).scalar()
    assert members >= 5
    lab_ids = db.session.execute(select(lab_instructors.c.lab_id)
                                 .where(lab_instructors.c.user_id == teacher.id)).scalars().all()
    assert lab_ids
    upcoming = db.session.execute(select(func.count()).select_from(LabSession).where(
        LabSession.lab_id.in_(lab_ids), LabSession.instructor_id == teacher.id, LabSession.starts_at > now)).scalar()
    assert upcoming >= 1

    trainee = db.session.execute(select(User).where(User.email == "trainee@demo.kr")).scalar_one()
    statuses = db.session.execute(select(Enrollment.status).where(Enrollment.user_id == trainee.id)).scalars().all()
    assert statuses.count("active") >= 2 and statuses.count("completed") == 1
    cert = db.session.execute(select(Certificate).where(Certificate.user_id == trainee.id)).scalar_one()
    assert cert.revoked_at is None and (cert.expires_at is None or cert.expires_at > now)
    assert cert.snapshot["name"] == trainee.name
    assert db.session.execute(select(func.count()).select_from(Booking).where(
        Booking.user_id == trainee.id, Booking.status == "booked")).scalar() >= 1


def test_records_follow_the_platform_rules(seeded):
    from lms.catalog.models import Module
    from lms.labs.models import Attendance, Booking, LabSession, PracticalSignoff
    from lms.learning.models import Enrollment, ModuleProgress

    modules = defaultdict(set)
    for course_id, module_id in db.session.execute(select(Module.course_id, Module.id)):
        modules[course_id].add(module_id)
    done = defaultdict(set)
    for eid, mid in db.session.execute(select(ModuleProgress.enrollment_id, ModuleProgress.module_id)
                                       .where(ModuleProgress.status == "completed")):
        done[eid].add(mid)
    completed = db.session.execute(select(Enrollment).where(Enrollment.status == "completed")).scalars().all()
    assert completed
    for e in completed:
        assert done[e.id] == modules[e.course_id]
        assert e.completed_at >= e.enrolled_at
    # The practical counts as passed by the latest sign-off that nothing supersedes.
    signoffs = db.session.execute(select(PracticalSignoff)).scalars().all()
    replaced = {s.supersedes_id for s in signoffs if s.supersedes_id}
    assert replaced, "some sign-offs are corrected by a superseding record"
    latest = {}
    for s in sorted(signoffs, key=lambda s: (s.created_at, s.id)):
        if s.id not in replaced:
            latest[(s.enrollment_id, s.module_id)] = s.outcome
    practicals = {m for (m,) in db.session.execute(select(Module.id).where(Module.kind == "practical"))}
    for e in completed:
        for mid in modules[e.course_id] & practicals:
            assert latest[(e.id, mid)] == "passed"
    # No session is overbooked and booked_count matches the bookings.
    booked = defaultdict(int)
    for sid, in db.session.execute(select(Booking.session_id).where(Booking.status == "booked")):
        booked[sid] += 1
    for s in db.session.execute(select(LabSession)).scalars():
        assert s.booked_count == booked[s.id] <= s.capacity
    # Nobody is booked on two sessions at the same time.
    spans = defaultdict(list)
    for uid, start, end in db.session.execute(select(Booking.user_id, LabSession.starts_at, LabSession.ends_at)
                                              .join(LabSession, LabSession.id == Booking.session_id)
                                              .where(Booking.status == "booked")):
        spans[uid].append((start, end))
    for uid, items in spans.items():
        items.sort()
        for (s1, e1), (s2, e2) in zip(items, items[1:]):
            assert e1 <= s2, uid
    # Completed enrollments met the attendance rule (>= 80% of scheduled hours).
    minutes = defaultdict(lambda: [0, 0])
    for eid, status, got, start, end in db.session.execute(
            select(Attendance.enrollment_id, Attendance.status, Attendance.minutes, LabSession.starts_at,
                   LabSession.ends_at).join(LabSession, LabSession.id == Attendance.session_id)):
        if status != "excused":
            minutes[eid][0] += got
            minutes[eid][1] += (end - start).total_seconds() / 60
    for e in completed:
        if e.id in minutes:
            assert minutes[e.id][0] >= 0.8 * minutes[e.id][1]
    assert "present" in set(db.session.execute(select(Attendance.status)).scalars())
    assert set(db.session.execute(select(Booking.status)).scalars()) == {"booked", "cancelled", "waitlisted"}


def test_second_run_is_refused(seeded, courses):
    with pytest.raises(Conflict):
        seed_demo(5, seed=1)


def test_cli_seeds_then_leaves_a_seeded_database_alone(app, courses):
    from lms.accounts.models import User

    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "seed", "--trainees", "8", "--seed", "3", "--if-empty", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "enrollments" in result.output and "초" in result.output
    users = db.session.execute(select(func.count()).select_from(User)).scalar()
    trainees = db.session.execute(select(func.count()).select_from(User).where(User.role == "trainee")).scalar()
    assert trainees == 8 + 1  # the generated ones and trainee@demo.kr
    result = runner.invoke(args=["demo", "seed", "--trainees", "8", "--seed", "4", "--if-empty"])
    assert result.exit_code == 0
    assert "--if-empty" in result.output
    assert db.session.execute(select(func.count()).select_from(User)).scalar() == users
    result = runner.invoke(args=["demo", "seed", "--trainees", "8", "--seed", "4"])
    assert result.exit_code == 1


def test_cli_without_courses_explains_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--trainees", "3"])
    assert result.exit_code == 1
    assert "flask courses sync" in result.output


def test_service_without_courses_raises():
    with pytest.raises(NoCourses):
        seed_demo(3)


def test_cli_today_moves_the_generated_world(app, courses):
    from lms.learning.models import Enrollment

    result = app.test_cli_runner().invoke(args=["demo", "seed", "--trainees", "6", "--today", "2025-06-30", "--quiet"])
    assert result.exit_code == 0, result.output
    latest = db.session.execute(select(func.max(Enrollment.enrolled_at))).scalar()
    assert latest.date() <= datetime(2025, 6, 30).date()
    bad = app.test_cli_runner().invoke(args=["demo", "seed", "--today", "yesterday"])
    assert bad.exit_code != 0


def test_no_record_is_dated_after_the_seed_day(seeded):
    """Issue 13: demo records were dated in the future. Every timestamp of a thing that
    happened (audit, mail, attendance, sign-off, certificate, progress) is at or before now;
    only scheduled sessions and bookings of them may lie ahead."""
    import sqlalchemy as sa

    from lms.core.db import utcnow

    now = utcnow()
    checks = {"audit_events": "created_at", "outbox_messages": "created_at", "attendance": "recorded_at",
              "practical_signoffs": "created_at", "certificates": "issued_at", "module_progress": "completed_at",
              "enrollments": "enrolled_at", "quiz_attempts": "submitted_at"}
    late = {}
    for table, column in checks.items():
        t = sa.table(table, sa.column(column))
        latest = db.session.execute(sa.select(sa.func.max(t.c[column]))).scalar()
        if latest is not None:
            if isinstance(latest, str):  # SQLite: max() of the stored text
                latest = datetime.fromisoformat(latest)
            if latest.tzinfo is None:
                latest = latest.replace(tzinfo=timezone.utc)
            if latest > now + timedelta(seconds=5):
                late[table] = latest
    assert not late, f"records dated after the seed's today: {late}"


def test_seeding_today_in_the_morning_dates_nothing_ahead(courses):
    """`flask demo seed --today now` at 09:00 KST used to date records up to 18:00."""
    import sqlalchemy as sa

    from lms.core.timeutil import KST, frozen_clock

    morning = datetime(2026, 12, 4, 9, 0, tzinfo=KST)
    with frozen_clock(morning):
        seed_demo(N, seed=7, today=morning.date())
    t = sa.table("audit_events", sa.column("created_at"))
    latest = db.session.execute(sa.select(sa.func.max(t.c.created_at))).scalar()
    if isinstance(latest, str):
        latest = datetime.fromisoformat(latest)
    if latest.tzinfo is None:
        latest = latest.replace(tzinfo=timezone.utc)
    assert latest <= morning
