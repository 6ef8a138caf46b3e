"""Sessions and bookings: room clashes, waitlist and promotion, cut-off, overlaps, .ics."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.outbox import OutboxMessage
from lms.errors import Conflict, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs import booking as bk
from tests.conftest import login
from tests.factories import make_user
from tests.labs.conftest import enrolled_trainee, make_session, second_practical


def test_room_cannot_hold_two_overlapping_sessions(world):
    s = make_session(world)
    with pytest.raises(Conflict):
        make_session(world, start_in=timedelta(days=3, hours=2))
    # back to back is fine, and another room at the same time too
    make_session(world, start_in=timedelta(days=3, hours=4))
    make_session(world, room=world.room2)
    assert s.booked_count == 0


def test_session_rules(world):
    lesson = [m for m in world.course.modules if m.kind == "lesson"][0]
    with pytest.raises(ValidationError):
        make_session(world, module=lesson)
    with pytest.raises(ValidationError):
        make_session(world, capacity=31)
    with pytest.raises(ValidationError):
        make_session(world, hours=0)
    with pytest.raises(ValidationError):
        make_session(world, room=world.other_room)


def test_full_session_waitlists_and_cancellation_promotes_first_waiting(world):
    s = make_session(world, capacity=2)
    users = [enrolled_trainee(world)[0] for _ in range(4)]
    statuses = [bk.book(u, s.id).status for u in users]
    assert statuses == ["booked", "booked", "waitlisted", "waitlisted"]
    assert s.booked_count == 2
    first = bk.current_booking(users[0], s.id)
    bk.cancel_booking(users[0], first.id)
    assert bk.current_booking(users[2], s.id).status == "booked"
    assert bk.current_booking(users[3], s.id).status == "waitlisted"
    assert bk.waitlist_position(bk.current_booking(users[3], s.id)) == 1
    assert s.booked_count == 2
    bk.assert_capacity(s)
    mails = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient == users[2].email)).scalars().all()
    assert len(mails) == 1 and mails[0].kind == "labs.waitlist_promoted"
    assert "예약되었습니다" in mails[0].subject


def test_cancellation_cutoff(world, app):
    s = make_session(world, start_in=timedelta(hours=10))
    user, _ = enrolled_trainee(world)
    b = bk.book(user, s.id)
    with pytest.raises(ValidationError) as exc:
        bk.cancel_booking(user, b.id)
    assert "24시간" in str(exc.value.message)
    app.config["LAB_CANCEL_CUTOFF_HOURS"] = 2
    try:
        bk.cancel_booking(user, b.id)
    finally:
        app.config["LAB_CANCEL_CUTOFF_HOURS"] = 24
    assert b.status == "cancelled" and s.booked_count == 0


def test_trainee_cannot_hold_two_overlapping_sessions(world):
    s1 = make_session(world)
    s2 = make_session(world, room=world.room2, start_in=timedelta(days=3, hours=1))
    user, _ = enrolled_trainee(world)
    bk.book(user, s1.id)
    with pytest.raises(Conflict):
        bk.book(user, s2.id)
    with pytest.raises(Conflict):
        bk.book(user, s1.id)  # twice the same


def test_only_enrolled_trainees_book_and_not_past_sessions(world):
    s = make_session(world)
    with pytest.raises(PermissionDenied):
        bk.book(make_user("trainee"), s.id)
    past = make_session(world, start_in=timedelta(hours=-5))
    user, _ = enrolled_trainee(world)
    with pytest.raises(ValidationError):
        bk.book(user, past.id)


def test_ics_is_rfc5545(world):
    s = make_session(world)
    user, _ = enrolled_trainee(world)
    b = bk.book(user, s.id)
    from lms.labs.ics import booking_ics

    text = booking_ics(b)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert f"DTSTART:{s.starts_at.strftime('%Y%m%dT%H%M%SZ')}" in text
    assert "UID:booking-" in text and "VERSION:2.0" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_booking_views(world, client):
    s = make_session(world, capacity=1)
    user, _ = enrolled_trainee(world)
    other, _ = enrolled_trainee(world)
    db.session.commit()
    login(client, user)
    r = client.get(f"/labs/modules/{world.practical.id}/sessions")
    assert r.status_code == 200 and "예약하기" in r.text
    r = client.post(f"/labs/sessions/{s.id}/book", follow_redirects=True)
    assert r.status_code == 200 and "예약했습니다" in r.text
    b = bk.current_booking(user, s.id)
    r = client.get("/labs/bookings")
    assert r.status_code == 200 and "예약됨" in r.text
    r = client.get(f"/labs/bookings/{b.id}.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    # another trainee: waitlisted; cannot see or cancel someone else's booking
    login(client, other)
    r = client.post(f"/labs/sessions/{s.id}/book", follow_redirects=True)
    assert "대기자 명단" in r.text
    assert client.get(f"/labs/bookings/{b.id}.ics").status_code == 404
    assert client.post(f"/labs/bookings/{b.id}/cancel").status_code == 404
    login(client, user)
    r = client.post(f"/labs/bookings/{b.id}/cancel")
    assert r.status_code == 200 and "예약을 취소할까요?" in r.text  # asked first, nothing changed
    assert bk.current_booking(user, s.id).status == "booked"
    r = client.post(f"/labs/bookings/{b.id}/cancel", data={"confirmed": "yes"}, follow_redirects=True)
    assert "예약을 취소했습니다" in r.text
    assert bk.current_booking(other, s.id).status == "booked"
    # a lesson module has no sessions page
    lesson = [m for m in world.course.modules if m.kind == "lesson"][0]
    assert client.get(f"/labs/modules/{lesson.id}/sessions").status_code == 404


def test_session_cancel_tells_everyone(world):
    s = make_session(world, capacity=1)
    a, _ = enrolled_trainee(world)
    b, _ = enrolled_trainee(world)
    bk.book(a, s.id)
    bk.book(b, s.id)
    bk.cancel_session(s, world.instructor)
    assert s.booked_count == 0 and s.cancelled_at is not None
    kinds = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient.in_([a.email, b.email]))).scalars().all()
    assert kinds.count("labs.session_cancelled") == 2


def test_recount_cli_reports_and_fixes_drift(world, app):
    s = make_session(world)
    user, _ = enrolled_trainee(world)
    bk.book(user, s.id)
    s.booked_count = 5  # as if loaded outside the services
    db.session.flush()
    runner = app.test_cli_runner()
    r = runner.invoke(args=["labs", "recount"])
    assert "booked_count 5, booked rows 1" in r.output
    r = runner.invoke(args=["labs", "recount", "--fix"])
    assert "fixed" in r.output
    db.session.refresh(s)
    assert s.booked_count == 1


# --------------------------------------------------------------------------- withdrawal and the waiting list

def _withdraw(enrollment):
    from lms.learning.services import withdraw

    return withdraw(enrollment)


def test_withdrawing_releases_the_seat_and_promotes_the_next(world):
    s = make_session(world, capacity=1)
    (a, ea), (b, _eb) = enrolled_trainee(world), enrolled_trainee(world)
    seat = bk.book(a, s.id)
    assert bk.book(b, s.id).status == "waitlisted"
    _withdraw(ea)
    assert seat.status == "cancelled"
    assert bk.current_booking(b, s.id).status == "booked"
    assert [x.user_id for x in bk.session_roster(s)] == [b.id]  # off the attendance roster
    assert s.booked_count == 1
    bk.assert_capacity(s)


def test_withdrawing_releases_waiting_places_too(world):
    s1 = make_session(world, capacity=1)
    s2 = make_session(world, capacity=1, start_in=timedelta(days=5), module=second_practical(world))
    holder, _ = enrolled_trainee(world)
    a, ea = enrolled_trainee(world)
    bk.book(holder, s1.id)
    bk.book(a, s1.id)  # waiting
    bk.book(a, s2.id)  # a seat
    _withdraw(ea)
    assert bk.current_booking(a, s1.id) is None and bk.current_booking(a, s2.id) is None
    assert s2.booked_count == 0 and bk.waitlist(s1) == []


def test_a_withdrawn_trainee_waiting_is_never_promoted(world):
    s = make_session(world, capacity=1)
    (a, _), (b, eb), (c, _) = (enrolled_trainee(world) for _ in range(3))
    first = bk.book(a, s.id)
    bk.book(b, s.id)
    bk.book(c, s.id)
    _withdraw(eb)
    bk.cancel_booking(a, first.id)
    assert bk.current_booking(b, s.id) is None
    assert bk.current_booking(c, s.id).status == "booked"


def test_promotion_skips_an_enrollment_withdrawn_behind_the_services_back(world):
    """Even with a withdrawal that bypassed the signal (data loaded directly), promotion
    never seats a withdrawn enrollment: its waiting place is cancelled instead."""
    s = make_session(world, capacity=1)
    (a, _), (b, eb), (c, _) = (enrolled_trainee(world) for _ in range(3))
    first = bk.book(a, s.id)
    waiting_b = bk.book(b, s.id)
    bk.book(c, s.id)
    eb.status = "withdrawn"
    db.session.flush()
    bk.cancel_booking(a, first.id)
    assert waiting_b.status == "cancelled"
    assert bk.current_booking(c, s.id).status == "booked"


def test_withdrawn_trainee_keeps_past_attendance_but_leaves_future_rosters(world):
    from lms.core.db import utcnow
    from lms.core.timeutil import frozen_clock

    a, ea = enrolled_trainee(world)
    with frozen_clock(utcnow() - timedelta(days=10)):
        past = make_session(world, start_in=timedelta(days=2))
        bk.book(a, past.id)
    future = make_session(world)
    bk.book(a, future.id)
    _withdraw(ea)
    assert [x.user_id for x in bk.session_roster(past)] == [a.id]
    assert bk.session_roster(future) == [] and future.booked_count == 0


def test_withdrawing_from_the_dashboard_releases_bookings(world, client):
    s = make_session(world, capacity=1)
    (a, ea), (b, _) = enrolled_trainee(world), enrolled_trainee(world)
    bk.book(a, s.id)
    bk.book(b, s.id)
    db.session.commit()
    login(client, a)
    r = client.post(f"/learn/{ea.id}/withdraw")
    assert r.status_code == 302
    db.session.expire_all()
    assert bk.current_booking(a, s.id) is None
    assert bk.current_booking(b, s.id).status == "booked"
    mails = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient == b.email)).scalars().all()
    assert "labs.waitlist_promoted" in mails


def test_a_seat_given_after_the_cutoff_can_be_given_back(world):
    """Promoted from the waiting list 10 hours before the start (after the 24-hour
    cut-off), the trainee can still give the seat back until the start."""
    from lms.core.db import utcnow
    from lms.core.timeutil import frozen_clock

    s = make_session(world, capacity=1, start_in=timedelta(days=3))
    (a, _), (b, _) = enrolled_trainee(world), enrolled_trainee(world)
    first = bk.book(a, s.id)
    bk.book(b, s.id)
    with frozen_clock(s.starts_at - timedelta(hours=10)):
        assert not bk.can_cancel(first)  # a seat held since before the cut-off is final
        bk.cancel_booking(world.instructor, first.id, by_staff=True)
        promoted = bk.current_booking(b, s.id)
        assert promoted.status == "booked" and bk.can_cancel(promoted)
        bk.cancel_booking(b, promoted.id)
        assert promoted.status == "cancelled" and s.booked_count == 0
    with frozen_clock(s.starts_at + timedelta(minutes=1)):
        assert utcnow() > s.starts_at


def test_booking_page_says_a_late_seat_is_final(world, client):
    s = make_session(world, capacity=2, start_in=timedelta(hours=10))
    user, _ = enrolled_trainee(world)
    db.session.commit()
    login(client, user)
    r = client.get(f"/labs/modules/{world.practical.id}/sessions")
    assert "지금 예약하면 취소할 수 없습니다" in r.text
    b = bk.book(user, s.id)
    assert not bk.can_cancel(b)


def test_giving_up_an_overlapping_seat_serves_the_waiting_place_it_blocked(world):
    """Found while writing the state machine's first-come-first-served invariant (a free
    seat never stays free while someone who could take it waits): a trainee skipped on
    a waiting list because of an overlapping seat, who then gives that seat up, gets
    the free seat they wait for. (The machine's random search rarely reaches this
    five-step sequence, so it has its own test.)"""
    x = make_session(world, capacity=1)
    y = make_session(world, capacity=1, room=world.room2, start_in=timedelta(days=3, hours=1),
                     module=second_practical(world))
    (u, _), (v, _) = enrolled_trainee(world), enrolled_trainee(world)
    seat_v = bk.book(v, y.id)
    assert bk.book(u, y.id).status == "waitlisted"
    seat_x = bk.book(u, x.id)  # waiting for y does not stop a seat at the same time
    bk.cancel_booking(v, seat_v.id)
    assert bk.current_booking(u, y.id).status == "waitlisted"  # skipped: u holds x at that time
    assert y.booked_count == 0
    bk.cancel_booking(u, seat_x.id)
    assert bk.current_booking(u, y.id).status == "booked" and y.booked_count == 1


def test_one_practical_is_booked_once_at_a_time(world):
    """Issue 13: a trainee could hold seats on two sessions of the same practical. Now a
    second one (seat or waiting place) is refused with the first one's time, until the
    first is cancelled or has ended; another practical is unaffected."""
    s1 = make_session(world, start_in=timedelta(days=3))
    s2 = make_session(world, start_in=timedelta(days=6))
    full = make_session(world, start_in=timedelta(days=9), capacity=1)
    other = make_session(world, start_in=timedelta(days=6, hours=5), module=second_practical(world))
    bk.book(enrolled_trainee(world)[0], full.id)  # a waiting place is all that is left there
    user, _ = enrolled_trainee(world)
    first = bk.book(user, s1.id)
    for s in (s2, full):
        with pytest.raises(Conflict) as exc:
            bk.book(user, s.id)
        assert "이미" in str(exc.value.message) and "취소" in str(exc.value.message)
    assert bk.book(user, other.id).status == "booked"
    bk.cancel_booking(user, first.id)
    assert bk.book(user, s2.id).status == "booked"


def test_a_practical_whose_session_ended_can_be_booked_again(world):
    """A retake: the rule looks at sessions that have not ended only."""
    from lms.core.timeutil import frozen_clock

    s1 = make_session(world, start_in=timedelta(days=1), hours=2)
    s2 = make_session(world, start_in=timedelta(days=4))
    user, _ = enrolled_trainee(world)
    bk.book(user, s1.id)
    with frozen_clock(s1.ends_at + timedelta(minutes=1)):
        assert bk.book(user, s2.id).status == "booked"


def test_booking_inside_the_cutoff_is_confirmed_first(world, client):
    """Issue 13: a seat booked after the cancellation cut-off cannot be given back, so the
    trainee is told so and confirms before it is taken; outside the cut-off no extra step."""
    soon = make_session(world, start_in=timedelta(hours=5))
    later = make_session(world, start_in=timedelta(days=5), module=second_practical(world))
    user, _ = enrolled_trainee(world)
    db.session.commit()
    login(client, user)
    r = client.post(f"/labs/sessions/{soon.id}/book")
    assert r.status_code == 200 and "취소할 수 없는 예약입니다" in r.text
    assert bk.current_booking(user, soon.id) is None
    r = client.post(f"/labs/sessions/{soon.id}/book", data={"confirmed": "yes"}, follow_redirects=True)
    assert "예약했습니다" in r.text and bk.current_booking(user, soon.id).status == "booked"
    r = client.post(f"/labs/sessions/{later.id}/book", follow_redirects=True)
    assert "예약했습니다" in r.text


def test_cancelled_future_bookings_are_not_listed_as_past(world, client):
    s = make_session(world, start_in=timedelta(days=5))
    user, _ = enrolled_trainee(world)
    b = bk.book(user, s.id)
    bk.cancel_booking(user, b.id)
    db.session.commit()
    login(client, user)
    html = client.get("/labs/bookings").text
    assert "취소된 예약" in html and "지난 예약" not in html


def test_waiting_positions_in_bulk_equal_one_by_one(world):
    """The page's one-statement positions agree with the per-booking rule."""
    sessions = [make_session(world, capacity=1, start_in=timedelta(days=3)),
                make_session(world, capacity=1, start_in=timedelta(days=4), module=second_practical(world))]
    people = [enrolled_trainee(world)[0] for _ in range(4)]
    made = [bk.book(u, s.id) for s in sessions for u in people[: 2 + sessions.index(s)]]
    bulk = bk.waitlist_positions(made)
    assert bulk == {b.id: bk.waitlist_position(b) for b in made}
    assert sorted(p for p in bulk.values() if p) == [1, 1, 2]
