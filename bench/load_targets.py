"""Pick what bench/locustfile.py requests from a seeded database, as JSON on stdout.

    LMS_DATABASE_URL=... python bench/load_targets.py [--trainees 600] > targets.json

Trainees with an active enrollment whose course has a lesson, a quiz they have not
attempted, and (when there is one) a practical with sessions open for booking more
than a day ahead (so the booking can be cancelled); course codes for the catalog;
verification codes of issued certificates; the demo instructor's largest cohort and
its busiest session that has started (for attendance). Reads, with one write: the
demo ministry and admin accounts' published TOTP key (lms.demo.common.DEMO_TOTP_SECRET)
is sealed again with this run's LMS_SECRET_KEY, which may differ from the seed's.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=600)
    opts = parser.parse_args()
    from lms import create_app
    from lms.core.db import utcnow
    from lms.demo.common import DEMO_EMAILS, DEMO_PASSWORD, DEMO_TOTP_SECRET
    from lms.extensions import db

    app = create_app({"TESTING": True})
    with app.app_context():
        from lms.accounts.second_factor import seal

        db.session.execute(sa.text("UPDATE users SET totp_secret = :s WHERE email IN (:m, :a)"),
                           {"s": seal(DEMO_TOTP_SECRET), "m": DEMO_EMAILS["ministry"], "a": DEMO_EMAILS["admin"]})
        db.session.commit()
        q = lambda sql, **kw: db.session.execute(sa.text(sql), kw).all()  # noqa: E731
        now = utcnow()
        bookable = {row[0]: row[1] for row in q(
            """SELECT s.module_id, min(s.id) FROM lab_sessions s
               WHERE s.starts_at > :t AND s.cancelled_at IS NULL AND s.booked_count < s.capacity
               GROUP BY s.module_id""", t=now + timedelta(days=2))}
        modules: dict[int, dict] = {}
        for course_id, kind, slug, mid in q(
                "SELECT course_id, kind, slug, id FROM modules WHERE retired_at IS NULL ORDER BY course_id, position"):
            m = modules.setdefault(course_id, {})
            m.setdefault(kind, (slug, mid))
            if kind == "practical" and mid in bookable and "bookable" not in m:
                m["bookable"] = mid
        trainees = []
        rows = q("""SELECT u.email, e.id, e.course_id FROM enrollments e JOIN users u ON u.id = e.user_id
                    WHERE e.status = 'active' AND u.role = 'trainee' AND u.email LIKE '%@example.kr'
                      AND NOT EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.enrollment_id = e.id)
                    ORDER BY e.id LIMIT :n""", n=opts.trainees * 4)
        seen = set()
        for email, enrollment_id, course_id in rows:
            m = modules.get(course_id, {})
            if email in seen or "lesson" not in m or "quiz" not in m:
                continue
            seen.add(email)
            trainees.append({"email": email, "enrollment": enrollment_id, "lesson": m["lesson"][0],
                             "quiz": m["quiz"][0], "practical": m.get("bookable")})
            if len(trainees) >= opts.trainees:
                break
        courses = [r[0] for r in q("SELECT code FROM courses ORDER BY code")]
        codes = [r[0] for r in q("""SELECT verification_code FROM certificates WHERE revoked_at IS NULL
                                    ORDER BY id LIMIT 200""")]
        instructor_id = q("SELECT id FROM users WHERE email = :e", e=DEMO_EMAILS["instructor"])[0][0]
        cohort = q("""SELECT m.cohort_id, count(*) FROM cohort_members m
                      JOIN cohort_instructors ci ON ci.cohort_id = m.cohort_id AND ci.user_id = :i
                      GROUP BY m.cohort_id ORDER BY count(*) DESC LIMIT 1""", i=instructor_id)[0]
        session = q("""SELECT s.id, count(b.id) FROM lab_sessions s JOIN bookings b ON b.session_id = s.id
                       WHERE s.instructor_id = :i AND s.starts_at <= :t AND s.cancelled_at IS NULL
                         AND b.status = 'booked'
                       GROUP BY s.id ORDER BY count(b.id) DESC, s.id DESC LIMIT 1""", i=instructor_id, t=now)
        out = {
            "password": DEMO_PASSWORD, "totp_secret": DEMO_TOTP_SECRET,
            "instructor": DEMO_EMAILS["instructor"], "ministry": DEMO_EMAILS["ministry"],
            "trainees": trainees, "courses": courses, "verification_codes": codes,
            "cohort": {"id": cohort[0], "members": cohort[1]},
            "session": {"id": session[0][0], "booked": session[0][1]} if session else None,
        }
    json.dump(out, sys.stdout, ensure_ascii=False)
    print(f"targets: {len(trainees)} trainees ({sum(1 for t in trainees if t['practical'])} with a bookable "
          f"practical), {len(courses)} courses, {len(codes)} certificates, cohort {cohort[0]} of {cohort[1]:,}, "
          f"session {out['session']}", file=sys.stderr)


if __name__ == "__main__":
    main()
