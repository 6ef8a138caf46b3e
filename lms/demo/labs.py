"""Lab sessions of the demo seed: finding or scheduling a session with a free seat,
bookings (with cancellations and a waiting list), attendance and practical sign-offs
(with corrections that supersede), the demo instructor's upcoming sessions, and the
booked counts written back at the end. Workplace practicals go to ``lms.demo.onsite``.

A mixin of ``lms.demo.seed._Seeder``: it uses the seeder's RNG and row buffers, so
its draws come in the same order as always.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from lms.demo import data as D
from lms.demo.bulk import INSERT_BATCH
from lms.demo.common import _kst, _kst_date
from lms.demo.onsite import workplace_practical
from lms.extensions import db


class LabSessionsMixin:
    """Sessions, bookings, attendance and sign-offs."""

    # -------------------------------------------------------------- lab sessions
    def session_for(self, lab: dict, mid: int, hours: float, want: date, busy: set, *, owner=None) -> dict:
        """Find a session of module ``mid`` at ``lab`` on or after ``want`` with a free seat and no
        clash with the trainee's other sessions, or schedule one in a free room."""
        monday = want - timedelta(days=want.weekday())
        # Trainees take a seat in a scheduled session within a few weeks before a new
        # session is opened, so sessions fill up the way real ones do.
        for w in range(4):
            for s in self.sessions_by_key.get((lab["key"], mid, monday + timedelta(days=7 * w)), ()):
                if s["_booked"] < s["capacity"] and s["_day"] >= want and s["_day"] not in busy:
                    return s
        for w in range(12):
            week = monday + timedelta(days=7 * w)
            key = (lab["key"], mid, week)
            for d in range(5):
                day = week + timedelta(days=d)
                if day < want or day in busy:
                    continue
                used = self.room_days[(lab["key"], day)]
                for room in lab["rooms"]:
                    if room["id"] not in used:
                        used.add(room["id"])
                        return self.new_session(lab, mid, hours, day, room, key, owner=owner)
        day = want + timedelta(days=1)
        room = lab["rooms"][0]
        return self.new_session(lab, mid, hours, day, room, (lab["key"], mid, day - timedelta(days=day.weekday())),
                                owner=owner)

    def new_session(self, lab: dict, mid: int, hours: float, day: date, room: dict, key, *, owner=None) -> dict:
        rng = self.rng
        length = max(1.0, min(8.0, hours or 4.0))
        starts = _kst(day, 9)
        ends = starts + timedelta(hours=length + (1 if length > 4 else 0))  # an hour for lunch on long days
        teachers = lab["instructors"]
        if owner is not None:
            teacher = owner
        elif lab["key"] == "changwon" and rng.random() < 0.3:
            teacher = self.demo_instructor
        else:
            teacher = rng.choice(teachers)
        created = min(starts - timedelta(days=rng.randint(14, 40)), self.now)
        s = self.add("lab_sessions", dict(
            id=self.nid("lab_sessions"), lab_id=lab["row"]["id"], room_id=room["id"], module_id=mid, cohort_id=None,
            instructor_id=teacher["id"], starts_at=starts, ends_at=ends, capacity=min(20, room["seats"]),
            booked_count=0, cancelled_at=None, checkin_secret=None, created_at=created, updated_at=created))
        meta = dict(id=s["id"], capacity=s["capacity"], _booked=0, _day=day, starts_at=starts, ends_at=ends,
                    instructor_id=teacher["id"])
        self.sessions[s["id"]] = meta
        self.sessions_by_key[key].append(meta)
        return meta

    def book(self, uid: int, eid: int, s: dict, status: str, created: datetime, cancelled: datetime | None = None) -> None:
        self.add("bookings", dict(id=self.nid("bookings"), session_id=s["id"], user_id=uid, enrollment_id=eid,
                                  status=status, created_at=created, cancelled_at=cancelled, promoted_at=None))
        self.booking_counts[status] += 1
        if status == "booked":
            s["_booked"] += 1
            s.setdefault("_users", set()).add(uid)
            if uid == self.demo_trainee_row["id"] and s["starts_at"] > self.now and self.demo_session is None:
                self.demo_session, self.demo_booking = s, (uid, eid, created)

    def ensure_booking_states(self) -> None:
        """Even a tiny demo shows a cancelled and a waitlisted booking: the demo trainee
        cancelled and rebooked their session, and it is full with classmates waiting."""
        s = self.demo_session
        if s is None:
            return
        uid, eid, created = self.demo_booking
        if not self.booking_counts["cancelled"]:
            first = created - timedelta(days=2)
            self.book(uid, eid, s, "cancelled", first, first + timedelta(hours=3))
        peers = [(u, e) for u, e in self.demo_peers if u not in s.get("_users", ())]
        if not self.booking_counts["waitlisted"] and peers:
            s["capacity"] = s["_booked"]
            s["_capacity_changed"] = True
            for k, (u, e) in enumerate(peers[:2]):
                self.book(u, e, s, "waitlisted", min(self.now, created + timedelta(hours=k + 1)))

    def practical(self, ctx, eid, mid, hours, checklist, equipment, t, outcome, cohort, fast) -> tuple[bool, datetime | None]:
        """Book, attend and get signed off. ``outcome`` is what the enrollment's fate asks of
        this module: "complete", "stall", "withdraw" or "upcoming". Returns (passed, end time)."""
        if mid in self.workplace_modules and outcome in ("complete", "stall"):
            done = workplace_practical(self, ctx, eid, mid, checklist, t, passed=outcome == "complete")
            if done is not None:  # signed off at the trainee's company by a meister placed there
                return done
        rng = self.rng
        user, busy = ctx["user"], ctx["busy"]
        lab = ctx["lab"]
        if "smt_line" in equipment and "smt_line" not in lab["kinds"]:
            lab = next((lb for lb in self.labs.values() if "smt_line" in lb["kinds"]), lab)
        uid = user["id"]
        want_from = t + timedelta(days=rng.randint(1, 4) if fast else rng.randint(2, 21))
        if outcome == "upcoming":
            # Two weeks ahead, so the booking still lies ahead for a while after the fixed today.
            want_from = max(want_from, self.now + timedelta(days=14))
        tries = 2 if (outcome == "complete" and rng.random() < 0.06) else 1
        for attempt in range(tries):
            want = _kst_date(want_from)
            s = self.session_for(lab, mid, hours, want, busy)
            booked_at = min(self.now, max(t, s["starts_at"] - timedelta(days=rng.randint(1, 20))))
            if rng.random() < 0.04:
                # They had booked an earlier session of the module and cancelled before the cut-off.
                monday = s["_day"] - timedelta(days=s["_day"].weekday())
                earlier = self.sessions_by_key.get((lab["key"], mid, monday - timedelta(days=7)))
                if earlier:
                    other = rng.choice(earlier)
                    created = min(self.now, other["starts_at"]) - timedelta(days=rng.randint(4, 10))
                    self.book(uid, eid, other, "cancelled", created, created + timedelta(days=rng.randint(1, 3)))
            if s["starts_at"] > self.now:
                # Upcoming: a full session would have put them on the waiting list.
                waiting = s["_booked"] >= s["capacity"]
                self.book(uid, eid, s, "waitlisted" if waiting else "booked", booked_at)
                if not waiting:
                    busy.add(s["_day"])
                return False, booked_at
            if outcome == "withdraw":
                self.book(uid, eid, s, "cancelled", booked_at, min(booked_at + timedelta(days=1), s["starts_at"]))
                return False, booked_at
            if rng.random() < 0.03:
                full = next((x for x in self.sessions_by_key[(lab["key"], mid, s["_day"] - timedelta(days=s["_day"].weekday()))]
                             if x["_booked"] >= x["capacity"] and x is not s), None)
                if full is not None:
                    self.book(uid, eid, full, "waitlisted", booked_at - timedelta(days=1))
            self.book(uid, eid, s, "booked", booked_at)
            busy.add(s["_day"])
            minutes = int((s["ends_at"] - s["starts_at"]).total_seconds() // 60)
            final = attempt == tries - 1
            if outcome == "stall":
                recent = s["ends_at"] > self.now - timedelta(days=21)
                r = rng.random()
                if recent and r < 0.6:
                    self.attend(uid, eid, s, "present", minutes)  # waiting for the instructor's sign-off
                elif r < 0.4:
                    self.attend(uid, eid, s, "absent", 0)
                elif r < 0.55:
                    self.attend(uid, eid, s, "excused", 0)
                elif r < 0.7:
                    self.attend(uid, eid, s, "early_leave", int(minutes * rng.uniform(0.3, 0.7)))
                else:
                    self.attend(uid, eid, s, "present", minutes)
                    self.signoff(eid, mid, s, checklist, False)
                return False, s["ends_at"]
            if rng.random() < 0.92:
                self.attend(uid, eid, s, "present", minutes)
            else:
                self.attend(uid, eid, s, "late", int(minutes * rng.uniform(0.86, 0.97)))
            # About 1% of sign-offs get corrected later; the first one always, so even a tiny demo shows one.
            self.signoff(eid, mid, s, checklist, final, correct=(rng.random() < 0.01) or not self.corrected)
            if final:
                return True, min(self.now, s["ends_at"] + timedelta(minutes=30))
            want_from = s["ends_at"] + timedelta(days=rng.randint(7, 21))
        return False, None  # pragma: no cover

    def attend(self, uid: int, eid: int, s: dict, status: str, minutes: int) -> None:
        self.add("attendance", dict(id=self.nid("attendance"), session_id=s["id"], user_id=uid, enrollment_id=eid,
                                    status=status, minutes=minutes, method="qr" if self.rng.random() < 0.4 else "manual",
                                    recorded_by_id=s["instructor_id"],
                                    recorded_at=s["starts_at"] + timedelta(minutes=self.rng.randint(5, 40))))

    def signoff(self, eid: int, mid: int, s: dict, checklist, passed: bool, *, correct: bool = False) -> None:
        """A sign-off; ``correct`` writes a wrong first record and a correction superseding it."""
        rng = self.rng
        day = _kst_date(s["ends_at"])
        created = min(self.now, s["ends_at"] + timedelta(minutes=rng.randint(10, 120)))

        def results(ok: bool):
            failing = set() if ok else set(rng.sample(checklist, min(len(checklist), rng.randint(1, 2))))
            return [{"item": c, "passed": c not in failing,
                     "comment": rng.choice(D.FAIL_COMMENTS) if c in failing else rng.choice(D.SIGNOFF_COMMENTS)}
                    for c in checklist]

        first_id = self.nid("practical_signoffs")
        first_outcome = passed if not correct else not passed
        self.add("practical_signoffs", dict(
            id=first_id, enrollment_id=eid, module_id=mid, session_id=s["id"], assessor_id=s["instructor_id"],
            outcome="passed" if first_outcome else "failed", results=results(first_outcome), assessed_on=day, note="",
            created_at=created, supersedes_id=None, site="lab", placement_id=None))
        self.audit(s["instructor_id"], "signoff.create", "PracticalSignoff", first_id, created,
                   enrollment_id=eid, outcome="passed" if first_outcome else "failed")
        if correct:
            self.corrected = True
            fixed = min(self.now, created + timedelta(minutes=rng.randint(30, 5 * 24 * 60)))
            second = self.nid("practical_signoffs")
            self.add("practical_signoffs", dict(
                id=second, enrollment_id=eid, module_id=mid, session_id=s["id"], assessor_id=s["instructor_id"],
                outcome="passed" if passed else "failed", results=results(passed), assessed_on=day,
                note=rng.choice(D.SIGNOFF_CORRECTION_NOTES), created_at=fixed, supersedes_id=first_id, site="lab",
                placement_id=None))
            self.audit(s["instructor_id"], "signoff.correct", "PracticalSignoff", second, fixed,
                       enrollment_id=eid, supersedes=first_id, outcome="passed" if passed else "failed")

    def ensure_demo_instructor_sessions(self) -> None:
        """The demo instructor always has a few upcoming sessions to show."""
        mine = [s for s in self.sessions.values()
                if s["instructor_id"] == self.demo_instructor["id"] and s["starts_at"] > self.now]
        lab = self.labs["changwon"]
        pcs = [c for c in self.courses if c.has_practical]
        if len(mine) >= 3 or not pcs:
            return
        for k in range(3 - len(mine)):
            course = pcs[k % len(pcs)]
            mid, _, hours, _, _ = next(m for m in course.modules if m[1] == "practical")
            day = self.today + timedelta(days=14 * (k + 1))
            while True:
                if day.weekday() < 5:
                    used = self.room_days[(lab["key"], day)]
                    room = next((r for r in lab["rooms"] if r["id"] not in used), None)
                    if room is not None:
                        used.add(room["id"])
                        break
                day += timedelta(days=1)
            self.new_session(lab, mid, hours, day, room, (lab["key"], mid, day - timedelta(days=day.weekday())),
                             owner=self.demo_instructor)

    def update_booked_counts(self) -> None:
        table = db.metadata.tables["lab_sessions"]
        rows = [{"sid": s["id"], "bc": s["_booked"], "cap": s["capacity"]}
                for s in self.sessions.values() if s["_booked"] or s.get("_capacity_changed")]
        stmt = sa.update(table).where(table.c.id == sa.bindparam("sid")).values(
            booked_count=sa.bindparam("bc"), capacity=sa.bindparam("cap"))
        for i in range(0, len(rows), INSERT_BATCH):
            db.session.execute(stmt, rows[i:i + INSERT_BATCH], execution_options={"synchronize_session": False})

