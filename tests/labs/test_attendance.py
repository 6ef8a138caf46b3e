"""Attendance from the roster, the attendance summary, and QR self check-in."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.core.db import utcnow
from lms.errors import PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs import attendance as att
from lms.labs import booking as bk
from lms.labs import checkin as ci
from lms.labs.models import Attendance, Booking, LabSession
from lms.labs.services import attendance_summary
from tests.conftest import login
from tests.labs.conftest import enrolled_trainee, make_session, second_practical


def _past_session(world, *, hours=4, days_ago=1, room=None):
    """A session that already happened, with bookings made (as they would have been) beforehand."""
    starts = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    s = LabSession(lab_id=world.lab.id, room_id=(room or world.room).id, module_id=world.practical.id,
                   starts_at=starts, ends_at=starts + timedelta(hours=hours), capacity=20, booked_count=0,
                   instructor_id=world.instructor.id, cohort_id=world.cohort.id)
    db.session.add(s)
    db.session.flush()
    return s


def _book_past(s, user, enrollment):
    b = Booking(session_id=s.id, user_id=user.id, enrollment_id=enrollment.id, status="booked")
    db.session.add(b)
    s.booked_count += 1
    db.session.flush()
    return b


def test_all_present_then_exceptions_and_summary(world):
    s1 = _past_session(world, hours=4, days_ago=2)
    s2 = _past_session(world, hours=4, days_ago=1)
    a, ea = enrolled_trainee(world)
    b, eb = enrolled_trainee(world)
    for s in (s1, s2):
        _book_past(s, a, ea)
        _book_past(s, b, eb)
    att.mark_all_present(s1, world.instructor)
    att.record_attendance(s1, world.instructor, {b.id: ("late", 180)})
    att.record_attendance(s2, world.instructor, {a.id: ("present", None), b.id: ("absent", 99)})
    rows = att.attendance_map(s1)
    assert rows[a.id].status == "present" and rows[a.id].minutes == 240
    assert rows[b.id].status == "late" and rows[b.id].minutes == 180
    assert att.attendance_map(s2)[b.id].minutes == 0
    sa_, sb = attendance_summary(ea), attendance_summary(eb)
    assert (sa_.scheduled_hours, sa_.attended_hours, sa_.percent) == (8.0, 8.0, 100.0)
    assert (sb.scheduled_hours, sb.attended_hours, sb.percent) == (8.0, 3.0, 37.5)
    # excused is left out of the scheduled hours
    att.record_attendance(s2, world.instructor, {b.id: ("excused", None)})
    sb = attendance_summary(eb)
    assert (sb.scheduled_hours, sb.percent) == (4.0, 75.0)


def test_summary_none_when_nothing_scheduled_and_future_sessions_do_not_count(world):
    s = make_session(world)
    user, e = enrolled_trainee(world)
    bk.book(user, s.id)
    assert attendance_summary(e).percent is None


def test_attendance_rules(world):
    s = _past_session(world)
    user, e = enrolled_trainee(world)
    stranger, _ = enrolled_trainee(world)
    _book_past(s, user, e)
    with pytest.raises(ValidationError):
        att.record_attendance(s, world.instructor, {stranger.id: ("present", None)})
    with pytest.raises(ValidationError):
        att.record_attendance(s, world.instructor, {user.id: ("late", 999)})
    with pytest.raises(ValidationError):
        att.record_attendance(s, world.instructor, {user.id: ("sleeping", 0)})
    assert att.attendance_map(s) == {}


def test_qr_check_in(world):
    now = utcnow()
    s = make_session(world, start_in=timedelta(minutes=10), hours=2)
    user, e = enrolled_trainee(world)
    outsider, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    token = ci.make_token(s, now)
    # inside the window (opens 15 minutes before the start)
    a = ci.check_in(user, s, token, at=now)
    assert a.status == "present" and a.method == "qr" and a.minutes == 120
    assert ci.check_in(user, s, token, at=now) is a  # scanning twice is harmless
    with pytest.raises(PermissionDenied) as exc:
        ci.check_in(outsider, s, token, at=now)
    assert "예약된 훈련생만" in str(exc.value.message)


def test_qr_token_rotates_and_is_bound_to_its_session_and_window(world):
    s = make_session(world, start_in=timedelta(minutes=5), hours=2)
    future = make_session(world, start_in=timedelta(days=5), room=world.room2, module=second_practical(world))
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    bk.book(user, future.id)
    now = utcnow()
    # the previous window's code still works, an older one does not
    assert ci.token_valid(s, ci.make_token(s, now - timedelta(seconds=60)), now)
    assert not ci.token_valid(s, ci.make_token(s, now - timedelta(seconds=180)), now)
    # a code of another session fails, with a Korean message
    with pytest.raises(ValidationError) as exc:
        ci.check_in(user, s, ci.make_token(future, now), at=now)
    assert "QR 코드" in str(exc.value.message)
    # the future session's own code is refused before its window
    with pytest.raises(ValidationError) as exc:
        ci.check_in(user, future, ci.make_token(future, now), at=now)
    assert "15분 전부터" in str(exc.value.message)
    # after the end: closed even with a fresh code
    later = s.ends_at + timedelta(minutes=1)
    with pytest.raises(ValidationError) as exc:
        ci.check_in(user, s, ci.make_token(s, later), at=later)
    assert "끝나" in str(exc.value.message)


def test_late_check_in(world):
    s = make_session(world, start_in=timedelta(minutes=10), hours=2)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    at = s.starts_at + timedelta(minutes=30)
    a = ci.check_in(user, s, ci.make_token(s, at), at=at)
    assert a.status == "late" and a.minutes == 90


def test_checkin_and_attendance_views(world, client):
    s = make_session(world, start_in=timedelta(minutes=5), hours=2)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    db.session.commit()
    login(client, world.instructor)
    r = client.get(f"/labs/sessions/{s.id}")
    assert r.status_code == 200 and "<svg" in r.text and "QR 체크인" in r.text
    r = client.get(f"/labs/sessions/{s.id}/qr")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    login(client, user)
    r = client.post(f"/labs/checkin/{s.id}", data={"t": ci.make_token(s)}, follow_redirects=True)
    assert r.status_code == 200 and "출석이 기록되었습니다" in r.text
    r = client.post(f"/labs/checkin/{s.id}", data={"t": "nonsense"})
    assert "QR 코드가 만료" in r.text or "출석" in r.text
    login(client, world.instructor)
    r = client.post(f"/labs/sessions/{s.id}/attendance",
                    data={f"status_{user.id}": "early_leave", f"minutes_{user.id}": "60"}, follow_redirects=True)
    assert "출결을 저장했습니다" in r.text
    a = db.session.query(Attendance).filter_by(session_id=s.id, user_id=user.id).one()
    assert (a.status, a.minutes, a.method) == ("early_leave", 60, "manual")


def test_attendance_cannot_be_recorded_for_a_session_that_has_not_started(world):
    s = _past_session(world, days_ago=-30)  # a month ahead
    a, ea = enrolled_trainee(world)
    _book_past(s, a, ea)
    with pytest.raises(ValidationError, match="시작하지 않은"):
        att.mark_all_present(s, world.instructor)
    assert att.attendance_map(s) == {}
