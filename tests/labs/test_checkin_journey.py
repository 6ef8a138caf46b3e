"""QR check-in as a trainee meets it (issue 13): a code scanned on a signed-out phone stays
good through the login it causes; the login page says the check-in continues; only booked
trainees see the button; the room's screen has a full-screen code; outside the window the
code's address answers a styled page; right after checking in, the trainee's course page says
the attendance is recorded, not that there is none."""
from __future__ import annotations

from datetime import timedelta

from lms.core.db import utcnow
from lms.core.timeutil import frozen_clock
from lms.extensions import db
from lms.labs import booking as bk
from lms.labs import checkin as ci
from lms.labs.models import Attendance
from lms.learning.services import completion_status
from tests.conftest import login
from tests.labs.conftest import enrolled_trainee, make_session


def _scan_then_login(client, s, user, token, *, login_after: timedelta):
    """Open the QR address signed out, then log in ``login_after`` later; return the page."""
    r = client.get(f"/labs/checkin/{s.id}/scan?t={token}")
    assert r.status_code == 303
    page = client.get(r.headers["Location"], follow_redirects=True)  # -> the login page
    return page


def test_code_scanned_signed_out_survives_the_login(world, client):
    s = make_session(world, start_in=timedelta(minutes=10), hours=2)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    db.session.commit()
    scanned = utcnow()
    with frozen_clock(scanned) as clock:
        token = ci.make_token(s)
        r = client.get(f"/labs/checkin/{s.id}/scan?t={token}")
        assert r.status_code == 303
        page = client.get(r.headers["Location"], follow_redirects=True)
        assert "/login" in page.request.path
        assert "로그인하면 QR 체크인이 이어집니다" in page.text
        clock.advance(timedelta(minutes=3))  # two rotations later: the code itself has expired
        assert not ci.token_valid(s, token)
        login(client, user)
        page = client.get(f"/labs/checkin/{s.id}?t={token}")
        assert "출석 체크인" in page.text
        r = client.post(f"/labs/checkin/{s.id}", data={"t": token})
        assert "출석이 기록되었습니다" in r.text
    a = db.session.query(Attendance).filter_by(session_id=s.id, user_id=user.id).one()
    assert a.status == "present" and a.method == "qr"


def test_a_scan_is_good_for_the_grace_only(world, client):
    s = make_session(world, start_in=timedelta(minutes=10), hours=2)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    db.session.commit()
    with frozen_clock(utcnow()) as clock:
        token = ci.make_token(s)
        client.get(f"/labs/checkin/{s.id}/scan?t={token}")
        clock.advance(ci.SCAN_GRACE + timedelta(minutes=1))
        login(client, user)
        r = client.post(f"/labs/checkin/{s.id}", data={"t": token})
        assert "QR 코드가 만료" in r.text
    assert db.session.query(Attendance).filter_by(session_id=s.id, user_id=user.id).count() == 0


def test_a_forged_scan_notes_nothing(world, client):
    s = make_session(world, start_in=timedelta(minutes=10), hours=2)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    db.session.commit()
    with frozen_clock(utcnow()) as clock:
        client.get(f"/labs/checkin/{s.id}/scan?t=forged")
        clock.advance(timedelta(minutes=3))
        login(client, user)
        r = client.post(f"/labs/checkin/{s.id}", data={"t": "forged"})
        assert "QR 코드가 만료" in r.text


def test_only_booked_trainees_see_the_button(world, client):
    s = make_session(world, start_in=timedelta(minutes=5), hours=2)
    other, _ = enrolled_trainee(world)
    db.session.commit()
    login(client, other)
    page = client.get(f"/labs/checkin/{s.id}?t={ci.make_token(s)}")
    assert "이 세션에 예약된 훈련생만 체크인할 수 있습니다" in page.text
    assert 'type="submit"' not in page.text.split('class="card checkin-card"', 1)[1]
    client.post(f"/labs/checkin/{s.id}", data={"t": ci.make_token(s)})
    assert db.session.query(Attendance).filter_by(session_id=s.id, user_id=other.id).count() == 0


def test_full_screen_code_and_styled_closed_page(world, client, monkeypatch):
    encoded = []
    real = ci.qr_svg
    monkeypatch.setattr(ci, "qr_svg", lambda url: encoded.append(url) or real(url))
    s = make_session(world, start_in=timedelta(minutes=5), hours=2)
    later = make_session(world, start_in=timedelta(days=3), hours=2)
    db.session.commit()
    login(client, world.instructor)
    assert f"/labs/sessions/{s.id}/qr/screen" in client.get(f"/labs/sessions/{s.id}").text
    screen = client.get(f"/labs/sessions/{s.id}/qr/screen")
    assert screen.status_code == 200 and "<svg" in screen.text and "qr-large" in screen.text
    assert f"/labs/checkin/{s.id}/scan?t=" in encoded[-1]  # the code holds the scan address
    for url in (f"/labs/sessions/{later.id}/qr", f"/labs/sessions/{later.id}/qr/screen"):
        r = client.get(url)
        assert r.status_code == 409 and r.mimetype == "text/html"
        assert "체크인 시간이 아닙니다" in r.text and 'class="error-page"' in r.text


def test_after_check_in_the_course_page_says_recorded(world, client):
    """The same state everywhere: a checked-in trainee is never told there is no record."""
    s = make_session(world, start_in=timedelta(minutes=5), hours=2)
    user, enrollment = enrolled_trainee(world)
    bk.book(user, s.id)
    db.session.commit()
    before = completion_status(enrollment)
    ci.check_in(user, s, ci.make_token(s))
    db.session.commit()
    status = completion_status(enrollment)
    if before.attendance_required:
        assert any("출석 기록이 아직 없습니다" in str(m) for m in before.missing)
        assert not any("출석 기록이 아직 없습니다" in str(m) for m in status.missing)
        assert any("출석이 기록되었습니다" in str(m) for m in status.missing)
    assert status.attendance_in_progress == 1
