"""Bookings keep their invariants under any sequence of actions (hypothesis stateful).

Random sequences of book, cancel (by the trainee and by staff), withdraw, re-enrol,
promote, session cancelled and time passing (across the 24-hour cancellation
cut-off and session starts) on three sessions, two of them overlapping; after every
step:

- booked seats <= capacity, and ``booked_count`` equals the booked rows;
- a cancelled booking never comes back, and on sessions not yet started no
  withdrawn enrollment holds a seat or a waiting place, nor gains one after withdrawing;
- the waiting list is served first come first served: a trainee promoted in a step
  had nobody still waiting ahead who could have taken the seat, and a free seat never
  stays free while someone who could take it waits;
- a trainee holds at most one seat or waiting place per practical among sessions not ended;
- every trainee placed in a seat can give it back, or was told before (the booking
  page's "final" notice for a booking after the cut-off); and whenever ``can_cancel``
  says yes, cancelling works.

Each example runs in a SAVEPOINT rolled back at the end, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition,
                                 rule, run_state_machine_as_test)
from sqlalchemy import select

from lms.core.timeutil import KST, frozen_clock
from lms.errors import DomainError
from lms.extensions import db
from lms.labs import booking as bk
from lms.labs.models import Booking, LabSession
from lms.learning import services as learning
from lms.learning.models import Enrollment
from tests.factories import make_user
from tests.labs.conftest import second_practical

T0 = datetime(2030, 1, 10, 0, 30, tzinfo=KST)  # 00:30 KST: the UTC date is the day before
TRAINEES = 4


def machine_for(world):
    class Bookings(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.tx = db.session.begin_nested()
            self.clock_cm = frozen_clock(T0)
            self.clock = self.clock_cm.__enter__()
            h = lambda n: T0 + timedelta(hours=n)  # noqa: E731
            # s0 and s1 overlap (two rooms, two practicals); s2 is later, the same practical as
            # s0 (one practical is booked once at a time); s1 crosses midnight KST.
            p2 = second_practical(world)
            specs = [(world.room, 30, 33, 1, world.practical), (world.room2, 31, 35, 1, p2),
                     (world.room, 50, 53, 2, world.practical)]
            self.sessions = [bk.create_session(world.lab, room_id=room.id, module=m, starts_at=h(a),
                                               ends_at=h(b), capacity=cap, instructor=world.instructor)
                             for room, a, b, cap, m in specs]
            self.users = [make_user("trainee") for _ in range(TRAINEES)]
            for u in self.users:
                learning.enroll(u, world.course)
            self.final_at_booking: set[int] = set()  # seats booked when the page said "final"
            self.withdrawn_at: dict[int, datetime] = {}  # enrollment id -> when
            self.before: dict[int, tuple[str, int]] = {}  # booking id -> (status, session id)
            self.queue_before: dict[int, list[int]] = {}
            self._snapshot()

        def teardown(self):
            self.clock_cm.__exit__(None, None, None)
            if self.tx.is_active:
                self.tx.rollback()
            # Forget this example's rows: their ids are reused by the next example.
            keep = (world.instructor, world.other_instructor, world.practical)
            for obj in list(db.session.identity_map.values()):
                if type(obj).__name__ in ("Booking", "LabSession", "Enrollment", "User", "OutboxMessage",
                                          "AuditEvent", "Module") and not any(obj is k for k in keep):
                    db.session.expunge(obj)
            db.session.expire_all()

        # ------------------------------------------------------------- helpers
        def _enrollment(self, user):
            return db.session.execute(
                select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == world.course.id)
                .order_by(Enrollment.id.desc()).limit(1)).scalar_one()

        def _bookings(self):
            db.session.expire_all()
            ids = [s.id for s in self.sessions]
            return db.session.execute(select(Booking).where(Booking.session_id.in_(ids))
                                      .order_by(Booking.created_at, Booking.id)).scalars().all()

        def _eligible(self, b: Booking, session: LabSession) -> bool:
            """Could this waiting trainee take a seat of ``session`` now?"""
            if b.enrollment is None or b.enrollment.status != "active":
                return False
            return bk._overlapping_booking(b.user_id, session) is None

        def _snapshot(self):
            rows = self._bookings()
            self.before = {b.id: (b.status, b.session_id) for b in rows}
            self.queue_before = {s.id: [b.id for b in rows if b.session_id == s.id and b.status == "waitlisted"]
                                 for s in self.sessions}

        # ------------------------------------------------------------- actions
        made = Bundle("bookings")

        @initialize(target=made, picks=st.lists(st.tuples(st.integers(0, TRAINEES - 1), st.integers(0, 2)),
                                                min_size=2, max_size=8))
        def busy_start(self, picks):
            """Start from a busy state (full sessions, a waiting list) so short runs reach the edges."""
            return multiple(*(bid for u, s in picks if (bid := self._book(u, s)) is not None))

        @rule(target=made, u=st.integers(0, TRAINEES - 1), s=st.integers(0, 2))
        def book(self, u, s):
            bid = self._book(u, s)
            return multiple() if bid is None else bid

        def _book(self, u, s):
            session = self.sessions[s]
            final = bk.booking_is_final(session)
            try:
                b = bk.book(self.users[u], session.id)
            except DomainError:
                return None
            if final and b.status == "booked":  # a direct seat: the page said it would be final
                self.final_at_booking.add(b.id)
            return b.id

        @rule(target=made, bid=made)
        def book_the_overlapping_one(self, bid):
            """The same trainee books the session overlapping this booking's (s0 <-> s1):
            where skipping for overlaps and giving seats back meet."""
            b = db.session.get(Booking, bid)
            index = [x.id for x in self.sessions].index(b.session_id)
            if index == 2:
                return multiple()
            got = self._book(self.users.index(b.user), 1 - index)
            return multiple() if got is None else got

        @rule(bid=made)
        def trainee_cancels(self, bid):
            b = db.session.get(Booking, bid)
            allowed = bk.can_cancel(b)
            try:
                bk.cancel_booking(b.user, b.id)
            except DomainError:
                assert not allowed, "can_cancel said yes but cancelling failed"
                return
            assert allowed, "cancelled a booking can_cancel refused"

        @rule(bid=made)
        def staff_cancels(self, bid):
            b = db.session.get(Booking, bid)
            if b.status in bk.ACTIVE_STATUSES:
                bk.cancel_booking(world.instructor, b.id, by_staff=True)

        @rule(bid=made)
        def withdraw_a_booker(self, bid):
            self.withdraw(self.users.index(db.session.get(Booking, bid).user))

        @rule(u=st.integers(0, TRAINEES - 1))
        def withdraw(self, u):
            e = self._enrollment(self.users[u])
            if e.status != "active":
                return
            learning.withdraw(e)
            self.withdrawn_at[e.id] = self.clock.now

        @rule(u=st.integers(0, TRAINEES - 1))
        def enrol_again(self, u):
            learning.enroll(self.users[u], world.course)

        @rule(s=st.integers(0, 2))
        def promote(self, s):
            bk.promote_waiting(bk.lock_session(self.sessions[s].id))

        @rule(s=st.integers(0, 2))
        def cancel_session(self, s):
            bk.cancel_session(self.sessions[s], world.instructor)

        @precondition(lambda self: self.clock.now < T0 + timedelta(hours=60))
        @rule(hours=st.sampled_from([1, 3, 7, 12]))
        def time_passes(self, hours):
            self.clock.advance(timedelta(hours=hours))

        # ------------------------------------------------------------- invariants
        @invariant()
        def invariants_hold(self):
            now = self.clock.now
            rows = self._bookings()
            by_session = {s.id: [b for b in rows if b.session_id == s.id] for s in self.sessions}
            for s in self.sessions:
                session = db.session.get(LabSession, s.id)
                mine = by_session[s.id]
                booked = [b for b in mine if b.status == "booked"]
                waiting = [b for b in mine if b.status == "waitlisted"]
                # seats
                assert len(booked) == session.booked_count <= session.capacity
                if session.cancelled_at is not None:
                    assert not booked and not waiting
                not_started = session.starts_at > now and session.cancelled_at is None
                for b in booked + waiting:
                    e = b.enrollment
                    if session.starts_at > now:
                        assert e.status != "withdrawn", f"withdrawn enrollment holds {b.status} on {s.id}"
                    if e.id in self.withdrawn_at:
                        gained = b.promoted_at or b.created_at
                        assert gained <= self.withdrawn_at[e.id], "a withdrawn enrollment gained a place"
                # first come, first served
                if not_started and len(booked) < session.capacity:
                    assert not any(self._eligible(w, session) for w in waiting), "free seat while someone can take it"
                promoted_now = [b for b in booked if self.before.get(b.id, ("", 0))[0] == "waitlisted"]
                if promoted_now:
                    still_waiting = {w.id: w for w in waiting}
                    first_promoted = min(self.queue_before[s.id].index(b.id) for b in promoted_now)
                    for wid in self.queue_before[s.id][:first_promoted]:
                        if wid in still_waiting:
                            assert not self._eligible(still_waiting[wid], session), "waiting list served out of order"
                # whoever was placed in a seat now can give it back, or was told before
                for b in booked:
                    old = self.before.get(b.id, ("", 0))[0]
                    if old != "booked":
                        assert bk.can_cancel(b, now) or b.id in self.final_at_booking, \
                            "placed in a seat that cannot be given back, without being told"
            for b in rows:  # cancelled stays cancelled
                if self.before.get(b.id, ("", 0))[0] == "cancelled":
                    assert b.status == "cancelled"
            # one practical is booked once at a time (a seat or a waiting place, sessions not ended)
            held: dict[tuple[int, int], int] = {}
            for b in rows:
                session = db.session.get(LabSession, b.session_id)
                if b.status in bk.ACTIVE_STATUSES and session.ends_at > now and session.cancelled_at is None:
                    key = (b.user_id, session.module_id)
                    held[key] = held.get(key, 0) + 1
            assert all(count == 1 for count in held.values()), "two sessions of one practical held"
            self._snapshot()

    return Bookings


def test_bookings_keep_their_invariants(world):
    run_state_machine_as_test(
        machine_for(world),
        settings=settings(max_examples=30, stateful_step_count=20, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]),
    )
