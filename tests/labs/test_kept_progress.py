"""``Enrollment.progress_percent`` (lms.labs.kept_progress) always equals the progress
rule (``lms.labs.figures.progress_of``, itself held equal to the learning engine's
per-trainee states elsewhere), whatever progress rows, quiz attempts, sign-offs and
course changes are written; and the migration's backfill statements compute both kept
columns exactly as the application defines them."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.core.db import utcnow
from lms.errors import DomainError
from lms.extensions import db
from tests.labs.conftest import enrolled_trainee

TRAINEES, MODULES = 3, 5  # make_course(lessons=2, quizzes=1, practicals=2)

op = st.one_of(
    st.tuples(st.just("lesson"), st.integers(0, TRAINEES - 1), st.integers(0, 1), st.sampled_from(("completed", "started"))),
    st.tuples(st.just("quiz"), st.integers(0, TRAINEES - 1), st.just(2), st.booleans()),
    st.tuples(st.just("signoff"), st.integers(0, TRAINEES - 1), st.integers(3, 4), st.sampled_from(("passed", "failed"))),
    st.tuples(st.just("retire"), st.just(0), st.integers(0, MODULES - 1), st.booleans()),
    st.tuples(st.just("add"), st.just(0), st.just(0), st.sampled_from(("lesson", "practical"))),
)


def _kept():
    from lms.learning.models import Enrollment

    return dict(db.session.execute(select(Enrollment.id, Enrollment.progress_percent)).all())


def _rule():
    from lms.labs.figures import progress_of
    from lms.learning.models import Enrollment

    ids = db.session.execute(select(Enrollment.id)).scalars().all()
    found = progress_of(ids)
    return {i: found.get(i, 0) for i in ids}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_kept_percent_equals_the_rule_after_any_writes(ops):
    from lms.catalog.models import Module
    from lms.labs.signoff import current_signoff, sign_off
    from lms.learning.models import ModuleProgress, QuizAttempt
    from tests.factories import make_course, make_enrollment, make_user, sample_practical

    nested = db.session.begin_nested()
    try:
        course = make_course(lessons=2, quizzes=1, practicals=2)
        modules = sorted(course.modules, key=lambda m: m.position)
        assessor = make_user("admin")
        trainees = [make_enrollment(make_user("trainee"), course) for _ in range(TRAINEES)]
        assert set(_kept().values()) == {0}
        for kind, t, m, value in ops:
            e = trainees[t]
            if kind == "lesson":
                row = db.session.execute(select(ModuleProgress).where(
                    ModuleProgress.enrollment_id == e.id, ModuleProgress.module_id == modules[m].id)).scalar_one_or_none()
                if row is None:
                    row = ModuleProgress(enrollment_id=e.id, module_id=modules[m].id, status=value)
                    db.session.add(row)
                row.status = value
                row.completed_at = utcnow() if value == "completed" else None
            elif kind == "quiz":
                a = QuizAttempt(enrollment_id=e.id, module_id=modules[m].id)
                db.session.add(a)
                db.session.flush()
                a.submitted_at, a.passed, a.correct_count, a.score = utcnow(), value, 3 if value else 0, 100.0 if value else 0.0
            elif kind == "signoff":
                module = modules[m]
                current = current_signoff(e.id, module.id)
                results = [{"item": it["id"], "passed": value == "passed", "comment": ""}
                           for it in module.data["checklist"]]
                try:
                    sign_off(assessor, e, module, results=results, outcome=value,
                             supersedes_id=current.id if current else None)
                except DomainError:
                    pass  # a retired module
            elif kind == "retire":
                modules[m].retired_at = utcnow() if value else None
            else:  # a module added to the course
                pos = max(x.position for x in modules) + 1
                new = Module(course_id=course.id, slug=f"added-{pos}", kind=value, position=pos, title_ko="추가",
                             title_en="Added", hours=1, data=sample_practical() if value == "practical" else None)
                db.session.add(new)
                modules.append(new)
            db.session.flush()
            assert _kept() == _rule()
        # Rows written without the ORM (the demo seed) are set right by a recount.
        from lms.labs import kept_progress
        from lms.learning.models import Enrollment

        db.session.execute(sa.update(Enrollment.__table__).values(progress_percent=77))
        kept_progress.recount(db.session)
        assert _kept() == _rule()
    finally:
        nested.rollback()


def _migration():
    path = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0016_kept_state.py"
    spec = importlib.util.spec_from_file_location("kept_state_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migrations_backfill_computes_what_the_application_keeps(world):
    """Migration 0016 fills both columns with SQL of its own: on a database with lessons,
    quizzes, corrected sign-offs, absences and a retired module, its statements give
    every row the value the application keeps."""
    from datetime import timedelta

    from lms.labs.attendance import record_attendance
    from lms.labs.models import Booking, LabSession
    from lms.labs.signoff import current_signoff, sign_off
    from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
    from tests.labs.conftest import second_practical

    extra = second_practical(world)
    lesson = next(m for m in world.course.modules if m.kind == "lesson")
    quiz = next(m for m in world.course.modules if m.kind == "quiz")
    people = [enrolled_trainee(world) for _ in range(4)]
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    sessions = []
    for module in (world.practical, extra):
        s = LabSession(lab_id=world.lab.id, room_id=world.room.id, module_id=module.id, starts_at=start,
                       ends_at=start + timedelta(hours=2), capacity=9, booked_count=0, instructor_id=world.instructor.id)
        db.session.add(s)
        sessions.append(s)
    db.session.flush()
    for i, (user, e) in enumerate(people):
        for s in sessions:
            db.session.add(Booking(session_id=s.id, user_id=user.id, enrollment_id=e.id, status="booked"))
        if i % 2 == 0:
            db.session.add(ModuleProgress(enrollment_id=e.id, module_id=lesson.id, status="completed",
                                          completed_at=utcnow()))
        if i != 3:
            db.session.add(QuizAttempt(enrollment_id=e.id, module_id=quiz.id, submitted_at=utcnow(), passed=i != 1,
                                       correct_count=3, score=100.0))
    db.session.flush()
    checklist = [{"item": it["id"], "passed": True, "comment": ""} for it in world.practical.data["checklist"]]
    failing = [{"item": it["id"], "passed": False, "comment": ""} for it in world.practical.data["checklist"]]
    sign_off(world.instructor, people[0][1], world.practical, results=checklist, outcome="passed")
    sign_off(world.instructor, people[1][1], world.practical, results=checklist, outcome="passed")
    sign_off(world.instructor, people[1][1], world.practical, results=failing, outcome="failed",
             supersedes_id=current_signoff(people[1][1].id, world.practical.id).id)
    record_attendance(sessions[1], world.instructor, {people[2][0].id: ("absent", None),
                                                      people[3][0].id: ("excused", None)})
    extra.retired_at = utcnow()
    db.session.flush()
    kept_progress = dict(db.session.execute(select(Enrollment.id, Enrollment.progress_percent)).all())
    kept_awaiting = dict(db.session.execute(select(Booking.id, Booking.awaiting_signoff)).all())
    assert len(set(kept_progress.values())) > 2 and set(kept_awaiting.values()) == {True, False}

    migration = _migration()
    db.session.execute(sa.update(Enrollment.__table__).values(progress_percent=55))
    db.session.execute(sa.update(Booking.__table__).values(awaiting_signoff=sa.false()))
    db.session.execute(sa.text(migration.PROGRESS_BACKFILL))
    db.session.execute(sa.text(migration.AWAITING_BACKFILL))
    assert dict(db.session.execute(select(Enrollment.id, Enrollment.progress_percent)).all()) == kept_progress
    assert dict(db.session.execute(select(Booking.id, Booking.awaiting_signoff)).all()) == kept_awaiting


def test_a_deleted_module_moves_the_percent_of_the_whole_course():
    """A course sync deletes a module nobody has a record of: the course's total moves,
    so every enrollment's kept percent does too (33 % of 3 modules becomes 50 % of 2)."""
    from lms.catalog.models import Module
    from lms.learning.models import ModuleProgress
    from tests.factories import make_course, make_enrollment, make_user

    course = make_course(lessons=2, quizzes=1)
    lessons = sorted((m for m in course.modules if m.kind == "lesson"), key=lambda m: m.position)
    e = make_enrollment(make_user("trainee"), course)
    db.session.add(ModuleProgress(enrollment_id=e.id, module_id=lessons[0].id, status="completed",
                                  completed_at=utcnow()))
    db.session.flush()
    assert _kept()[e.id] == _rule()[e.id] == 33
    quiz = db.session.execute(select(Module).where(Module.course_id == course.id, Module.kind == "quiz")).scalar_one()
    db.session.delete(quiz)
    db.session.flush()
    assert _kept()[e.id] == _rule()[e.id] == 50
