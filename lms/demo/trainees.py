"""The demo trainees: accounts, consents and cohort memberships (the demo trainee
first, then the generated ones), and each enrollment simulated module by module:
lesson progress and quiz attempts that follow the quiz rules. Practicals are booked
and signed off by ``lms.demo.labs``.

A mixin of ``lms.demo.seed._Seeder``: it uses the seeder's RNG and row buffers, so
its draws come in the same order as always.
"""
from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from lms.core.ratio import meets_percent, percent_floor
from lms.demo.common import DEMO_EMAILS, _Course, _kst


class TraineesMixin:
    """Trainee accounts, their enrollments, module progress and quiz attempts."""

    # -------------------------------------------------------------- trainees
    def random_day(self) -> date:
        year = self.years.pick(self.rng)
        start = date(year, 1, 2)
        end = min(date(year, 12, 28), self.today)
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def birth_date(self) -> date | None:
        if self.rng.random() < 0.25:
            return None
        year = int(self.rng.triangular(1965, 2003, 1988))
        return date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def make_demo_trainee(self) -> None:
        """trainee@demo.kr: a member of the demo cohort, one certificate, two courses in progress."""
        cohort = self.demo_cohort
        company = self.companies[0]
        day = self.today - timedelta(days=120)
        created = _kst(day, 10)
        user = self.user_row(email=DEMO_EMAILS["trainee"], name="이하늘", role="trainee", created=created,
                             company_id=company["id"], birth_date=date(1992, 5, 14), phone="010-1234-5678")
        self.demo_trainee_row = user
        self.consents(user, created)
        self.add("cohort_members", dict(id=self.nid("cohort_members"), cohort_id=cohort["id"], user_id=user["id"],
                                        sponsor_company_id=company["id"], student_number=f"{cohort['intake_year']}0001",
                                        joined_at=_kst(cohort["starts_on"], 10)))
        ctx = dict(user=user, busy=set(), lab=self.labs["changwon"], company=company)
        cohort_courses = list(cohort["_courses"])
        rest = [c for c in self.courses if c not in cohort_courses]
        online = [c for c in rest if not c.has_practical] or rest
        # A finished online course with a valid certificate...
        first = online[0] if online else cohort_courses.pop()
        last_activity = [self.enrollment(ctx, first, _kst(day, 11), None, None, None, fate=("complete", None),
                                         fast=True, cert_kind="normal")]
        # ...and the cohort's courses under way: one early on, one with a practical coming up.
        prac = [c for c in cohort_courses if c.has_practical]
        if prac and cohort_courses[0] is prac[0]:
            # Every member of the cohort takes its first course: classmates for the waitlist.
            self.demo_course_id = prac[0].id
        other = [c for c in cohort_courses if c not in prac[:1]]
        start = max(_kst(cohort["starts_on"], 10), self.now - timedelta(days=40))
        if prac:
            course = prac[0]
            stop = next(i for i, m in enumerate(course.modules) if m[1] == "practical")
            last_activity.append(self.enrollment(ctx, course, start, cohort, cohort["_prog"], company,
                                                 fate=("upcoming", stop), fast=True))
        if other:
            course = other[0]
            last_activity.append(self.enrollment(ctx, course, start + timedelta(days=3), cohort, cohort["_prog"], company,
                                                 fate=("stall", max(1, len(course.modules) // 2)), fast=True))
        user["last_active_at"] = user["last_login_at"] = self.now - timedelta(hours=5)

    def consents(self, user: dict, when: datetime) -> None:
        rng = self.rng
        for item, required, p in (("terms", True, 1.0), ("privacy_required", True, 1.0), ("marketing", False, 0.35),
                                  ("third_party", False, 0.55)):
            self.add("consent_records", dict(id=self.nid("consent_records"), user_id=user["id"], item=item,
                                             required=required, granted=rng.random() < p,
                                             text_version=self.consent_version, recorded_at=when))

    def make_trainee(self, i: int) -> None:
        rng = self.rng
        idx = self.trainee_offset + i + 1
        r = rng.random()
        channel = "contract" if r < 0.10 else "smart_lab" if r < 0.40 else "online"
        if i < 5:  # the demo instructor's current cohort always has members
            channel = "demo"
        cohort = prog = sponsor = None
        if channel == "demo":
            cohort = self.demo_cohort
        elif channel != "online":
            year = self.years.pick(rng)
            term = 1 if rng.random() < 0.6 else 2
            keys = [k for k, p in self.programmes.items() if p["kind"] == ("contract" if channel == "contract" else "smart_lab")]
            key = rng.choice(keys)
            cohort = self.cohorts_by.get((key, year, term)) or self.cohorts_by.get((key, year, 1))
        if cohort is not None:
            prog = cohort["_prog"]
            cohort_start = _kst(cohort["starts_on"], 10)
        company = None
        if prog is not None and prog["kind"] == "contract":
            company = rng.choice(self.sponsors[prog["id"]])
        elif rng.random() < 0.8:
            company = rng.choice(self.companies)
        sponsor = company if cohort is not None else None

        # First contact: shortly before the cohort starts, or a year-weighted day.
        if cohort is not None:
            first = cohort_start - timedelta(days=rng.randint(1, 30))
        else:
            first = _kst(self.random_day(), rng.randint(8, 22), rng.randint(0, 59))
        created = first
        email = f"trainee{idx:06d}@example.kr"
        user = self.user_row(email=email, name=self.person_name(), role="trainee", created=created,
                             company_id=company["id"] if company else None, birth_date=self.birth_date(),
                             phone=f"010-{rng.randint(2000, 9999)}-{rng.randint(0, 9999):04d}" if rng.random() < 0.4 else None)
        self.consents(user, created)
        if cohort is not None:
            self.add("cohort_members", dict(
                id=self.nid("cohort_members"), cohort_id=cohort["id"], user_id=user["id"],
                sponsor_company_id=sponsor["id"] if sponsor else None,
                student_number=f"{cohort['intake_year']}{idx % 10000:04d}" if prog["kind"] == "contract" else None,
                joined_at=cohort_start))
        lab = self.labs[cohort["_lab"]] if cohort is not None and cohort["_lab"] else rng.choice(list(self.labs.values()))
        ctx = dict(user=user, busy=set(), lab=lab, company=company)

        chosen: list[_Course] = []
        plan: list[tuple] = []  # (course, start, cohort?, programme?, sponsor?)
        if cohort is not None:
            k = rng.choice((3, 3, 4, 4)) if prog["kind"] == "contract" else rng.choice((1, 2, 2, 3))
            for j, course in enumerate(cohort["_courses"][:k]):
                chosen.append(course)
                plan.append((course, cohort_start + timedelta(days=j * rng.randint(14, 40), minutes=rng.randint(0, 600)),
                             cohort, prog, sponsor))
            extra = rng.choice((1, 1, 2, 2)) if prog["kind"] == "contract" else rng.choice((1, 2, 2, 3))
            t = cohort_start
        else:
            extra = rng.choice((2, 3, 3, 4, 4, 5, 5, 6, 7))
            t = first
        for _ in range(extra):
            for _attempt in range(6):
                course = self.course_weight.pick(rng)
                if course not in chosen:
                    break
            else:
                continue
            chosen.append(course)
            t = t + timedelta(days=int(rng.expovariate(1 / 25.0)), minutes=rng.randint(0, 900))
            if t > self.now:
                break
            plan.append((course, t, None, None, None))
        last = []
        for n, (course, start, c, p, s) in enumerate(plan):
            if start > self.now:
                continue
            # Two classmates of the demo trainee have not started the cohort's first course
            # yet: they wait for a seat in the demo trainee's full session.
            fate = ("stall", 0) if channel == "demo" and i >= 3 and n == 0 else None
            last.append(self.enrollment(ctx, course, start, c, p, s, fate=fate))
        last = [x for x in last if x is not None]
        if last:
            la = max(last)
            user["last_active_at"] = user["last_login_at"] = min(self.now, la + timedelta(minutes=rng.randint(1, 90)))

    # -------------------------------------------------------------- one enrollment
    def enrollment(self, ctx: dict, course: _Course, start: datetime, cohort, prog, sponsor, *,
                   fate: tuple | None = None, fast: bool = False, cert_kind: str | None = None) -> datetime | None:
        """Simulate one enrollment from ``start``; write it and its progress. Returns the last activity."""
        rng = self.rng
        user = ctx["user"]
        mods = course.modules
        if fate is None:
            r = rng.random()
            if r < 0.64:
                fate = ("complete", None)
            elif r < 0.72:
                fate = ("withdraw", rng.randrange(len(mods)))
            else:
                fate = ("stall", rng.randrange(len(mods)))
        kind, stop = fate
        eid = self.nid("enrollments")
        enr = self.add("enrollments", dict(
            id=eid, user_id=user["id"], course_id=course.id, cohort_id=cohort["id"] if cohort else None,
            programme_id=prog["id"] if prog else None, sponsor_company_id=sponsor["id"] if sponsor else None,
            status="active", enrolled_at=start, completed_at=None, withdrawn_at=None, last_module_id=None,
            last_activity_at=start, renews_id=None))
        t = start
        last_done = None  # when the latest module was completed
        activity = start  # the latest thing the trainee did (never after now)
        finished = True
        last_module = None
        for pos, (mid, mkind, hours, extra, equipment) in enumerate(mods):
            if t > self.now:
                finished = False
                break
            activity = t
            gap = timedelta(hours=rng.uniform(0.2, 30)) if fast else timedelta(hours=rng.expovariate(1 / 70.0))
            stopping = stop is not None and pos == stop and kind in ("stall", "withdraw", "upcoming")
            last_module = mid
            if mkind == "lesson":
                done = t + timedelta(minutes=rng.randint(8, 30 + int(hours * 40)))
                if stopping or done > self.now:
                    self.progress(eid, mid, t, None)
                    finished = False
                    break
                self.progress(eid, mid, t, done)
                last_done = activity = done
                t = done + gap
            elif mkind == "quiz":
                ok, t_end = self.quiz(eid, mid, extra, t, fail_only=stopping)
                if not ok or t_end > self.now:
                    self.progress(eid, mid, t, None)
                    finished = False
                    activity = min(t_end, self.now)
                    break
                self.progress(eid, mid, t, t_end)
                last_done = activity = t_end
                t = t_end + gap
            else:  # practical: book a lab session, attend, get signed off
                ok, t_end = self.practical(ctx, eid, mid, hours, extra, equipment, t, kind if stopping else "complete",
                                           cohort, fast)
                if not ok:
                    # Booked (maybe upcoming) but not passed: the module is under way.
                    self.progress(eid, mid, min(t_end or t, self.now), None)
                    finished = False
                    activity = min(t_end or t, self.now)
                    break
                self.progress(eid, mid, t, t_end)
                last_done = activity = t_end
                t = t_end + gap
        enr["last_module_id"] = last_module
        enr["last_activity_at"] = activity
        if finished and kind == "complete" and last_done is not None:
            enr["status"] = "completed"
            enr["completed_at"] = last_done
            self.queue_certificate(enr, course, prog, ctx, last_done, cert_kind)
        elif kind == "withdraw":
            w = activity + timedelta(days=rng.randint(1, 30))
            if w <= self.now:
                enr["status"] = "withdrawn"
                enr["withdrawn_at"] = w
        if course.id == self.demo_course_id and cohort is self.demo_cohort and enr["status"] == "active" \
                and user is not self.demo_trainee_row:
            self.demo_peers.append((user["id"], eid))
        return activity

    def progress(self, eid: int, mid: int, started: datetime, completed: datetime | None) -> None:
        self.add("module_progress", dict(id=self.nid("module_progress"), enrollment_id=eid, module_id=mid,
                                         status="completed" if completed else "started", started_at=started,
                                         completed_at=completed))

    def quiz(self, eid: int, mid: int, spec: dict | None, t: datetime, *, fail_only: bool) -> tuple[bool, datetime]:
        """Write attempts; returns (passed, time of the last attempt)."""
        rng = self.rng
        if not spec or not spec["questions"]:
            return (not fail_only), t + timedelta(minutes=5)
        q = spec.get("per_attempt") or len(spec["questions"])  # questions each attempt draws
        need = math.ceil(spec["pass_mark"] * q / 100)
        if fail_only:
            attempts = [False] * rng.randint(1, spec["max_attempts"])
        else:
            attempts = [False, True] if rng.random() < 0.18 and spec["max_attempts"] > 1 else [True]
        for passed in attempts:
            begun = t
            t = t + timedelta(minutes=rng.randint(4, 25))
            correct = rng.randint(need, q) if passed else rng.randint(max(0, need - 3), max(0, need - 1))
            right = set(rng.sample(range(q), correct))
            bank = len(spec["questions"])
            drawn = sorted(rng.sample(range(bank), q)) if q < bank else list(range(bank))
            order, answers = {}, {}
            for k, (qid, choices, answer, wrong) in enumerate(spec["questions"][i] for i in drawn):
                shown = list(choices)
                if spec["shuffle"]:
                    rng.shuffle(shown)
                order[qid] = shown
                answers[qid] = answer if k in right else rng.choice(wrong)
            # The pass is decided on the exact ratio, as the quiz service does; the score is display only.
            self.add("quiz_attempts", dict(id=self.nid("quiz_attempts"), enrollment_id=eid, module_id=mid,
                                           started_at=begun, submitted_at=t, choice_order=order, answers=answers,
                                           question_ids=[spec["questions"][i][0] for i in drawn],
                                           correct_count=correct, score=percent_floor(correct, q, 2),
                                           passed=meets_percent(correct, q, spec["pass_mark"])))
            if t > self.now:
                return False, t
            t = t + timedelta(hours=rng.uniform(0.5, 48)) if not passed else t
        return attempts[-1], t

