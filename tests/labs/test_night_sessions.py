"""A lab session is a start instant and an end instant: a night session from 22:00
to 01:00 KST can be scheduled from the form, is shown with both dates on every
page, lands right in .ics, and counts its 180 minutes in attendance and check-in."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from lms.core.timeutil import KST, frozen_clock
from lms.errors import ValidationError
from lms.extensions import db
from lms.labs import booking as bk
from lms.labs.models import LabSession
from tests.conftest import login
from tests.labs.conftest import enrolled_trainee


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=KST)


def _post_session(client, world, **fields):
    data = {"module_id": world.practical.id, "room_id": world.room.id, "capacity": 5,
            "instructor_id": world.instructor.id, "cohort_id": 0, **fields}
    return client.post(f"/labs/smartlabs/{world.lab.id}/sessions/new", data=data)


def _sessions(world):
    return db.session.execute(select(LabSession).where(LabSession.lab_id == world.lab.id)
                              .order_by(LabSession.id)).scalars().all()


@pytest.fixture
def night(world, client):
    """22:00 on 31 March to 01:00 on 1 April (KST), made through the form."""
    db.session.commit()
    login(client, world.instructor)
    with frozen_clock(kst(2027, 3, 1, 9, 0)):
        r = _post_session(client, world, day="2027-03-31", start_time="22:00", end_time="01:00")
    assert r.status_code == 302, r.text
    (s,) = _sessions(world)
    return s


def test_night_session_from_the_form_ends_the_next_day(night, client):
    assert night.starts_at == datetime(2027, 3, 31, 13, tzinfo=timezone.utc)
    assert night.ends_at == datetime(2027, 3, 31, 16, tzinfo=timezone.utc)
    assert night.hours == 3
    r = client.get(f"/labs/sessions/{night.id}")
    assert "2027-03-31 22:00~2027-04-01 01:00" in r.text


def test_end_date_field_and_its_limits(world, client):
    db.session.commit()
    login(client, world.instructor)
    with frozen_clock(kst(2028, 2, 1, 9, 0)):
        r = _post_session(client, world, day="2028-02-28", start_time="22:00", end_time="06:00", end_day="2028-02-29")
        assert r.status_code == 302
        (s,) = _sessions(world)
        assert (s.starts_at, s.ends_at) == (kst(2028, 2, 28, 22), kst(2028, 2, 29, 6))
        # an end before the start, or a "session" of more than a day, is refused with a message
        r = _post_session(client, world, room_id=world.room2.id, day="2028-03-10", start_time="22:00",
                          end_time="01:00", end_day="2028-03-10")
        assert r.status_code == 200 and "종료 시각은 시작 시각보다 뒤여야 합니다" in r.text
        r = _post_session(client, world, room_id=world.room2.id, day="2028-03-10", start_time="22:00",
                          end_time="01:00", end_day="2028-03-12")
        assert r.status_code == 200 and "24시간을 넘을 수 없습니다" in r.text
        assert len(_sessions(world)) == 1
        # the night session occupies the room after midnight too
        r = _post_session(client, world, day="2028-02-29", start_time="05:00", end_time="07:00")
        assert r.status_code == 200 and "같은 시간에 다른 세션" in r.text


def test_night_session_on_trainee_pages_and_ics(night, world, client):
    user, _ = enrolled_trainee(world)
    db.session.commit()
    login(client, user)
    with frozen_clock(kst(2027, 3, 20, 9, 0)):
        r = client.get(f"/labs/modules/{world.practical.id}/sessions")
        assert "22:00~4월 1일 (목) 01:00" in r.text
        b = bk.book(user, night.id)
        db.session.commit()
        r = client.get("/labs/bookings")
        assert "22:00~4월 1일 (목) 01:00" in r.text
        ics = client.get(f"/labs/bookings/{b.id}.ics").text
    assert "DTSTART:20270331T130000Z" in ics and "DTEND:20270331T160000Z" in ics
    # the promotion mail names both days too
    assert bk._when(night) == "2027-03-31 22:00~2027-04-01 01:00"


def test_night_session_attendance_minutes(night, world):
    from lms.labs.attendance import record_attendance, session_minutes
    from lms.labs.checkin import check_in, make_token
    from lms.labs.services import attendance_summary

    (a, ea), (b, eb), (c, ec) = (enrolled_trainee(world) for _ in range(3))
    with frozen_clock(kst(2027, 3, 20, 9, 0)):
        for u in (a, b, c):
            bk.book(u, night.id)
    assert session_minutes(night) == 180
    on_time = kst(2027, 3, 31, 22, 5)
    att_a = check_in(a, night, make_token(night, on_time), at=on_time)
    assert (att_a.status, att_a.minutes) == ("present", 180)
    after_midnight = kst(2027, 4, 1, 0, 30)
    att_b = check_in(b, night, make_token(night, after_midnight), at=after_midnight)
    assert (att_b.status, att_b.minutes) == ("late", 30)
    with pytest.raises(ValidationError):  # after the end (01:00 on 1 April) check-in is closed
        late = kst(2027, 4, 1, 1, 1)
        check_in(c, night, make_token(night, late), at=late)
    with frozen_clock(kst(2027, 4, 1, 1, 30)):
        with pytest.raises(ValidationError):
            record_attendance(night, world.instructor, {c.id: ("early_leave", 181)})
        record_attendance(night, world.instructor, {c.id: ("early_leave", 150)})
        summary = attendance_summary(ec)
    assert summary.scheduled_hours == 3 and summary.attended_hours == 2.5


def test_session_days_are_korean_days(world):
    """A session at 00:30-08:30 KST on 1 March is on 1 March everywhere (its UTC date is 28 February)."""
    from lms.core.timeutil import kst_span, span_text

    starts, ends = kst_span(date(2027, 3, 1), datetime.min.time().replace(minute=30), datetime.min.time().replace(hour=8, minute=30))
    with frozen_clock(kst(2027, 2, 1)):
        s = bk.create_session(world.lab, room_id=world.room.id, module=world.practical, starts_at=starts,
                              ends_at=ends, capacity=5, instructor=world.instructor)
    assert s.starts_at.astimezone(timezone.utc).date() == date(2027, 2, 28)
    assert span_text(s.starts_at, s.ends_at) == "2027-03-01 00:30~08:30"
    assert s.ends_at - s.starts_at == timedelta(hours=8)
