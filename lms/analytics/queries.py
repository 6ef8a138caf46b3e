"""SQL side of the analytics engine: SQLAlchemy Core selects that read only the
columns the figures need, returned as typed pandas frames.

What runs where, and why:
- Row-level grouping over the big tables is done by the database, because
  shipping the rows to Python would cost more than the GROUP BY:
  * ``module_progress`` (about 10 rows per enrollment, 4 million at national scale)
    is reduced in SQL to one row per enrollment (theory modules completed and
    when the last one was), see :func:`load_theory`;
  * practical sign-offs are reduced to one row per enrollment (practical modules
    whose latest sign-off passed), see :func:`load_practicals`;
  * bookings, attendance and sign-offs are reduced per smart lab, day, course and
    cohort, see :func:`load_labs`.
- Enrollments, certificates and trainees are loaded one row each (a few hundred
  thousand rows of small integers and timestamps) so that pandas can filter,
  evaluate "as of" any date and count distinct people per breakdown without a
  round trip per filter.

Timestamps are read as epoch seconds (float) straight from SQL instead of as
Python datetimes: converting a few hundred thousand values through the ORM
type would dominate the load time.

The rows are read by :mod:`lms.analytics.sqlread` (raw DBAPI, packed results).
"""
from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from lms.analytics.sqlread import coalesced as _n
from lms.analytics.sqlread import dbapi as _dbapi
from lms.analytics.sqlread import dialect as _dialect
from lms.analytics.sqlread import epoch_or_none as _ts
from lms.analytics.sqlread import frame
from lms.analytics.sqlread import kst_day
from lms.analytics.sqlread import typed_frame as _frame
from lms.core.db import utcnow
from lms.extensions import db

THEORY_KINDS = ("lesson", "quiz")

ATTENDED = ("present", "late", "early_leave")

def load_enrollments() -> pd.DataFrame:
    from lms.learning.models import Enrollment as E

    # No status column: figures use completed_at (completion) and the certificates.
    stmt = sa.select(E.id, E.user_id, E.course_id, _n(E.cohort_id), _n(E.programme_id), _n(E.sponsor_company_id),
                     _ts(E.enrolled_at), _ts(E.completed_at))
    cols = ["enrollment_id", "user_id", "course_id", "cohort_id", "programme_id", "sponsor_id",
            "enrolled_at", "completed_at"]
    return _frame(stmt, cols, dict(zip(cols, ["id"] * 6 + ["ts", "ts"])), hex_ok=True)


def load_trainees() -> pd.DataFrame:
    from lms.accounts.models import User as U

    stmt = sa.select(U.id, _n(U.company_id), _ts(U.created_at), _ts(U.last_active_at)).where(U.role == "trainee")
    cols = ["user_id", "company_id", "created_at", "last_active_at"]
    return _frame(stmt, cols, dict(zip(cols, ["id", "id", "ts", "ts"])), hex_ok=True)


def load_certificates() -> pd.DataFrame:
    """One row per certificate; ``superseded_at`` is when a replacing certificate was issued."""
    from lms.certificates.models import Certificate as C

    stmt = sa.select(C.id, C.enrollment_id, C.user_id, _ts(C.issued_at), _ts(C.expires_at),
                     _ts(C.revoked_at), _n(C.supersedes_id))
    cols = ["certificate_id", "enrollment_id", "user_id", "issued_at", "expires_at", "revoked_at", "supersedes_id"]
    certs = _frame(stmt, cols, dict(zip(cols, ["id"] * 3 + ["ts"] * 3 + ["id"])), hex_ok=True)
    # superseded_at = issue time of the certificate that replaced this one (a pandas
    # lookup is cheaper than a self-join in SQL).
    repl = certs.loc[certs["supersedes_id"] >= 0, ["supersedes_id", "issued_at"]]
    certs["superseded_at"] = certs["certificate_id"].map(pd.Series(repl["issued_at"].to_numpy(), index=repl["supersedes_id"].to_numpy()))
    return certs


def _open(E):
    """Enrollments not completed (theory and practicals are only read for those).

    On SQLite this is written as ``status IN (<every other status present>)``
    rather than ``status != 'completed'``: with an IN list the planner drives the
    join from the status index (the ~40 % open enrollments) and probes progress
    and sign-offs by enrollment, instead of scanning every progress / sign-off row
    (measured 0.65 -> 0.43 s for theory, 0.28 -> 0.05 s for practicals at
    national scale). PostgreSQL hash-joins either way, so it keeps the plain form.
    """
    if _dialect() != "sqlite":
        return E.status != "completed"
    cur = _dbapi().cursor()
    try:
        cur.execute("SELECT DISTINCT status FROM enrollments")
        statuses = sorted(r[0] for r in cur.fetchall() if r[0] != "completed")
    finally:
        cur.close()
    return E.status.in_(statuses)


def load_theory() -> pd.DataFrame:
    """Per enrollment not yet completed: theory (lesson + quiz) modules completed and the
    last completion. Grouped in SQL (the multi-million-row table). Completed enrollments
    are skipped: completion requires theory, so the engine takes their completion time
    (for a past month's report that dates their theory pass at completion: a slight
    undercount of "theory passed" for people who completed later)."""
    from lms.catalog.models import Module as M
    from lms.learning.models import Enrollment as E
    from lms.learning.models import ModuleProgress as MP

    stmt = (sa.select(MP.enrollment_id, sa.func.count(), _ts(sa.func.max(MP.completed_at)))
            .select_from(E).join(MP, MP.enrollment_id == E.id).join(M, M.id == MP.module_id)
            .where(_open(E), MP.status == "completed", M.kind.in_(THEORY_KINDS),
                   M.retired_at.is_(None))
            .group_by(MP.enrollment_id))
    cols = ["enrollment_id", "theory_done", "theory_at"]
    return _frame(stmt, cols, {"enrollment_id": "id", "theory_done": "int", "theory_at": "ts"}, hex_ok=True)


def load_module_needs() -> pd.DataFrame:
    """Per course: active theory and practical modules required."""
    from lms.catalog.models import Module as M

    stmt = (sa.select(M.course_id,
                      sa.func.sum(sa.case((M.kind.in_(THEORY_KINDS), 1), else_=0)),
                      sa.func.sum(sa.case((M.kind == "practical", 1), else_=0)))
            .where(M.retired_at.is_(None)).group_by(M.course_id))
    cols = ["course_id", "theory_need", "practical_need"]
    return _frame(stmt, cols, {"course_id": "id", "theory_need": "int", "practical_need": "int"})


def load_practicals() -> pd.DataFrame:
    """Per enrollment not yet completed: practical modules whose latest (not superseded)
    sign-off passed, and the last such sign-off. Grouped in SQL."""
    from lms.labs.models import PracticalSignoff as S
    from lms.learning.models import Enrollment as E

    newer = sa.orm.aliased(S)
    stmt = (sa.select(S.enrollment_id, sa.func.count(sa.distinct(S.module_id)), _ts(sa.func.max(S.created_at)))
            .select_from(E).join(S, S.enrollment_id == E.id)
            .where(_open(E), S.outcome == "passed",
                   S.id.not_in(sa.select(newer.supersedes_id).where(newer.supersedes_id.is_not(None))))
            .group_by(S.enrollment_id))
    cols = ["enrollment_id", "practical_done", "practical_at"]
    return _frame(stmt, cols, {"enrollment_id": "id", "practical_done": "int", "practical_at": "ts"})


def load_labs() -> pd.DataFrame:
    """Smart-lab activity of ended, not-cancelled sessions: one row per (session,
    programme and cohort of the booking enrollment) with the seats, bookings,
    attendance, no-shows and practical sign-offs of those enrollments.

    Grouping by the enrollment's programme and cohort (not only by session) lets a
    programme-type or cohort filter count the sessions its trainees used: most
    sessions are open to every cohort (``lab_sessions.cohort_id`` is empty), so
    the session's own cohort says little about who trained in it. Every session
    has at least one row (programme and cohort -1 when nobody used it), and
    ``seats`` is repeated on each row of a session (the engine counts it once).
    Bookings, attendance and current sign-offs are grouped in SQL in one statement
    (their rows stacked with UNION ALL, then joined once to the enrollments by
    primary key: three separate GROUP BYs each joined the 400,000 enrollments, 0.85 s
    against 0.58 s at national scale on PostgreSQL); the ~20,000 session rows are
    joined in pandas, cheaper than joining sessions into the big scan."""
    from lms.catalog.models import Module as M
    from lms.labs.models import Attendance as A
    from lms.labs.models import Booking as B
    from lms.labs.models import LabSession as LS
    from lms.labs.models import PracticalSignoff as S
    from lms.learning.models import Enrollment as E

    now = utcnow()
    sessions = (sa.select(LS.id, LS.lab_id, kst_day(LS.starts_at), M.course_id, LS.capacity)
                .join(M, M.id == LS.module_id).where(LS.cancelled_at.is_(None), LS.ends_at <= now))
    one = lambda cond: sa.case((cond, 1), else_=0)  # noqa: E731
    zero = sa.literal(0)
    # No-shows are then booked - attended - excused (attendance is only recorded for
    # booked trainees; a walk-in would only lower the no-show count). A sign-off
    # counts unless a correction supersedes it (the superseded ones are few: a
    # hashed NOT IN, not an anti-join over every sign-off).
    newer = sa.orm.aliased(S)
    stacked = sa.union_all(
        sa.select(B.session_id.label("session_id"), B.enrollment_id.label("enrollment_id"),
                  one(B.status == "booked").label("booked"), zero.label("attended"), zero.label("excused"),
                  zero.label("signoffs"), zero.label("passed")),
        sa.select(A.session_id, A.enrollment_id, zero, one(A.status.in_(ATTENDED)), one(A.status == "excused"),
                  zero, zero),
        sa.select(S.session_id, S.enrollment_id, zero, zero, zero, sa.literal(1), one(S.outcome == "passed"))
        .where(S.session_id.is_not(None),
               S.id.not_in(sa.select(newer.supersedes_id).where(newer.supersedes_id.is_not(None)))),
    ).subquery("u")
    u = stacked.c
    activity = (sa.select(u.session_id, _n(E.programme_id), _n(E.cohort_id), sa.func.sum(u.booked),
                          sa.func.sum(u.attended), sa.func.sum(u.excused), sa.func.sum(u.signoffs),
                          sa.func.sum(u.passed))
                .select_from(stacked).outerjoin(E, E.id == u.enrollment_id)
                .group_by(u.session_id, E.programme_id, E.cohort_id))
    key_cols = ["session_id", "programme_id", "cohort_id"]
    key_types = {"session_id": "id", "programme_id": "id", "cohort_id": "id"}
    f1 = _frame(sessions, ["session_id", "lab_id", "day", "course_id", "seats"],
                {"session_id": "id", "lab_id": "id", "day": "int", "course_id": "id", "seats": "int"})
    counts = ["booked", "attended", "excused", "signoffs", "passed"]
    act = _frame(activity, key_cols + counts, {**key_types, **{c: "int" for c in counts}}, hex_ok=True)
    act = act[act["session_id"].isin(f1["session_id"])]
    idle = f1.loc[~f1["session_id"].isin(act["session_id"]), ["session_id"]].assign(programme_id=-1, cohort_id=-1)
    out = pd.concat([act, idle], ignore_index=True).merge(f1, on="session_id", how="inner")
    for c in ("programme_id", "cohort_id"):
        out[c] = out[c].fillna(-1).astype("int32")
    for c in ("booked", "attended", "excused", "signoffs", "passed"):
        out[c] = out[c].fillna(0).astype("int64")
    out["noshow"] = (out["booked"] - out["attended"] - out["excused"]).clip(lower=0)
    return out.sort_values(["session_id", "programme_id", "cohort_id"], kind="stable").reset_index(drop=True)


def load_dimensions() -> dict[str, pd.DataFrame]:
    """Small lookup tables (names, regions, classes), all read in one go."""
    from lms.catalog.models import Course
    from lms.labs.models import Cohort, Programme, SmartLab
    from lms.orgs.models import Company, CompanySize, IndustrialComplex, Institution, Region, RootTechnology
    from lms.orgs.models import SmartFactoryLevel

    q = frame

    return {
        "programmes": q(sa.select(Programme.id, Programme.kind, Programme.institution_id, Programme.name_ko),
                        ["programme_id", "kind", "institution_id", "programme_name"]),
        "institutions": q(sa.select(Institution.id, Institution.name_ko, Institution.region_code),
                          ["institution_id", "institution_name", "region_code"]),
        # priority: 0 neither, 1 working-hours reduction only, 2 root industry only, 3 both
        "companies": q(sa.select(Company.id, Company.region_code, Company.size_code, Company.root_technology_code,
                                 _n(Company.industrial_complex_id),
                                 sa.case((sa.and_(Company.cuts_working_hours, Company.is_root_industry), 3),
                                         (Company.cuts_working_hours, 1), (Company.is_root_industry, 2), else_=0)),
                       ["company_id", "region_code", "size_code", "tech_code", "complex_id", "priority"]),
        "complexes": q(sa.select(IndustrialComplex.id, IndustrialComplex.name_ko, IndustrialComplex.region_code,
                                 sa.case((IndustrialComplex.is_smart, 1), else_=0),
                                 _n(IndustrialComplex.smart_since_year), _n(IndustrialComplex.smart_by_year)),
                       ["complex_id", "complex_name", "region_code", "is_smart", "since_year", "by_year"]),
        "levels": q(sa.select(SmartFactoryLevel.code, SmartFactoryLevel.name_ko, SmartFactoryLevel.position),
                    ["level_code", "level_name", "position"]),
        "courses": q(sa.select(Course.id, Course.code, Course.title_ko), ["course_id", "course_code", "course_title"]),
        "cohorts": q(sa.select(Cohort.id, Cohort.programme_id, Cohort.label), ["cohort_id", "programme_id", "cohort_label"]),
        "regions": q(sa.select(Region.code, Region.name_ko), ["region_code", "region_name"]),
        "techs": q(sa.select(RootTechnology.code, RootTechnology.name_ko), ["tech_code", "tech_name"]),
        "sizes": q(sa.select(CompanySize.code, CompanySize.name_ko, CompanySize.position), ["size_code", "size_name", "position"]),
        "labs": q(sa.select(SmartLab.id, SmartLab.name_ko, SmartLab.institution_id, SmartLab.region_code),
                  ["lab_id", "lab_name", "institution_id", "region_code"]),
    }


def headline_group_by_sql(now=None) -> dict:
    """The headline counts as plain SQL aggregates (the benchmark's yardstick and the
    tests' independent check), with the engine's definitions written in SQL: trainee
    accounts created by ``now``; distinct trainees with an enrollment made by
    ``now``; of those, distinct trainees with a completion by ``now``; distinct
    holders of a certificate valid at ``now`` (issued by then, not revoked, expired
    or replaced by a certificate issued by then) on such an enrollment.

    Records dated after ``now`` (the demo seed with ``--today now`` writes records up
    to 18:00 KST of the day) do not count: that was the benchmark's 99,166 vs 99,160.
    Returns {"registered", "enrolled", "completed", "valid"} (ints)."""
    from lms.accounts.models import User
    from lms.certificates.models import Certificate as C
    from lms.learning.models import Enrollment as E

    now = now or utcnow()
    newer = sa.orm.aliased(C)
    trainee = sa.and_(User.role == "trainee", User.created_at <= now)
    registered = db.session.execute(sa.select(sa.func.count()).select_from(User).where(trainee)).scalar_one()
    enrolled, completed = db.session.execute(
        sa.select(sa.func.count(sa.distinct(E.user_id)),
                  sa.func.count(sa.distinct(sa.case((E.completed_at <= now, E.user_id)))))
        .join(User, User.id == E.user_id).where(trainee, E.enrolled_at <= now)).one()
    valid = db.session.execute(
        sa.select(sa.func.count(sa.distinct(C.user_id)))
        .join(E, E.id == C.enrollment_id).join(User, User.id == E.user_id)
        .where(trainee, E.enrolled_at <= now, C.issued_at <= now,
               sa.or_(C.revoked_at.is_(None), C.revoked_at > now), sa.or_(C.expires_at.is_(None), C.expires_at > now),
               ~sa.exists().where(newer.supersedes_id == C.id, newer.issued_at <= now))).scalar_one()
    return {"registered": registered, "enrolled": enrolled, "completed": completed, "valid": valid}
