"""Deterministic, realistic demo data at scale: ``seed_demo(trainees, seed)``.

One ``random.Random(seed)`` drives every choice and every generated date is
relative to a fixed "today" (``TODAY``, 2026-11-20), so two runs with the same
arguments into fresh databases write the same rows.

Speed (N=100,000 means ~100k users, ~400k enrollments and millions of progress
rows): rows are built as plain dicts and written in chunks, never through ORM
objects: ``COPY FROM STDIN`` on PostgreSQL and the driver's ``executemany`` on
SQLite, inside the session's transaction (see ``lms.demo.bulk.write_rows``). Integer primary keys are
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

The seeder is split by responsibility: this module holds the run (order of the
steps, row buffers, ids, the report) and ``seed_demo``; the generators are mixins in
``world`` (catalogue, organisations, staff, programmes, labs), ``trainees`` (accounts,
enrollments, progress, quizzes), ``labs`` (sessions, bookings, attendance, sign-offs)
and ``certificates``; ``bulk`` writes rows, ``common`` holds the shared constants and
helpers, ``meisters`` and ``onsite`` the meisters' part.
"""
from __future__ import annotations

import random
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Callable

import sqlalchemy as sa
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from lms.demo import data as D
from lms.demo.bulk import TABLE_ORDER, write_rows
from lms.demo.certificates import CertificatesMixin
from lms.demo.common import (DEMO_EMAILS, DEMO_PASSWORD, DEMO_TOTP_SECRET, TARGET_COUNT, TARGET_DATE, TODAY,
                             YEAR_WEIGHTS, SeedReport, _kst, _Weighted)
from lms.demo.labs import LabSessionsMixin
from lms.demo.meisters import plan_meisters, seed_meisters, write_meisters
from lms.demo.trainees import TraineesMixin
from lms.demo.world import WorldMixin
from lms.errors import Conflict, DomainError
from lms.extensions import db


class _Seeder(WorldMixin, TraineesMixin, LabSessionsMixin, CertificatesMixin):
    """One seed run: its RNG, row buffers and pre-assigned ids; the generators are the mixins."""

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
            write_rows(db.metadata.tables[name], rows)
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
        write_meisters(self, write_rows)
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
        seed_meisters(self, write_rows)
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

    def audit(self, actor_id, action: str, object_type: str, object_id, when: datetime, **details) -> None:
        self.add("audit_events", dict(id=self.nid("audit_events"), actor_id=actor_id, action=action,
                                      object_type=object_type, object_id=str(object_id), details=details,
                                      created_at=when))


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
