"""Practical sign-off: who may sign, checklist rules, corrections supersede, audit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.audit import AuditEvent
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs import booking as bk
from lms.labs.signoff import current_signoff, history, pending_signoffs, sign_off
from tests.conftest import login
from tests.factories import make_enrollment, make_user
from tests.labs.conftest import enrolled_trainee


def _all(module, passed=True):
    return [{"item": it["id"], "passed": passed, "comment": ""} for it in module.data["checklist"]]


def test_cohort_instructor_signs_and_correction_supersedes(world):
    user, e = enrolled_trainee(world)
    first = sign_off(world.instructor, e, world.practical, results=_all(world.practical, False), outcome="failed")
    assert current_signoff(e.id, world.practical.id) is first
    with pytest.raises(Conflict):  # a stale form (not naming the current one) is refused
        sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    second = sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed",
                      supersedes_id=first.id)
    assert second.supersedes_id == first.id
    assert current_signoff(e.id, world.practical.id) is second
    assert [h.id for h in history(e.id, world.practical.id)] == [second.id, first.id]
    assert first.outcome == "failed"  # never edited in place
    events = db.session.execute(select(AuditEvent).where(AuditEvent.object_type == "PracticalSignoff")).scalars().all()
    assert {ev.action for ev in events} == {"signoff.create", "signoff.correct"}
    assert all(ev.actor_id == world.instructor.id for ev in events)


def test_only_instructors_of_cohort_or_lab_may_sign(world):
    user, e = enrolled_trainee(world)
    with pytest.raises(PermissionDenied):
        sign_off(world.other_instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    # an online trainee (no cohort) who booked a session of the other lab: its instructor may sign
    online = make_user("trainee")
    oe = make_enrollment(online, world.course)
    from lms.labs.booking import create_session
    from datetime import timedelta
    from lms.core.db import utcnow

    start = utcnow() + timedelta(days=4)
    s = create_session(world.other_lab, room_id=world.other_room.id, module=world.practical, starts_at=start,
                       ends_at=start + timedelta(hours=2), capacity=5, instructor=world.other_instructor)
    with pytest.raises(PermissionDenied):
        sign_off(world.other_instructor, oe, world.practical, results=_all(world.practical), outcome="passed")
    bk.book(online, s.id)
    so = sign_off(world.other_instructor, oe, world.practical, results=_all(world.practical), outcome="passed")
    assert so.assessor_id == world.other_instructor.id


def test_checklist_rules(world):
    user, e = enrolled_trainee(world)
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical)[:2], outcome="passed")
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical, False), outcome="passed")
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="maybe")
    lesson = [m for m in world.course.modules if m.kind == "lesson"][0]
    with pytest.raises(ValidationError):
        sign_off(world.instructor, e, lesson, results=[], outcome="passed")


def test_signoff_view_and_access(world, client):
    user, e = enrolled_trainee(world)
    db.session.commit()
    url = f"/labs/signoffs/{e.id}/{world.practical.id}"
    login(client, world.other_instructor)
    assert client.get(url).status_code == 404
    assert client.post(url, data={"outcome": "passed"}).status_code == 404
    login(client, world.instructor)
    r = client.get(url)
    assert r.status_code == 200 and "점검 항목" in r.text
    data = {f"passed_{it['id']}": "1" for it in world.practical.data["checklist"]}
    data.update(outcome="passed", assessed_on="2026-11-20", comment_c1="잘함")
    r = client.post(url, data=data, follow_redirects=True)
    assert "실습 평가를 기록했습니다" in r.text
    cur = current_signoff(e.id, world.practical.id)
    assert cur.outcome == "passed" and cur.results[0]["comment"] == "잘함"
    data.update(outcome="failed", passed_c2="0", supersedes_id=str(cur.id))
    r = client.post(url, data=data, follow_redirects=True)
    assert "정정됨" in r.text and "현재" in r.text
    assert len(history(e.id, world.practical.id)) == 2


def test_pending_signoffs(world):
    from datetime import timedelta

    from lms.core.db import utcnow
    from lms.labs.models import Booking, LabSession

    user, e = enrolled_trainee(world)
    start = utcnow() - timedelta(days=1)
    s = LabSession(lab_id=world.lab.id, room_id=world.room.id, module_id=world.practical.id, starts_at=start,
                   ends_at=start + timedelta(hours=2), capacity=5, booked_count=1, instructor_id=world.instructor.id)
    db.session.add(s)
    db.session.flush()
    db.session.add(Booking(session_id=s.id, user_id=user.id, enrollment_id=e.id, status="booked"))
    db.session.flush()
    assert [(b.user_id, ss.id) for b, ss in pending_signoffs(world.instructor)] == [(user.id, s.id)]
    assert pending_signoffs(world.other_instructor) == []
    sign_off(world.instructor, e, world.practical, results=_all(world.practical), outcome="passed")
    assert pending_signoffs(world.instructor) == []
