"""What the instructor's pages show about many trainees at once, in a fixed number
of grouped queries whatever the cohort's size: a cohort's roster and a session's
attendance sheet one page at a time, the figures of a cohort and of the dashboard's
cohort cards (progress distribution, attendance rate, pending sign-offs) and the
practical sign-offs waiting for an assessor. Progress and attendance come from
``lms.labs.figures``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from lms.core.db import utcnow
from lms.core.pagination import ListSpec, Page, list_args, paginate, search
from lms.extensions import db
from lms.labs.figures import Minutes, attendance_of, attendance_rows, attendance_total
from lms.labs.models import Attendance, Booking, Cohort, CohortMember, LabSession, PracticalSignoff, cohort_courses

# Progress distribution buckets: (lowest percent, highest percent), both included.
PROGRESS_BUCKETS = ((0, 0), (1, 24), (25, 49), (50, 74), (75, 99), (100, 100))


# --------------------------------------------------------------------------- a cohort

def cohort_enrollment_ids(cohort_ids):
    """A select of the ids of the not-withdrawn enrollments of cohorts' members in the
    cohorts' courses (what the roster shows). ``cohort_ids`` is a list or a select.
    Only enrollments run through that cohort: a member's records in other cohorts or
    institutions are not this cohort's staff's to see."""
    from lms.learning.models import Enrollment

    return (select(Enrollment.id)
            .join(CohortMember, CohortMember.user_id == Enrollment.user_id)
            .join(cohort_courses, sa.and_(cohort_courses.c.cohort_id == CohortMember.cohort_id,
                                          cohort_courses.c.course_id == Enrollment.course_id))
            .where(CohortMember.cohort_id.in_(cohort_ids), Enrollment.cohort_id == CohortMember.cohort_id,
                   Enrollment.status != "withdrawn"))


@dataclass
class RosterRow:
    """A member on a page of the roster with their enrollments, progress and attendance."""

    member: CohortMember
    items: list = field(default_factory=list)  # [(Enrollment, percent, Minutes)]


def roster_spec():
    from lms.accounts.models import User
    from lms.orgs.models import Company

    return ListSpec(sorts={"name": User.name, "email": User.email, "number": CohortMember.student_number,
                           "sponsor": Company.name, "joined": CohortMember.joined_at},
                    default_sort="name", tiebreak=CohortMember.id, per_page=50)


def roster_page(cohort: Cohort, args) -> Page:
    """One page of the cohort's roster (``args``: request arguments ``page``/``sort``/
    ``dir``/``q``; search on name, e-mail and student number). Rows are RosterRow.
    Five statements: count, members (with user and sponsor), enrollments, progress and
    attendance of the page's enrollments."""
    from lms.accounts.models import User
    from lms.orgs.models import Company

    spec = roster_spec()
    largs = list_args(args, spec)
    stmt = (select(CohortMember).join(User, User.id == CohortMember.user_id)
            .outerjoin(Company, Company.id == CohortMember.sponsor_company_id)
            .where(CohortMember.cohort_id == cohort.id)
            .options(joinedload(CohortMember.user), joinedload(CohortMember.sponsor)))
    stmt = search(stmt, largs.q, User.name, User.email, CohortMember.student_number)
    count = search(select(sa.func.count(CohortMember.id)).join(User, User.id == CohortMember.user_id)
                   .where(CohortMember.cohort_id == cohort.id), largs.q, User.name, User.email,
                   CohortMember.student_number)
    page = paginate(db.session, stmt, spec, largs, count_stmt=count)
    page.items = _rows_for(cohort, page.items)
    return page


def _rows_for(cohort: Cohort, members: list, whole: bool = False) -> list[RosterRow]:
    """RosterRow for each member: enrollments in the cohort's courses (not withdrawn)
    with progress (kept on the enrollment) and attendance, in two statements whatever the
    number of members.
    ``whole``: ``members`` is the whole roster (selected by cohort, not by a list of ids)."""
    from lms.learning.models import Enrollment

    user_ids = [m.user_id for m in members]
    course_ids = [c.id for c in cohort.courses]
    by_user: dict[int, list] = {uid: [] for uid in user_ids}
    if user_ids and course_ids:
        member_ids = (select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id) if whole else
                      select(CohortMember.user_id).where(CohortMember.id.in_([m.id for m in members])))
        enrollments = db.session.execute(
            select(Enrollment).where(Enrollment.user_id.in_(member_ids), Enrollment.course_id.in_(course_ids),
                                     Enrollment.cohort_id == cohort.id, Enrollment.status != "withdrawn")
            .options(joinedload(Enrollment.course)).order_by(Enrollment.course_id, Enrollment.id)).scalars().all()
        ids = select(Enrollment.id).where(Enrollment.user_id.in_(member_ids), Enrollment.course_id.in_(course_ids),
                                          Enrollment.cohort_id == cohort.id, Enrollment.status != "withdrawn")
        attendance = attendance_of(ids)
        for e in enrollments:  # the kept percent (lms.labs.kept_progress)
            by_user[e.user_id].append((e, e.progress_percent, attendance.get(e.id, Minutes())))
    return [RosterRow(m, by_user.get(m.user_id, [])) for m in members]


def cohort_roster(cohort: Cohort) -> list[RosterRow]:
    """The whole roster (exports act on every member), by name, in four statements."""
    from lms.accounts.models import User

    members = list(db.session.execute(
        select(CohortMember).join(User, User.id == CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
        .options(joinedload(CohortMember.user), joinedload(CohortMember.sponsor))
        .order_by(User.name, User.id)).scalars())
    return _rows_for(cohort, members, whole=True)


@dataclass
class CohortFigures:
    """A cohort at a glance: members, enrollments by status, the progress distribution
    (count of enrollments per PROGRESS_BUCKETS bucket), average progress, attendance
    minutes, and how many practical sign-offs wait (trainees marked absent excluded)."""

    members: int = 0
    enrollments: int = 0
    completed: int = 0
    distribution: list = field(default_factory=list)  # [((low, high), count)]
    average: int | None = None
    attendance: Minutes = field(default_factory=Minutes)
    pending_signoffs: int = 0


def _bucket(percent):
    """SQL: the lowest percent of the PROGRESS_BUCKETS bucket ``percent`` falls in."""
    return sa.case(*((sa.and_(percent >= lo, percent <= hi), lo) for lo, hi in PROGRESS_BUCKETS), else_=-1)


def cohort_figures(cohort: Cohort) -> CohortFigures:
    """The figures of one cohort in four grouped statements (progress is the percent kept
    on each enrollment, lms.labs.kept_progress)."""
    from lms.learning.models import Enrollment

    ids = cohort_enrollment_ids([cohort.id])
    members = db.session.execute(
        select(sa.func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort.id)).scalar_one()
    bucket = _bucket(Enrollment.progress_percent)
    rows = db.session.execute(
        select(bucket, sa.func.count(), sa.func.sum(Enrollment.progress_percent),
               sa.func.count().filter(Enrollment.status == "completed"))
        .where(Enrollment.id.in_(ids)).group_by(bucket)).all()
    counts = {b: c for b, c, _s, _d in rows}
    n = sum(c for _b, c, _s, _d in rows)
    total_pct = sum(int(s or 0) for _b, _c, s, _d in rows)
    completed = sum(int(d or 0) for _b, _c, _s, d in rows)
    return CohortFigures(
        members=members, enrollments=n or 0, completed=completed,
        distribution=[((lo, hi), counts.get(lo, 0)) for lo, hi in PROGRESS_BUCKETS],
        average=(total_pct // n) if n else None,
        attendance=attendance_total(ids),
        pending_signoffs=pending_signoffs_count(cohort_id=cohort.id),
    )


@dataclass
class CohortCard:
    """A cohort on the instructor's dashboard: members, average progress, the progress
    distribution [((low, high), enrollments)] and attendance minutes."""

    cohort: Cohort
    members: int
    average: int | None
    distribution: list = field(default_factory=list)
    attendance: Minutes = field(default_factory=Minutes)


def cohort_cards(cohorts: list[Cohort]) -> list[CohortCard]:
    """The cards of several cohorts in three grouped statements (members; progress by
    cohort and bucket; attendance by cohort), however many trainees they hold."""
    if not cohorts:
        return []
    from lms.learning.models import Enrollment

    ids = [c.id for c in cohorts]
    members = member_counts(ids)
    # The roster's enrollments all carry their cohort (cohort_enrollment_ids), so the
    # figures group by Enrollment.cohort_id (no join back to the set, which misled the
    # planner); progress is the percent kept on each enrollment.
    enr = cohort_enrollment_ids(ids)
    bucket = _bucket(Enrollment.progress_percent)
    rows = db.session.execute(
        select(Enrollment.cohort_id, bucket, sa.func.count(), sa.func.sum(Enrollment.progress_percent))
        .where(Enrollment.id.in_(enr)).group_by(Enrollment.cohort_id, bucket)).all()
    dist: dict[int, dict[int, int]] = {}
    sums: dict[int, list[int]] = {}
    for cid, low, n, total in rows:
        dist.setdefault(cid, {})[low] = n
        acc = sums.setdefault(cid, [0, 0])
        acc[0] += int(total or 0)
        acc[1] += n
    att_rows = attendance_rows(enr, utcnow())
    attendance = {cid: Minutes(int(sch or 0), int(att or 0)) for cid, sch, att in db.session.execute(
        select(att_rows.c.cohort_id, sa.func.sum(att_rows.c.scheduled), sa.func.sum(att_rows.c.attended))
        .group_by(att_rows.c.cohort_id))}
    return [CohortCard(c, members.get(c.id, 0), (sums[c.id][0] // sums[c.id][1]) if sums.get(c.id, [0, 0])[1] else None,
                       [((lo, hi), dist.get(c.id, {}).get(lo, 0)) for lo, hi in PROGRESS_BUCKETS],
                       attendance.get(c.id, Minutes()))
            for c in cohorts]


def member_counts(cohort_ids: list[int]) -> dict[int, int]:
    """{cohort id: members} in one grouped statement."""
    if not cohort_ids:
        return {}
    return dict(db.session.execute(
        select(CohortMember.cohort_id, sa.func.count(CohortMember.id)).where(CohortMember.cohort_id.in_(cohort_ids))
        .group_by(CohortMember.cohort_id)).all())


# --------------------------------------------------------------------------- sign-offs waiting

def _pending(user=None, cohort_id: int | None = None):
    """A subquery of (booking_id, session_id, starts_at) waiting for a sign-off: one row
    per (enrollment, module), the latest ended session of a booked trainee whose
    enrollment is active, who has no sign-off for the module yet and was not marked
    absent or excused there. Limited to sessions ``user`` manages, or to ``cohort_id``'s
    trainees.

    "No sign-off yet, not absent or excused" is the kept ``Booking.awaiting_signoff``
    (lms.labs.awaiting), so the latest is ranked among the flagged rows only, which a
    partial index holds (a booking of the same enrollment and module left out by
    absence was left out of the ranking before too). The enrollment's status and cohort
    are the same for every row of a ranking, so they are checked after it, on one row
    per (enrollment, module) by primary key."""
    from lms.labs.models import cohort_instructors, lab_instructors
    from lms.learning.models import Enrollment

    now = utcnow()
    ranked = (
        select(Booking.id.label("booking_id"), LabSession.id.label("session_id"),
               LabSession.starts_at.label("starts_at"), Booking.enrollment_id.label("enrollment_id"),
               sa.func.row_number().over(partition_by=(Booking.enrollment_id, LabSession.module_id),
                                         order_by=(LabSession.starts_at.desc(), LabSession.id.desc())).label("rn"))
        .join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.awaiting_signoff, Booking.status == "booked", LabSession.cancelled_at.is_(None),
               LabSession.ends_at <= now)
    )
    if cohort_id is not None:  # constant within a ranking: narrows the rows ranked
        ranked = ranked.where(Booking.enrollment_id.in_(select(Enrollment.id).where(Enrollment.cohort_id == cohort_id)))
    if user is not None and user.role != "admin":
        lab_ids = select(lab_instructors.c.lab_id).where(lab_instructors.c.user_id == user.id)
        cohort_ids = select(cohort_instructors.c.cohort_id).where(cohort_instructors.c.user_id == user.id)
        ranked = ranked.where(sa.or_(LabSession.instructor_id == user.id, LabSession.lab_id.in_(lab_ids),
                                     LabSession.cohort_id.in_(cohort_ids)))
    ranked = ranked.subquery()
    latest = (select(ranked.c.booking_id, ranked.c.session_id, ranked.c.starts_at)
              .join(Enrollment, Enrollment.id == ranked.c.enrollment_id)
              .where(ranked.c.rn == 1, Enrollment.status == "active"))
    if cohort_id is not None:
        latest = latest.where(Enrollment.cohort_id == cohort_id)
    return latest.subquery()


def pending_signoffs_count(user=None, cohort_id: int | None = None) -> int:
    """How many practical sign-offs wait (see :func:`_pending`), in one statement."""
    pending = _pending(user, cohort_id)
    return db.session.execute(select(sa.func.count()).select_from(pending)).scalar_one()


def pending_signoffs_page(user, limit: int = 30) -> tuple[list[tuple[Booking, LabSession]], int]:
    """The ``limit`` most recent (booking, session) waiting for ``user``'s sign-off, with
    trainee, module and course loaded, and how many wait in all: one statement (the
    total rides along as a window count, taken before the limit; the trainee, module
    and course are joined to the ``limit`` rows only)."""
    from lms.catalog.models import Module

    pending = _pending(user)
    first = (select(pending.c.booking_id, pending.c.session_id, sa.func.count().over().label("total"))
             .order_by(pending.c.starts_at.desc(), pending.c.booking_id).limit(limit).subquery())
    stmt = (select(Booking, LabSession, first.c.total)
            .join(first, first.c.booking_id == Booking.id)
            .join(LabSession, LabSession.id == first.c.session_id)
            .options(joinedload(Booking.user), joinedload(LabSession.module).joinedload(Module.course))
            .order_by(LabSession.starts_at.desc(), Booking.id))
    rows = db.session.execute(stmt).unique().all()
    return [(b, s) for b, s, _n in rows], (rows[0][2] if rows else 0)


def pending_signoffs_list(user, limit: int = 30) -> list[tuple[Booking, LabSession]]:
    """The ``limit`` most recent (booking, session) waiting for ``user``'s sign-off."""
    return pending_signoffs_page(user, limit)[0]


# --------------------------------------------------------------------------- sessions

def session_load_options():
    """Loader options for session tables (module and course, lab, room, instructor)."""
    from lms.catalog.models import Module

    return (joinedload(LabSession.module).joinedload(Module.course), joinedload(LabSession.lab),
            joinedload(LabSession.room), joinedload(LabSession.instructor))


def cohort_load_options():
    """Loader options for cohort lists (programme, courses, instructors)."""
    return (joinedload(Cohort.programme), selectinload(Cohort.courses), selectinload(Cohort.instructors))


def session_roster_spec():
    from lms.accounts.models import User

    return ListSpec(sorts={"name": User.name, "email": User.email}, default_sort="name", tiebreak=Booking.id,
                    per_page=50)


@dataclass
class SessionSheet:
    """A page of a session's attendance sheet: the bookings (trainee loaded), their
    attendance {user id: Attendance}, current sign-offs {user id: PracticalSignoff},
    and the waiting list (first ``WAITLIST_SHOWN``, with its full length)."""

    roster: Page
    attendance: dict
    signoffs: dict
    waitlist: list
    waitlist_total: int


WAITLIST_SHOWN = 50


def session_sheet(session: LabSession, args) -> SessionSheet:
    """One page of the booked trainees of ``session`` (``args``: page/sort/dir/q on name
    and e-mail) with what the attendance sheet shows, in six statements."""
    from lms.accounts.models import User

    spec = session_roster_spec()
    largs = list_args(args, spec)
    where = (Booking.session_id == session.id, Booking.status == "booked")
    stmt = search(select(Booking).join(User, User.id == Booking.user_id).where(*where)
                  .options(joinedload(Booking.user)), largs.q, User.name, User.email)
    count = search(select(sa.func.count(Booking.id)).join(User, User.id == Booking.user_id).where(*where),
                   largs.q, User.name, User.email)
    page = paginate(db.session, stmt, spec, largs, count_stmt=count)
    user_ids = [b.user_id for b in page.items]
    attendance = {}
    signoffs = {}
    if user_ids:
        attendance = {a.user_id: a for a in db.session.execute(
            select(Attendance).where(Attendance.session_id == session.id, Attendance.user_id.in_(user_ids))).scalars()}
        by_enrollment = {b.enrollment_id: b.user_id for b in page.items if b.enrollment_id}
        if by_enrollment:
            newer = sa.orm.aliased(PracticalSignoff)
            rows = db.session.execute(
                select(PracticalSignoff).where(PracticalSignoff.enrollment_id.in_(list(by_enrollment)),
                                               PracticalSignoff.module_id == session.module_id,
                                               ~sa.exists().where(newer.supersedes_id == PracticalSignoff.id))
                .order_by(PracticalSignoff.id)).scalars()
            for so in rows:  # oldest first: the newest current one wins, as current_signoff picks it
                signoffs[by_enrollment[so.enrollment_id]] = so
    wait_where = (Booking.session_id == session.id, Booking.status == "waitlisted")
    waitlist = list(db.session.execute(
        select(Booking).where(*wait_where).options(joinedload(Booking.user))
        .order_by(Booking.created_at, Booking.id).limit(WAITLIST_SHOWN)).scalars())
    waitlist_total = db.session.execute(select(sa.func.count(Booking.id)).where(*wait_where)).scalar_one()
    return SessionSheet(page, attendance, signoffs, waitlist, waitlist_total)
