"""Issuing for a whole cohort in chunks: each certificate whole or not at all, exactly once.

A chunk takes up to ``chunk_size`` eligible enrollments (completed, no original
certificate yet; lowest ids first), locks them, skips those that got a certificate
meanwhile, reserves exactly that many consecutive numbers under the per-year
counter lock, and adds every certificate with its snapshot and its audit event,
then flushes. Nothing of a chunk is visible before its transaction commits, and a
failure rolls all of the chunk back (the counter too, so no number is skipped).

Like every service this module flushes and never commits; the caller passes
``commit`` (``db.session.commit``) to make each chunk a transaction of its own —
the cohort page's job and the CLI do — or leaves it out to issue everything in its
own single transaction. A run that failed part-way is simply run again: the
committed chunks are whole, the eligible list no longer holds their enrollments,
and the run goes on with the rest. Two runs at the same time (or a run and a
single issue) wait for each other's row locks and never issue twice: the locked
rows are checked again after the wait, and a partial unique index refuses a
second original certificate for an enrollment in any case.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from lms.certificates import numbering
from lms.certificates.models import Certificate
from lms.core import audit
from lms.core.db import utcnow
from lms.core.timeutil import to_kst
from lms.extensions import db

CHUNK_SIZE = 100  # certificates per transaction: ~1 s of PDF work, a short lock on the counter

Progress = Callable[[int, int], None]


def _eligible_query(cohort):
    from lms.learning.models import Enrollment

    issued = exists().where(Certificate.enrollment_id == Enrollment.id, Certificate.supersedes_id.is_(None))
    return select(Enrollment.id).where(Enrollment.cohort_id == cohort.id, Enrollment.status == "completed", ~issued)


def refresh_and_count(cohort) -> int:
    """Re-evaluate the cohort's active enrollments (those now complete become eligible;
    their automatic issue may already issue them), then count the eligible ones."""
    from lms.certificates.services import refresh_active

    refresh_active(cohort)
    return db.session.execute(select(func.count()).select_from(_eligible_query(cohort).subquery())).scalar_one()


def issue_chunk(cohort, actor=None, *, limit: int = CHUNK_SIZE) -> tuple[list[Certificate], int]:
    """Issue for up to ``limit`` eligible enrollments of ``cohort``; flushes, never commits.

    Returns ``(new certificates, enrollments handled)``; handled counts those that
    turned out to hold a certificate already (another run issued them meanwhile),
    and 0 means nothing is left to issue. Raises whatever issuing raises: the caller
    rolls the transaction back and nothing of the chunk remains.
    """
    from lms.accounts.models import User
    from lms.certificates.services import _new_certificate, build_snapshot, issuing_institution
    from lms.learning.models import Enrollment

    ids = list(db.session.execute(_eligible_query(cohort).order_by(Enrollment.id).limit(limit)).scalars())
    if not ids:
        return [], 0
    # Lock in id order (two runs never deadlock), then look again: a run that held
    # these rows before us may have issued them.
    locked = db.session.execute(
        select(Enrollment).where(Enrollment.id.in_(ids)).order_by(Enrollment.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalars().all()
    done = set(db.session.execute(
        select(Certificate.enrollment_id).where(Certificate.enrollment_id.in_(ids), Certificate.supersedes_id.is_(None))
    ).scalars())
    todo = [e for e in locked if e.id not in done and e.status == "completed"]
    if not todo:
        return [], len(ids)
    # The trainees and their companies in two queries instead of two per trainee.
    db.session.execute(select(User).where(User.id.in_({e.user_id for e in todo}))
                       .options(selectinload(User.company))).scalars().all()
    issued_at = utcnow()
    first = numbering.reserve(to_kst(issued_at).year, len(todo))
    certs = []
    for i, e in enumerate(todo):
        institution = issuing_institution(e)
        certs.append(_new_certificate(e, institution, build_snapshot(e, institution), issued_at=issued_at,
                                      serial=first + i, flush=False))
    db.session.flush()
    for cert in certs:
        audit.record(actor, "certificate.issue", cert, number=cert.number, enrollment_id=cert.enrollment_id)
    db.session.flush()
    return certs, len(ids)


def issue_for_cohort(cohort, actor=None, *, chunk_size: int = CHUNK_SIZE, progress: Progress | None = None,
                     commit: Callable[[], None] | None = None) -> list[Certificate]:
    """Issue certificates for every eligible trainee of ``cohort``; returns the new ones.

    ``chunk_size`` (≥ 1) certificates per chunk; ``commit`` is called after the
    refresh of active enrollments and after every chunk (omit it to keep everything
    in the caller's one transaction); ``progress(done, total)`` after each chunk, in
    enrollments (``total`` is the eligible count at the start, raised if more
    became eligible meanwhile). Returned certificates were committed chunk by chunk,
    so after a commit their attributes load again on access.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    total = refresh_and_count(cohort)
    if commit is not None:
        commit()
    if progress is not None:
        progress(0, total)
    new: list[Certificate] = []
    done = 0
    while True:
        certs, handled = issue_chunk(cohort, actor, limit=chunk_size)
        if not handled:
            break
        if commit is not None:
            commit()
        new.extend(certs)
        done += handled
        total = max(total, done)
        if progress is not None:
            progress(done, total)
    return new
