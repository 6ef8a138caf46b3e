"""Deterministic, realistic demo data at scale: ``seed_demo(trainees, seed)``.

One ``random.Random(seed)`` drives every choice and every generated date is
relative to a fixed "today" (``TODAY``, 2026-11-20), so two runs with the same
arguments into fresh databases write the same rows.

Speed (N=100,000 means ~100k users, ~400k enrollments and millions of progress
rows): rows are built as plain dicts and written in chunks, never through ORM
objects: ``COPY FROM STDIN`` on PostgreSQL and the driver's ``executemany`` on
SQLite, inside the session's transaction (see ``_write_rows``). Integer primary keys are
pre-assigned (after the current max id of each table), so children reference
their parents without a round trip; on PostgreSQL the id sequences are moved
past the seeded ids at the end. Trainees are generated and written chunk by
chunk, so memory stays flat; only certificates are held back until the end,
because their numbers (``YYYY-NNNNNN``, gap-free per year) follow issue order
across all trainees.

The demo password is hashed once and the hash reused for every generated
account: a single scrypt hash costs tens of milliseconds, so hashing 100,000
passwords would take over an hour, and unique salts buy nothing for throwaway
demo accounts whose shared password is published in the README.

Verification codes come from the seeded RNG (192 bits, URL-safe) so the demo is
reproducible; real certificates get theirs from ``secrets``.

The seed writes tables directly (other packages' services are for one request
at a time and are written concurrently with this one), following the rules
those services enforce: a practical is passed by the latest non-superseded
sign-off, completion needs every module and at least 80% attendance, a full
session waitlists, certificates carry the CONTRACTS.md snapshot keys.
"""
from __future__ import annotations

import base64
import bisect
import calendar
import itertools
import json
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable

import sqlalchemy as sa
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from lms.certificates.pdf import LAYOUT as CERTIFICATE_LAYOUT
from lms.core.ratio import meets_percent, percent_floor
from lms.demo import data as D
from lms.demo.meisters import demo_complex_ids, plan_meisters, seed_meisters, write_meisters
from lms.demo.onsite import workplace_practical
from lms.errors import Conflict, DomainError
from lms.extensions import db

TODAY = date(2026, 11, 20)
KST = timezone(timedelta(hours=9))
UTC = timezone.utc
DEMO_PASSWORD = "demo1234!"
DEMO_EMAILS = {"trainee": "trainee@demo.kr", "instructor": "instructor@demo.kr",
               "ministry": "ministry@demo.kr", "admin": "admin@demo.kr"}
# Ministry and admin accounts need a second factor. The two demo ones (and only they, only
# in this demo seed) come enrolled with this published TOTP secret so that anyone can try
# them: add it to an authenticator app, or print a code with
# ``python -c "import pyotp; print(pyotp.TOTP('SMARTFACTORYDEMOSMARTFACTORYDEMO').now())"``.
DEMO_TOTP_SECRET = "SMARTFACTORYDEMOSMARTFACTORYDEMO"
FIRST_YEAR = 2019
# Share of trainees who register in each year: the programme grew until 2025.
YEAR_WEIGHTS = {2019: 4, 2020: 6, 2021: 9, 2022: 12, 2023: 14, 2024: 17, 2025: 20, 2026: 18}
TARGET_COUNT = 100_000
# The 2018 plan aimed at 2022; the demo's editable target uses the extended date
# that gives the dashboard a live forecast instead of a long-missed deadline.
TARGET_DATE = date(2027, 12, 31)

# Tables in foreign-key order: a chunk is written in this order.
TABLE_ORDER = (
    "institutions", "companies", "users", "consent_records", "programmes", "programme_sponsors",
    "cohorts", "cohort_courses", "cohort_instructors", "smart_labs", "lab_rooms", "equipment",
    "lab_instructors", "cohort_members", "enrollments", "module_progress", "quiz_attempts",
    "lab_sessions", "bookings", "attendance", "practical_signoffs", "certificate_counters",
    "certificates", "audit_events", "targets",
)
INSERT_BATCH = 5000


class NoCourses(DomainError):
    """The catalogue is empty: run ``flask courses sync`` before seeding."""


@dataclass
class SeedReport:
    """What a seed run wrote: rows per table and the seconds it took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    trainees: int = 0
    seed: int = 0

    @property
    def total_rows(self) -> int:
        return sum(self.counts.values())


# ------------------------------------------------------------------ helpers

def business_number_is_valid(number: str) -> bool:
    """The 사업자등록번호 check digit rule (weights 1,3,7,1,3,7,1,3,5)."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) != 10:
        return False
    weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
    total = sum(d * w for d, w in zip(digits, weights)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10 == digits[9]


def _kst(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A Korean wall-clock time on ``day`` as an aware UTC datetime."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST).astimezone(UTC)


def _kst_date(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def _add_months(moment: datetime, months: int) -> datetime:
    """Certificate expiry as the application computes it (Korean calendar date, clamped)."""
    from lms.core.timeutil import add_months_kst

    return add_months_kst(moment, months)


class _Weighted:
    """Fast weighted choice from fixed (value, weight) pairs with a given RNG."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


# ------------------------------------------------------------------ bulk writing

def _sqlite_datetime(v: datetime) -> str:
    # SQLAlchemy's SQLite DateTime format, always with microseconds so that
    # string comparison in SQL orders the values correctly.
    if v.utcoffset():
        v = v.astimezone(UTC)
    return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}"
            f".{v.microsecond:06d}")


def _converter(column: sa.Column, dialect: str):
    """Turn a Python value into what the driver takes for ``column`` (None passes through)."""
    from lms.core.db import UTCDateTime

    t = column.type
    if isinstance(t, sa.JSON):
        return json.dumps
    if dialect == "postgresql":
        if isinstance(t, UTCDateTime):
            return lambda v: v.astimezone(UTC) if v.tzinfo is None or v.utcoffset() else v
        return None
    if isinstance(t, UTCDateTime):
        return _sqlite_datetime
    if isinstance(t, sa.DateTime):
        return None
    if isinstance(t, sa.Date):
        return date.isoformat
    if isinstance(t, sa.Boolean):
        return int
    return None


def _write_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` as fast as the driver allows.

    SQLAlchemy's executemany spends most of its time processing bind
    parameters row by row; here values are converted once per column by a
    plain function and handed to the driver inside the session's transaction:
    ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3), ``executemany`` on
    SQLite. Other databases fall back to Core ``insert()``.
    """
    conn = db.session.connection()
    dialect = conn.dialect.name
    names = list(rows[0].keys())
    columns = [table.c[n] for n in names]  # KeyError on a typo rather than a silent drop
    if dialect not in ("sqlite", "postgresql") or conn.dialect.driver != ("psycopg" if dialect == "postgresql" else "pysqlite"):
        for i in range(0, len(rows), INSERT_BATCH):
            conn.execute(insert(table), rows[i:i + INSERT_BATCH])
        return
    convs = [_converter(c, dialect) for c in columns]
    plan = list(zip(names, convs))

    def tuples(chunk):
        for r in chunk:
            yield tuple(r[n] if (conv is None or r[n] is None) else conv(r[n]) for n, conv in plan)

    raw = conn.connection.driver_connection
    collist = ", ".join(f'"{n}"' for n in names)
    if dialect == "postgresql":
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({collist}) FROM STDIN') as copy:
                for t in tuples(rows):
                    copy.write_row(t)
        return
    sql = f'INSERT INTO "{table.name}" ({collist}) VALUES ({", ".join("?" for _ in names)})'  # nosec B608 # table and column names from the SQLAlchemy metadata, values bound
    cur = raw.cursor()
    try:
        for i in range(0, len(rows), INSERT_BATCH * 4):
            cur.executemany(sql, list(tuples(rows[i:i + INSERT_BATCH * 4])))
    finally:
        cur.close()


# ------------------------------------------------------------------ the seeder

@dataclass
class _Course:
    id: int
    code: str
    title_ko: str
    title_en: str
    hours: int
    valid_for_months: int | None
    pass_mark: int
    modules: list  # [(id, kind, hours, quiz spec | checklist | None, equipment)]
    has_practical: bool
    level: str


class _Seeder:
    def __init__(self, trainees: int, seed: int, today: date, chunk_size: int,
                 on_chunk: Callable[[], None] | None, log: Callable[[str], None] | None):
        self.n = trainees
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        # "Now" of the generated world: the evening of the fixed today, or the real time when
        # that evening has not come yet (`--today now` in the morning): nothing is dated ahead.
        from lms.core.db import utcnow as _real_now

        self.now = min(_kst(today, 18, 0), _real_now().replace(microsecond=0))
        self.chunk_size = chunk_size
        self.on_chunk = on_chunk
        self.log = log or (lambda msg: None)
        self.report_progress = lambda done, total: None
        self.buf: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.next_id: dict[str, int] = {}
        self.surnames = _Weighted(D.SURNAMES)
        self.given = _Weighted(D.GIVEN_NAMES)
        self.years = _Weighted(sorted((y, w) for y, w in YEAR_WEIGHTS.items() if y <= today.year))
        self.certs: list[dict] = []
        self.corrected = False  # has a sign-off correction been written yet?
        self.booking_counts: dict[str, int] = defaultdict(int)
        self.demo_session = None  # the demo trainee's upcoming session
        self.demo_booking = None  # (user id, enrollment id) of that booking
        self.demo_course_id = None
        self.demo_peers: list[tuple[int, int]] = []  # cohort mates still working on the same course
        self.password_hash = generate_password_hash(DEMO_PASSWORD)

    # -------------------------------------------------------------- plumbing
    def nid(self, table: str) -> int:
        if table not in self.next_id:
            t = db.metadata.tables[table]
            current = db.session.execute(select(func.max(t.c.id))).scalar() or 0
            self.next_id[table] = current
        self.next_id[table] += 1
        return self.next_id[table]

    def add(self, table: str, row: dict) -> dict:
        self.buf[table].append(row)
        return row

    def flush(self) -> None:
        """Write every buffered row in foreign-key order, then empty the buffers."""
        for name in TABLE_ORDER:
            rows = self.buf.pop(name, None)
            if not rows:
                continue
            _write_rows(db.metadata.tables[name], rows)
            self.counts[name] += len(rows)
        assert not self.buf, f"tables missing from TABLE_ORDER: {list(self.buf)}"
        if self.on_chunk:
            self.on_chunk()

    def rand_dt(self, start: datetime, end: datetime) -> datetime:
        span = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, span))

    def person_name(self) -> str:
        return self.surnames.pick(self.rng) + self.given.pick(self.rng)

    # -------------------------------------------------------------- run
    def run(self) -> SeedReport:
        started = time.perf_counter()
        from lms.accounts.models import User

        taken = db.session.execute(select(User.email).where(User.email.in_(list(DEMO_EMAILS.values())))).scalars().all()
        if taken:
            raise Conflict(f"demo data already present ({', '.join(sorted(taken))}); seed into an empty database")
        self.load_courses()
        from lms.orgs.seed import load_reference_data

        load_reference_data()
        from flask import current_app

        self.consent_version = current_app.config.get("CONSENT_VERSION", "1")
        self.trainee_offset = self.existing_trainee_offset()
        self.make_institutions()
        self.make_companies()
        self.make_staff()
        self.make_programmes()
        self.make_labs()
        plan_meisters(self)  # placements first: trainees of their companies may be assessed at work
        self.flush()
        write_meisters(self, _write_rows)
        self.log(f"reference, institutions, companies, programmes: {time.perf_counter() - started:.1f}s")

        self.sessions_by_key: dict[tuple, list[dict]] = defaultdict(list)
        self.room_days: dict[tuple, set] = defaultdict(set)  # (lab_id, day) -> used room ids
        self.sessions: dict[int, dict] = {}
        self.make_demo_trainee()
        done = 0
        while done < self.n:
            size = min(self.chunk_size, self.n - done)
            for i in range(done, done + size):
                self.make_trainee(i)
            done += size
            self.flush()
            self.log(f"trainees {done}/{self.n}: {time.perf_counter() - started:.1f}s")
            self.report_progress(done, self.n)

        self.enrol_demo_second_factor()
        self.ensure_demo_instructor_sessions()
        self.ensure_booking_states()
        self.flush()
        self.update_booked_counts()
        self.write_certificates()
        self.write_target()
        self.flush()
        seed_meisters(self, _write_rows)
        self.fix_sequences()
        from lms.labs import awaiting

        awaiting.recount(db.session)  # bookings, sign-offs and attendance were written directly
        from lms.labs import kept_progress

        kept_progress.recount(db.session)  # so were progress rows, attempts and sign-offs
        # Bulk-loaded tables get fresh planner statistics (autovacuum may be off).
        from lms.core.db import analyze

        analyze(db.session, [name for name, n in self.counts.items() if n])
        report = SeedReport(counts=dict(self.counts), seconds=time.perf_counter() - started,
                            trainees=self.n, seed=self.seed)
        return report

    def enrol_demo_second_factor(self) -> None:
        """The demo ministry and admin accounts come with DEMO_TOTP_SECRET enrolled."""
        from lms.accounts.models import User
        from lms.accounts.second_factor import seal

        db.session.execute(sa.update(User).where(User.id.in_([self.admin["id"], self.ministry["id"]]))
                           .values(totp_secret=seal(DEMO_TOTP_SECRET), totp_enabled_at=self.now))

    def existing_trainee_offset(self) -> int:
        from lms.accounts.models import User

        return db.session.execute(
            select(func.count()).select_from(User).where(User.email.like("trainee%@example.kr"))).scalar() or 0

    # -------------------------------------------------------------- catalogue
    def load_courses(self) -> None:
        from lms.catalog.models import Course, Module

        courses = db.session.execute(select(Course).order_by(Course.code)).scalars().all()
        self.courses: list[_Course] = []
        self.workplace_modules: set[int] = set()  # practicals a meister may sign off at the workplace
        for c in courses:
            mods = db.session.execute(
                select(Module).where(Module.course_id == c.id, Module.retired_at.is_(None)).order_by(Module.position)
            ).scalars().all()
            if not mods:
                continue
            specs = []
            for m in mods:
                data = m.data or {}
                extra, equipment = None, ()
                if m.kind == "quiz":
                    extra = self.quiz_spec(data, c.pass_mark)
                elif m.kind == "practical":
                    extra = [item.get("id") for item in data.get("checklist") or [] if item.get("id")] or ["c1"]
                    equipment = tuple(data.get("equipment") or ())
                    if data.get("workplace_assessment") is True:
                        self.workplace_modules.add(m.id)
                specs.append((m.id, m.kind, float(m.hours or 0), extra, equipment))
            self.courses.append(_Course(
                id=c.id, code=c.code, title_ko=c.title_ko, title_en=c.title_en, hours=c.hours or 0,
                valid_for_months=c.valid_for_months, pass_mark=c.pass_mark or 60, modules=specs,
                has_practical=any(s[1] == "practical" for s in specs), level=c.level or "beginner"))
        if not self.courses:
            raise NoCourses("no courses in the database: run `flask courses sync` first")
        self.course_weight = _Weighted([(c, {"beginner": 5, "intermediate": 3, "advanced": 1}.get(c.level, 2))
                                        for c in self.courses])
        self.practical_courses = [c for c in self.courses if c.has_practical] or self.courses

    @staticmethod
    def quiz_spec(data: dict, course_pass_mark: int) -> dict:
        questions = []
        for q in data.get("questions") or []:
            choices = [c.get("id") for c in q.get("choices") or []]
            answer = sorted(q.get("answer") or [])
            wrong = [[c] for c in choices if [c] != answer]
            if len(answer) > 1:
                wrong.append(answer[:-1])
            questions.append((q.get("id"), choices, answer, wrong or [[]]))
        per = min(int(data.get("questions_per_attempt") or len(questions)), len(questions))
        return {"pass_mark": data.get("pass_mark") or course_pass_mark, "max_attempts": data.get("max_attempts") or 3,
                "shuffle": data.get("shuffle", True), "questions": questions, "per_attempt": per}

    # -------------------------------------------------------------- organisations
    def make_institutions(self) -> None:
        ts = _kst(date(2018, 12, 20))
        self.institutions: dict[str, dict] = {}

        def inst(key, name_ko, name_en, kind, region, head_title_ko, head_title_en, head_ko, head_en):
            row = self.add("institutions", dict(
                id=self.nid("institutions"), name_ko=name_ko, name_en=name_en, kind=kind, region_code=region,
                head_title_ko=head_title_ko, head_title_en=head_title_en, head_name_ko=head_ko, head_name_en=head_en,
                seal_png=None, logo_png=None, is_active=True, created_at=ts, updated_at=ts))
            self.institutions[key] = row

        for key, ko, en, region, *_rest, head_ko, head_en in D.UNIVERSITIES:
            inst(key, ko, en, "university", region, "총장", "President", head_ko, head_en)
        for op in D.LAB_OPERATORS:
            inst(op["key"], op["name_ko"], op["name_en"], "lab_operator", op["region"], op["head_title_ko"],
                 op["head_title_en"], op["head_ko"], op["head_en"])
        oc = D.ONLINE_CENTRE
        inst("online", oc["name_ko"], oc["name_en"], "training_centre", oc["region"], oc["head_title_ko"],
             oc["head_title_en"], oc["head_ko"], oc["head_en"])

    def make_companies(self) -> None:
        from lms.orgs.models import Company

        rng = self.rng
        count = max(30, min(5000, self.n // 20))
        used_names = set(db.session.execute(select(Company.name)).scalars())
        used_numbers = set(n for n in db.session.execute(select(Company.business_number)).scalars() if n)
        forms = _Weighted(D.COMPANY_FORMS)
        ksic = _Weighted([((code, root), w) for code, root, w in D.KSIC_CODES])
        sizes = _Weighted(D.SIZE_WEIGHTS)
        levels = _Weighted(D.LEVEL_WEIGHTS)
        regions = _Weighted([(code, spec[0]) for code, spec in D.REGIONS.items()])
        complex_ids = demo_complex_ids()
        self.companies: list[dict] = []
        for _ in range(count):
            for attempt in range(50):
                stem = rng.choice(D.COMPANY_STEM_FIRST) + rng.choice(D.COMPANY_STEM_SECOND)
                word = rng.choice(D.COMPANY_WORDS)
                form = forms.pick(rng)
                name = f"{form}{stem}{word}" if form != "(유)" else f"{stem}{word}(유)"
                if attempt > 20:  # the syllable space is exhausted: add a place-like suffix
                    name = f"{name} {rng.choice(('제2공장', '창원', '시화', '구미', '울산', '인천'))}"
                if name not in used_names:
                    break
            used_names.add(name)
            corporate = form in ("(주)", "주식회사 ")
            while True:
                head = rng.randint(101, 899)
                mid = rng.choice((81, 86, 87, 88)) if corporate else rng.randint(1, 79)
                tail4 = rng.randint(0, 9999)
                digits = [int(c) for c in f"{head:03d}{mid:02d}{tail4:04d}"]
                weights = (1, 3, 7, 1, 3, 7, 1, 3, 5)
                total = sum(d * w for d, w in zip(digits, weights)) + (digits[8] * 5) // 10
                check = (10 - total % 10) % 10
                # Deliberately wrong check digit: no demo firm can pass for a real one.
                last = (check + 1 + rng.randrange(9)) % 10
                number = f"{head:03d}-{mid:02d}-{tail4:04d}{last}"
                if number not in used_numbers:
                    used_numbers.add(number)
                    break
            code, root = ksic.pick(rng)
            region = regions.pick(rng)
            complexes = D.REGIONS[region][1]
            complex_name = None if rng.random() < 0.3 else rng.choice(complexes)
            ts = self.rand_dt(_kst(date(2018, 12, 20)), _kst(date(2026, 6, 30)))
            row = self.add("companies", dict(
                id=self.nid("companies"), name=name, business_number=number, ksic_code=code,
                size_code=sizes.pick(rng), region_code=region, industrial_complex_id=complex_ids.get(complex_name),
                root_technology_code=root,
                smart_factory_level_code=levels.pick(rng), cuts_working_hours=rng.random() < 0.25,
                is_root_industry=root is not None, created_at=ts, updated_at=ts))
            self.companies.append(row)

    def user_row(self, *, email: str, name: str, role: str, created: datetime, institution_id=None,
                 company_id=None, birth_date=None, phone=None, last_active: datetime | None = None) -> dict:
        return self.add("users", dict(
            id=self.nid("users"), email=email, name=name, password_hash=self.password_hash, birth_date=birth_date,
            phone=phone, locale="ko", role=role, institution_id=institution_id, company_id=company_id, active=True,
            session_version=1, last_login_at=last_active, last_active_at=last_active, created_at=created,
            updated_at=created))

    def make_staff(self) -> None:
        base = _kst(date(2019, 1, 2))
        recent = lambda: self.rand_dt(self.now - timedelta(days=20), self.now)  # noqa: E731
        self.admin = self.user_row(email=DEMO_EMAILS["admin"], name="관리자", role="admin", created=base,
                                   last_active=recent())
        self.ministry = self.user_row(email=DEMO_EMAILS["ministry"], name="중기부 담당자", role="ministry",
                                      created=base, last_active=recent())
        for i in range(2):
            self.user_row(email=f"ministry{i + 1:02d}@example.kr", name=self.person_name(), role="ministry",
                          created=base, last_active=recent())
        # Instructors: a few per institution, more when the seed is large.
        per_inst = max(2, min(25, self.n // 4000))
        self.instructors: dict[str, list[dict]] = {}
        k = 0
        for key, inst in self.institutions.items():
            rows = []
            for _ in range(per_inst + (1 if inst["kind"] == "lab_operator" else 0)):
                k += 1
                rows.append(self.user_row(email=f"instructor{k:04d}@example.kr", name=self.person_name(),
                                          role="instructor", created=base, institution_id=inst["id"],
                                          last_active=self.rand_dt(self.now - timedelta(days=60), self.now)))
            self.instructors[key] = rows
        self.demo_instructor = self.user_row(
            email=DEMO_EMAILS["instructor"], name="김교수", role="instructor", created=base,
            institution_id=self.institutions["changwon"]["id"], last_active=recent())
        self.instructors["changwon"].append(self.demo_instructor)
        self.all_instructors = [r for rows in self.instructors.values() for r in rows]

    def make_programmes(self) -> None:
        rng = self.rng
        ts = _kst(date(2019, 1, 15))
        self.programmes: dict[str, dict] = {}
        self.cohorts: list[dict] = []
        self.cohorts_by: dict[tuple, dict] = {}
        self.sponsors: dict[int, list[dict]] = {}
        contract_share = 0.10
        years_weight = sum(YEAR_WEIGHTS.values())

        def programme(key, inst_key, kind, name_ko, name_en, contract_type=None, quota=None):
            row = self.add("programmes", dict(
                id=self.nid("programmes"), institution_id=self.institutions[inst_key]["id"], kind=kind,
                name_ko=name_ko, name_en=name_en, contract_type=contract_type, quota=quota, is_active=True,
                created_at=ts, updated_at=ts))
            self.programmes[key] = row
            return row

        per_cohort = self.n * contract_share / len(D.UNIVERSITIES) * (max(YEAR_WEIGHTS.values()) / years_weight) / 2
        for key, ko, en, _region, dept_ko, dept_en, ctype, *_ in D.UNIVERSITIES:
            quota = max(20, int(math.ceil(per_cohort * 2 / 10.0)) * 10)
            p = programme(key, key, "contract", f"{ko} {dept_ko} ({D.CONTRACT_TYPE_KO[ctype]})",
                          f"{en}, {dept_en} ({D.CONTRACT_TYPE_EN[ctype]})", ctype, quota)
            sponsors = rng.sample(self.companies, min(len(self.companies), rng.randint(3, 8)))
            self.sponsors[p["id"]] = sponsors
            for s in sponsors:
                self.add("programme_sponsors", dict(programme_id=p["id"], company_id=s["id"]))
        for op in D.LAB_OPERATORS:
            programme(f"lab_{op['key']}", op["key"], "smart_lab", f"{op['lab_ko']} 운영인력 양성과정",
                      f"{op['lab_en']} operator training")
        programme("online", "online", "online", "스마트공장 온라인 과정", "Smart factory online courses")

        for key, prog in self.programmes.items():
            if prog["kind"] == "online":
                continue
            inst_key = key[4:] if key.startswith("lab_") else key
            for year in range(FIRST_YEAR, self.today.year + 1):
                for term in (1, 2):
                    start = date(year, 3, 2) if term == 1 else date(year, 9, 1)
                    if start > self.today:
                        continue
                    end = date(year, 8, 31) if term == 1 else date(year + 1, 2, calendar.monthrange(year + 1, 2)[1])
                    row = self.add("cohorts", dict(
                        id=self.nid("cohorts"), programme_id=prog["id"], intake_year=year, term=term,
                        label=f"{year}-{term}기", starts_on=start, ends_on=end,
                        created_at=_kst(start) - timedelta(days=30), updated_at=_kst(start) - timedelta(days=30)))
                    # The generator's view of a cohort: the row plus helper keys never written.
                    c = dict(row, _prog=prog, _lab=inst_key if prog["kind"] == "smart_lab" else None)
                    pool = self.practical_courses if prog["kind"] == "smart_lab" else self.courses
                    c["_courses"] = sorted(rng.sample(pool, min(len(pool), rng.randint(3, 4))), key=lambda x: x.code)
                    for course in c["_courses"]:
                        self.add("cohort_courses", dict(cohort_id=c["id"], course_id=course.id))
                    pool = [t for t in self.instructors[inst_key] if t is not self.demo_instructor]
                    c["_teachers"] = rng.sample(pool, min(2, len(pool)))
                    self.cohorts.append(c)
                    self.cohorts_by[(key, year, term)] = c
        # The demo instructor teaches the newest cohort of the Changwon smart lab.
        self.demo_cohort = max((c for c in self.cohorts if c["_prog"] is self.programmes["lab_changwon"]),
                               key=lambda c: c["starts_on"])
        self.demo_cohort["_teachers"] = self.demo_cohort["_teachers"][:1] + [self.demo_instructor]
        for c in self.cohorts:
            for t in c["_teachers"]:
                self.add("cohort_instructors", dict(cohort_id=c["id"], user_id=t["id"]))

    def make_labs(self) -> None:
        ts = _kst(date(2019, 2, 1))
        self.labs: dict[str, dict] = {}
        for op in D.LAB_OPERATORS:
            inst = self.institutions[op["key"]]
            lab = self.add("smart_labs", dict(
                id=self.nid("smart_labs"), institution_id=inst["id"], programme_id=self.programmes[f"lab_{op['key']}"]["id"],
                name_ko=op["lab_ko"], name_en=op["lab_en"], region_code=op["region"], address=op["address"],
                created_at=ts, updated_at=ts))
            rooms = []
            for ko, en, seats in op["rooms"]:
                rooms.append(self.add("lab_rooms", dict(id=self.nid("lab_rooms"), lab_id=lab["id"], name_ko=ko,
                                                        name_en=en, seats=seats)))
            kinds = set()
            for kind, name, qty, room_idx in op["equipment"]:
                kinds.add(kind)
                self.add("equipment", dict(id=self.nid("equipment"), lab_id=lab["id"], room_id=rooms[room_idx]["id"],
                                           kind=kind, name=name, quantity=qty))
            for t in self.instructors[op["key"]]:
                self.add("lab_instructors", dict(lab_id=lab["id"], user_id=t["id"]))
            self.labs[op["key"]] = dict(row=lab, rooms=rooms, kinds=kinds, instructors=self.instructors[op["key"]],
                                        key=op["key"])

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

    def audit(self, actor_id, action: str, object_type: str, object_id, when: datetime, **details) -> None:
        self.add("audit_events", dict(id=self.nid("audit_events"), actor_id=actor_id, action=action,
                                      object_type=object_type, object_id=str(object_id), details=details,
                                      created_at=when))

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

    # -------------------------------------------------------------- certificates
    def queue_certificate(self, enr: dict, course: _Course, prog, ctx, completed: datetime,
                          cert_kind: str | None) -> None:
        rng = self.rng
        if prog is not None:
            inst = next(i for i in self.institutions.values() if i["id"] == prog["institution_id"])
        else:
            inst = self.institutions["online"]
        if cert_kind is None:
            r = rng.random()
            cert_kind = "revoked" if r < 0.01 else "superseded" if r < 0.02 else "normal"
        user = ctx["user"]
        # Only what the certificate needs is kept: the rows themselves are written already.
        self.certs.append(dict(
            enrollment_id=enr["id"], period_start=_kst_date(enr["enrolled_at"]), completed_on=_kst_date(completed),
            course=course, inst=inst, user_id=user["id"], name=user["name"], birth_date=user["birth_date"],
            company=ctx["company"]["name"] if ctx["company"] else None, demo=user is self.demo_trainee_row,
            issued=min(self.now, completed + timedelta(minutes=rng.randint(1, 30))), kind=cert_kind))

    def code(self) -> str:
        # token_urlsafe-style from the seeded RNG: 192 bits, deterministic per seed.
        return base64.urlsafe_b64encode(self.rng.getrandbits(192).to_bytes(24, "big")).decode().rstrip("=")

    def write_certificates(self) -> None:
        """Number all certificates in issue order, gap-free per year, and write them."""
        from lms.certificates.models import CertificateCounter

        rng = self.rng
        certs = self.certs
        # Every state must exist even in a tiny demo: force one revoked and one superseded.
        for wanted in ("revoked", "superseded"):
            if certs and not any(c["kind"] == wanted for c in certs):
                candidates = [c for c in certs if c["kind"] == "normal" and not c["demo"]
                              and c["issued"] < self.now - timedelta(days=40)]
                if candidates:
                    candidates[0]["kind"] = wanted
        entries = []  # (issued_at, order, cert dict, name, supersedes entry)
        for order, c in enumerate(certs):
            name = c["name"]
            if c["kind"] == "superseded":
                wrong = name[:-1] + rng.choice([s for s in "민준현우영수진호" if s != name[-1]])
                old = dict(c, name=wrong, issued=c["issued"])
                new_issued = min(self.now, c["issued"] + timedelta(days=rng.randint(2, 30)))
                new = dict(c, name=name, issued=new_issued, supersedes=old, kind="reissue")
                old["kind"] = "superseded"
                entries += [old, new]
            else:
                entries.append(dict(c, name=name))
        entries.sort(key=lambda e: e["issued"])
        existing = {row.year: row.last_serial for row in db.session.execute(select(CertificateCounter)).scalars()}
        serials = dict(existing)
        for e in entries:
            e["id"] = self.nid("certificates")
            year = _kst_date(e["issued"]).year
            serials[year] = serials.get(year, 0) + 1
            e["year"], e["serial"] = year, serials[year]
        for e in entries:
            course, inst = e["course"], e["inst"]
            issued = e["issued"]
            expires = _add_months(issued, course.valid_for_months) if course.valid_for_months else None
            revoked_at = reason = revoked_by = None
            if e["kind"] == "revoked":
                revoked_at = min(self.now, issued + timedelta(days=rng.randint(5, 120)))
                reason = rng.choice(D.REVOCATION_REASONS)
                revoked_by = self.admin["id"]
            snapshot = {
                "name": e["name"], "birth_date": e["birth_date"].isoformat() if e["birth_date"] else None,
                "company": e["company"], "course_code": course.code,
                "course_title_ko": course.title_ko, "course_title_en": course.title_en, "hours": course.hours,
                "period_start": e["period_start"].isoformat(),
                "period_end": e["completed_on"].isoformat(),
                "institution_ko": inst["name_ko"], "institution_en": inst["name_en"],
                "head_title_ko": inst["head_title_ko"], "head_title_en": inst["head_title_en"],
                "head_name_ko": inst["head_name_ko"], "head_name_en": inst["head_name_en"],
                "completed_on": e["completed_on"].isoformat(), "layout": CERTIFICATE_LAYOUT,
            }
            sup = e.get("supersedes")
            self.add("certificates", dict(
                id=e["id"], enrollment_id=e["enrollment_id"], user_id=e["user_id"], course_id=course.id,
                institution_id=inst["id"],
                number=f"{e['year']}-{e['serial']:06d}", year=e["year"], serial=e["serial"],
                verification_code=self.code(), snapshot=snapshot, issued_at=issued, expires_at=expires,
                revoked_at=revoked_at, revoked_reason=reason, revoked_by_id=revoked_by,
                supersedes_id=sup["id"] if sup else None, pdf_sha256=None))
            number = f"{e['year']}-{e['serial']:06d}"
            if sup:
                self.audit(self.admin["id"], "certificate.reissue", "Certificate", e["id"], issued, number=number,
                           supersedes=f"{sup['year']}-{sup['serial']:06d}", reason="성명 정정")
            else:
                self.audit(None, "certificate.issue", "Certificate", e["id"], issued, number=number)
            if revoked_at:
                self.audit(revoked_by, "certificate.revoke", "Certificate", e["id"], revoked_at, number=number,
                           reason=reason)
        ctable = db.metadata.tables["certificate_counters"]
        for year, last in sorted(serials.items()):
            if year in existing:
                if last != existing[year]:
                    db.session.execute(sa.update(ctable).where(ctable.c.year == year).values(last_serial=last))
            else:
                self.add("certificate_counters", dict(year=year, last_serial=last))

    def write_target(self) -> None:
        from lms.analytics.models import Target

        if db.session.execute(select(Target.id).limit(1)).first() is None:
            self.add("targets", dict(id=self.nid("targets"), label_ko="스마트공장 운영인력 10만명 양성",
                                     label_en="100,000 smart-factory operators", target_count=TARGET_COUNT,
                                     target_date=TARGET_DATE, updated_at=self.now, updated_by_id=self.admin["id"]))

    def fix_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind: move them past the seeded rows."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for name in TABLE_ORDER:
            table = db.metadata.tables[name]
            if "id" not in table.c or name not in self.next_id:
                continue
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # nosec B608 # table names from the metadata
                f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))


def seed_demo(trainees: int, seed: int = 42, *, today: date = TODAY, chunk_size: int = 2000,
              on_chunk: Callable[[], None] | None = None, log: Callable[[str], None] | None = None,
              progress: Callable[[int, int], None] | None = None) -> SeedReport:
    """Write a deterministic demo programme with ``trainees`` generated trainees.

    Loads missing reference data, needs courses in the database (raises
    ``NoCourses`` otherwise) and refuses (``Conflict``) when the demo accounts
    exist already. Flushes; ``on_chunk`` is called after each written chunk
    (the CLI commits there so SQLite's WAL stays small); ``progress(done, trainees)``
    after each chunk of trainees. Returns row counts.
    """
    if trainees < 0:
        raise DomainError("trainees must be >= 0")
    seeder = _Seeder(trainees, seed, today, chunk_size, on_chunk, log)
    seeder.report_progress = progress or (lambda done, total: None)
    return seeder.run()
