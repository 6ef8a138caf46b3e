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
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from lms.extensions import db

THEORY_KINDS = ("lesson", "quiz")
ATTENDED = ("present", "late", "early_leave")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def epoch(col):
    """Seconds since 1970 (UTC) as a float, or NULL. Stored UTC on both databases."""
    if _dialect() == "postgresql":
        return sa.extract("epoch", col)
    # Whole seconds are enough for monthly and daily figures.
    return sa.cast(sa.func.strftime("%s", col), sa.Float)


def kst_day(col):
    """Whole days since 1970 on the Korean calendar (UTC+9, no daylight saving)."""
    if _dialect() == "postgresql":
        return sa.cast(sa.func.floor((sa.extract("epoch", col) + 32400) / 86400), sa.Integer)
    return (sa.cast(sa.func.strftime("%s", col), sa.Integer) + 32400) / 86400


def _frame(stmt, columns: list[str], dtypes: dict) -> pd.DataFrame:
    """Run ``stmt`` and build a frame column by column with the given dtypes.

    NULLs in integer id columns become -1 (so they stay int32, not float);
    NULL timestamps become NaN.
    """
    # Core execution on the session's connection: same transaction, but no ORM
    # row processing (which costs more than the query for a few hundred thousand rows).
    rows = db.session.connection().execute(stmt).all()
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=_empty_dtype(dtypes[c])) for c in columns})
    cols = list(zip(*rows))
    data = {}
    for name, values in zip(columns, cols):
        kind = dtypes[name]
        if kind == "id":
            data[name] = np.fromiter((-1 if v is None else v for v in values), dtype=np.int64, count=len(values)).astype(np.int32)
        elif kind == "ts":
            data[name] = np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        elif kind == "int":
            data[name] = np.fromiter((0 if v is None else v for v in values), dtype=np.int64, count=len(values))
        elif kind == "cat":
            data[name] = pd.Categorical([("" if v is None else v) for v in values])
        else:
            data[name] = list(values)
    return pd.DataFrame(data)


def _empty_dtype(kind):
    return {"id": "int32", "ts": "float64", "int": "int64", "cat": "category"}.get(kind, "object")


def load_enrollments() -> pd.DataFrame:
    from lms.learning.models import Enrollment as E

    stmt = sa.select(E.id, E.user_id, E.course_id, E.cohort_id, E.programme_id, E.sponsor_company_id,
                     E.status, epoch(E.enrolled_at), epoch(E.completed_at))
    cols = ["enrollment_id", "user_id", "course_id", "cohort_id", "programme_id", "sponsor_id",
            "status", "enrolled_at", "completed_at"]
    return _frame(stmt, cols, dict(zip(cols, ["id"] * 6 + ["cat", "ts", "ts"])))


def load_trainees() -> pd.DataFrame:
    from lms.accounts.models import User as U

    stmt = sa.select(U.id, U.company_id, epoch(U.created_at), epoch(U.last_active_at)).where(U.role == "trainee")
    cols = ["user_id", "company_id", "created_at", "last_active_at"]
    return _frame(stmt, cols, dict(zip(cols, ["id", "id", "ts", "ts"])))


def load_certificates() -> pd.DataFrame:
    """One row per certificate; ``superseded_at`` is when a replacing certificate was issued."""
    from lms.certificates.models import Certificate as C

    newer = sa.orm.aliased(C)
    stmt = (sa.select(C.id, C.enrollment_id, C.user_id, C.course_id, epoch(C.issued_at), epoch(C.expires_at),
                      epoch(C.revoked_at), epoch(newer.issued_at), C.supersedes_id)
            .outerjoin(newer, newer.supersedes_id == C.id))
    cols = ["certificate_id", "enrollment_id", "user_id", "course_id", "issued_at", "expires_at",
            "revoked_at", "superseded_at", "supersedes_id"]
    return _frame(stmt, cols, dict(zip(cols, ["id"] * 4 + ["ts"] * 4 + ["id"])))


def load_theory() -> pd.DataFrame:
    """Per enrollment: theory (lesson + quiz) modules completed, the last completion, and
    how many the course requires. Grouped in SQL (the 4-million-row table)."""
    from lms.catalog.models import Module as M
    from lms.learning.models import ModuleProgress as MP

    stmt = (sa.select(MP.enrollment_id, sa.func.count(), sa.func.max(epoch(MP.completed_at)))
            .join(M, M.id == MP.module_id)
            .where(MP.status == "completed", M.kind.in_(THEORY_KINDS), M.retired_at.is_(None))
            .group_by(MP.enrollment_id))
    cols = ["enrollment_id", "theory_done", "theory_at"]
    return _frame(stmt, cols, {"enrollment_id": "id", "theory_done": "int", "theory_at": "ts"})


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
    """Per enrollment: practical modules whose latest (not superseded) sign-off passed,
    and the last such sign-off. Grouped in SQL."""
    from lms.labs.models import PracticalSignoff as S

    newer = sa.orm.aliased(S)
    latest = (sa.select(S.enrollment_id, S.module_id, S.outcome, S.created_at)
              .where(~sa.exists().where(newer.supersedes_id == S.id)).subquery())
    stmt = (sa.select(latest.c.enrollment_id, sa.func.count(sa.distinct(latest.c.module_id)),
                      sa.func.max(epoch(latest.c.created_at)))
            .where(latest.c.outcome == "passed").group_by(latest.c.enrollment_id))
    cols = ["enrollment_id", "practical_done", "practical_at"]
    return _frame(stmt, cols, {"enrollment_id": "id", "practical_done": "int", "practical_at": "ts"})


def load_labs() -> pd.DataFrame:
    """Smart-lab activity grouped in SQL per (lab, Korean day, course, cohort), ended,
    not-cancelled sessions only: sessions, seats, bookings, attendance, no-shows and
    practical sign-offs."""
    from lms.catalog.models import Module as M
    from lms.labs.models import Attendance as A
    from lms.labs.models import Booking as B
    from lms.labs.models import LabSession as LS
    from lms.labs.models import PracticalSignoff as S

    now = sa.func.current_timestamp()
    day = kst_day(LS.starts_at).label("day")
    base_where = (LS.cancelled_at.is_(None), LS.ends_at <= now)
    keys = (LS.lab_id, day, M.course_id, LS.cohort_id)

    sessions = (sa.select(*keys, sa.func.count(LS.id), sa.func.sum(LS.capacity))
                .join(M, M.id == LS.module_id).where(*base_where).group_by(*keys))
    attended = sa.case((A.status.in_(ATTENDED), 1), else_=0)
    excused = sa.case((A.status == "excused", 1), else_=0)
    noshow = sa.case((sa.or_(A.id.is_(None), A.status == "absent"), 1), else_=0)
    bookings = (sa.select(*keys, sa.func.count(B.id), sa.func.sum(attended), sa.func.sum(excused), sa.func.sum(noshow))
                .select_from(B).join(LS, LS.id == B.session_id).join(M, M.id == LS.module_id)
                .outerjoin(A, sa.and_(A.session_id == B.session_id, A.user_id == B.user_id))
                .where(B.status == "booked", *base_where).group_by(*keys))
    newer = sa.orm.aliased(S)
    signoffs = (sa.select(*keys, sa.func.count(S.id), sa.func.sum(sa.case((S.outcome == "passed", 1), else_=0)))
                .select_from(S).join(LS, LS.id == S.session_id).join(M, M.id == LS.module_id)
                .where(~sa.exists().where(newer.supersedes_id == S.id), LS.cancelled_at.is_(None))
                .group_by(*keys))
    key_cols = ["lab_id", "day", "course_id", "cohort_id"]
    kd = {"lab_id": "id", "day": "int", "course_id": "id", "cohort_id": "id"}
    f1 = _frame(sessions, key_cols + ["sessions", "seats"], {**kd, "sessions": "int", "seats": "int"})
    f2 = _frame(bookings, key_cols + ["booked", "attended", "excused", "noshow"],
                {**kd, "booked": "int", "attended": "int", "excused": "int", "noshow": "int"})
    f3 = _frame(signoffs, key_cols + ["signoffs", "passed"], {**kd, "signoffs": "int", "passed": "int"})
    out = f1.merge(f2, on=key_cols, how="outer").merge(f3, on=key_cols, how="outer")
    value_cols = ["sessions", "seats", "booked", "attended", "excused", "noshow", "signoffs", "passed"]
    out[value_cols] = out[value_cols].fillna(0).astype("int64")
    return out


def load_dimensions() -> dict[str, pd.DataFrame]:
    """Small lookup tables (names, regions, classes), all read in one go."""
    from lms.catalog.models import Course
    from lms.labs.models import Cohort, Programme, SmartLab
    from lms.orgs.models import Company, CompanySize, Institution, Region, RootTechnology

    def q(stmt, cols):
        rows = db.session.execute(stmt).all()
        return pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: [] for c in cols})

    return {
        "programmes": q(sa.select(Programme.id, Programme.kind, Programme.institution_id, Programme.name_ko),
                        ["programme_id", "kind", "institution_id", "programme_name"]),
        "institutions": q(sa.select(Institution.id, Institution.name_ko, Institution.region_code),
                          ["institution_id", "institution_name", "region_code"]),
        "companies": q(sa.select(Company.id, Company.region_code, Company.size_code, Company.root_technology_code),
                       ["company_id", "region_code", "size_code", "tech_code"]),
        "courses": q(sa.select(Course.id, Course.code, Course.title_ko), ["course_id", "course_code", "course_title"]),
        "cohorts": q(sa.select(Cohort.id, Cohort.programme_id, Cohort.label), ["cohort_id", "programme_id", "cohort_label"]),
        "regions": q(sa.select(Region.code, Region.name_ko), ["region_code", "region_name"]),
        "techs": q(sa.select(RootTechnology.code, RootTechnology.name_ko), ["tech_code", "tech_name"]),
        "sizes": q(sa.select(CompanySize.code, CompanySize.name_ko, CompanySize.position), ["size_code", "size_name", "position"]),
        "labs": q(sa.select(SmartLab.id, SmartLab.name_ko, SmartLab.institution_id, SmartLab.region_code),
                  ["lab_id", "lab_name", "institution_id", "region_code"]),
    }


def headline_group_by_sql() -> dict:
    """The headline counts as plain SQL aggregates (the benchmark's yardstick):
    trainees, distinct enrolled, distinct completed, distinct valid certificate holders."""
    from lms.accounts.models import User
    from lms.certificates.models import Certificate as C
    from lms.learning.models import Enrollment as E

    newer = sa.orm.aliased(C)
    now = sa.func.current_timestamp()
    registered = db.session.execute(sa.select(sa.func.count()).where(User.role == "trainee")).scalar_one()
    enrolled, completed = db.session.execute(
        sa.select(sa.func.count(sa.distinct(E.user_id)),
                  sa.func.count(sa.distinct(sa.case((E.status == "completed", E.user_id)))))).one()
    valid = db.session.execute(
        sa.select(sa.func.count(sa.distinct(C.user_id))).where(
            C.revoked_at.is_(None), sa.or_(C.expires_at.is_(None), C.expires_at > now),
            ~sa.exists().where(newer.supersedes_id == C.id))).scalar_one()
    return {"registered": registered, "enrolled": enrolled, "completed": completed, "valid": valid}
