"""The demo seed's shop floor (issue 11): on-site classes with the companies' trainees
and their attendance, and workplace sign-offs by meisters placed with the trainee's
company during the placement, counting toward completion with a certificate."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.demo.common import TODAY
from lms.demo.seed import seed_demo
from lms.extensions import db
from lms.meisters.models import OnsiteAttendee, OnsiteClass, Placement
from tests.factories import make_course


@pytest.fixture
def courses():
    made = [make_course("DW111", lessons=2, quizzes=1, practicals=1), make_course("DM231", lessons=2, quizzes=1)]
    practical = [m for m in made[0].modules if m.kind == "practical"][0]
    practical.data = dict(practical.data, workplace_assessment=True)
    db.session.flush()
    return made


def test_demo_classes_and_workplace_signoffs_follow_the_rules(client, courses):
    from lms.accounts.models import User
    from lms.certificates.models import Certificate
    from lms.labs.models import PracticalSignoff
    from lms.learning.models import Enrollment
    from lms.meisters.models import MeisterProfile

    report = seed_demo(1500, seed=5)
    assert report.counts["onsite_classes"] > 0 and report.counts["onsite_class_attendees"] > 0
    for a, c, p, u in db.session.execute(
            select(OnsiteAttendee, OnsiteClass, Placement, User).join(OnsiteClass, OnsiteClass.id == OnsiteAttendee.class_id)
            .join(Placement, Placement.id == OnsiteClass.placement_id).join(User, User.id == OnsiteAttendee.user_id)):
        assert u.company_id == p.company_id and u.role == "trainee"
        assert p.starts_on <= c.starts_at.date() and c.ends_at > c.starts_at
        if a.status is None:
            assert a.minutes == 0
        else:
            assert c.ends_at.date() <= TODAY
            assert {"present": a.minutes == c.minutes, "absent": a.minutes == 0, "excused": a.minutes == 0}.get(
                a.status, 0 <= a.minutes <= c.minutes)

    rows = db.session.execute(
        select(PracticalSignoff, Placement, Enrollment, User, MeisterProfile)
        .join(Placement, Placement.id == PracticalSignoff.placement_id)
        .join(Enrollment, Enrollment.id == PracticalSignoff.enrollment_id).join(User, User.id == Enrollment.user_id)
        .join(MeisterProfile, MeisterProfile.id == Placement.meister_id)
        .where(PracticalSignoff.site == "workplace")).all()
    assert rows, "no workplace sign-off in the demo"
    for so, p, e, u, m in rows:
        assert u.company_id == p.company_id and so.assessor_id == m.user_id and so.session_id is None
        assert p.starts_on <= so.assessed_on <= p.effective_end and so.assessed_on < TODAY
        assert len(so.results) == 5 and (so.outcome == "passed") == all(r["passed"] for r in so.results)
        if so.outcome == "passed":
            assert e.status == "completed"
            assert db.session.execute(select(Certificate.id).where(Certificate.enrollment_id == e.id)).first()
    assert not db.session.execute(select(PracticalSignoff).where(PracticalSignoff.site == "lab",
                                                                 PracticalSignoff.placement_id.is_not(None))).first()
