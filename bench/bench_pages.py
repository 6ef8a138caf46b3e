"""Time and count the SQL statements of the pages of issue 10's table, in process.

Run against a seeded database (not the test suite's), e.g. on PostgreSQL:

    createdb -h 127.0.0.1 -U postgres lms_bench_q
    export LMS_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/lms_bench_q LMS_SECRET_KEY=x
    flask --app wsgi db upgrade && flask --app wsgi reference load && flask --app wsgi courses sync
    flask --app wsgi demo seed --trainees 100000 --seed 42 --today now
    python bench/bench_pages.py [--repeat 3]

Each page is requested ``--repeat`` times (one at a time, Flask's test client, the
demo accounts logged in); the script prints the median time, the statement count
and the response size. Nothing is written except what the pages themselves write.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated labels to run")
    opts = parser.parse_args()

    from lms import create_app
    from lms.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        pages = _pages(db)
        from lms.accounts.sessions import seed_for_tests

        statements: list[str] = []
        sa.event.listen(db.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, *a: statements.append(statement))
        client = app.test_client()
        print(f"{'page':<44} {'median s':>9} {'min s':>7} {'SQL':>6} {'KB':>7}")
        for label, user, url in pages:
            if opts.only and label not in opts.only.split(","):
                continue
            times, counts, size = [], [], 0
            for _ in range(opts.repeat):
                with client.session_transaction() as sess:
                    sess.clear()
                    if user is not None:
                        seed_for_tests(sess, user)  # a completed login, second factor included
                statements.clear()
                start = time.perf_counter()
                try:
                    resp = client.get(url)
                except Exception as exc:  # a page broken by a schema older than the code: say so, go on
                    print(f"  {label}: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
                    db.session.remove()
                    break
                times.append(time.perf_counter() - start)
                counts.append(len(statements))
                size = len(resp.get_data())
                if resp.status_code >= 400:
                    print(f"  {label}: HTTP {resp.status_code}", file=sys.stderr)
                db.session.remove()
            if not times:
                continue
            print(f"{label:<44} {statistics.median(times):>9.3f} {min(times):>7.3f} "
                  f"{int(statistics.median(counts)):>6} {size / 1024:>7.1f}", flush=True)


def _pages(db) -> list[tuple[str, object, str]]:
    from lms.accounts.models import User
    from lms.labs.models import Booking, CohortMember, LabSession, cohort_instructors
    from lms.learning.models import Enrollment

    def user(email):
        u = db.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        db.session.expunge(u)
        return u

    instructor, admin, trainee = user("instructor@demo.kr"), user("admin@demo.kr"), user("trainee@demo.kr")
    cohort_id = db.session.execute(
        sa.select(CohortMember.cohort_id)
        .join(cohort_instructors, cohort_instructors.c.cohort_id == CohortMember.cohort_id)
        .where(cohort_instructors.c.user_id == instructor.id)
        .group_by(CohortMember.cohort_id).order_by(sa.func.count().desc()).limit(1)).scalar()
    members = db.session.execute(sa.select(sa.func.count()).where(CohortMember.cohort_id == cohort_id)).scalar()
    session_id = db.session.execute(
        sa.select(Booking.session_id).join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.status == "booked", LabSession.instructor_id == instructor.id)
        .group_by(Booking.session_id).order_by(sa.func.count().desc()).limit(1)).scalar()
    enrollment = db.session.execute(
        sa.select(Enrollment).where(Enrollment.user_id == trainee.id, Enrollment.status == "active")
        .order_by(Enrollment.id).limit(1)).scalar()
    pages = [
        (f"/instructor (cohort of {members:,})", instructor, "/instructor"),
        (f"/labs/cohorts/{cohort_id}", instructor, f"/labs/cohorts/{cohort_id}"),
        (f"/certificates/cohorts/{cohort_id}", instructor, f"/certificates/cohorts/{cohort_id}"),
        ("/labs/cohorts (admin)", admin, "/labs/cohorts"),
        ("/certificates/manage (admin)", admin, "/certificates/manage"),
        ("/admin/", admin, "/admin/"),
        ("/admin/audit", admin, "/admin/audit"),
        ("/admin/users", admin, "/admin/users"),
        ("/admin/outbox", admin, "/admin/outbox"),
        (f"/labs/sessions/{session_id}", instructor, f"/labs/sessions/{session_id}"),
        ("/dashboard (trainee)", trainee, "/dashboard"),
    ]
    if enrollment is not None:
        modules = sorted(enrollment.course.modules, key=lambda m: m.position)
        lesson = next((m for m in modules if m.kind == "lesson"), None)
        quiz = next((m for m in modules if m.kind == "quiz"), None)
        if lesson:
            pages.append(("lesson (trainee)", trainee, f"/learn/{enrollment.id}/{lesson.slug}"))
        if quiz:
            pages.append(("quiz (trainee)", trainee, f"/learn/{enrollment.id}/{quiz.slug}"))
    db.session.remove()
    return pages


if __name__ == "__main__":
    main()
