"""Cohort issuing in chunks (lms/certificates/bulk.py): a failure part-way leaves only whole,
committed chunks (certificate, number, snapshot, audit event together), nothing of the failed
chunk, no number burnt; running it again finishes the cohort without a second certificate for
any enrollment, also when two runs go at once."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import func, select

from lms.certificates import bulk, services
from lms.certificates.models import Certificate, CertificateCounter
from lms.core import audit
from lms.core.audit import AuditEvent
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment, make_cohort
from tests.concurrency import run_threads


class Boom(RuntimeError):
    pass


def _serial_now() -> int:
    return db.session.scalar(select(func.max(CertificateCounter.last_serial))) or 0


def _issue_events(enrollment_ids) -> list[AuditEvent]:
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).scalars().all()
    return [e for e in events if (e.details or {}).get("enrollment_id") in set(enrollment_ids)]


def _originals(enrollment_ids) -> list[Certificate]:
    return list(db.session.execute(
        select(Certificate).where(Certificate.enrollment_id.in_(enrollment_ids), Certificate.supersedes_id.is_(None))
        .order_by(Certificate.serial)).scalars())


def _fail_at(monkeypatch, stage: str, k: int) -> None:
    """Make the k-th (0-based) certificate of the run fail at ``stage``: while drawing its PDF
    (before its row exists) or while writing its audit event (after every row of the chunk)."""
    calls = {"n": 0}
    if stage == "pdf":
        real = services._new_certificate
        target, name = services, "_new_certificate"
    else:
        real = audit.record
        target, name = audit, "record"

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == k + 1:
            raise Boom(f"injected failure at certificate {k} ({stage})")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, failing)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), n=st.integers(min_value=2, max_value=9), chunk=st.integers(min_value=1, max_value=4),
       stage=st.sampled_from(["pdf", "audit"]))
def test_failure_part_way_keeps_whole_chunks_and_a_retry_finishes_without_duplicates(data, n, chunk, stage):
    cohort = make_cohort()
    ids = [completed_enrollment(cohort=cohort).id for _ in range(n)]
    db.session.commit()
    first_serial = _serial_now() + 1
    # Fail somewhere after the first chunk, in a middle (or the last) chunk.
    k = data.draw(st.integers(min_value=min(chunk, n - 1), max_value=n - 1), label="failing certificate")
    seen: list[tuple[int, int]] = []
    with pytest.MonkeyPatch.context() as mp:
        _fail_at(mp, stage, k)
        with pytest.raises(Boom):
            services.issue_for_cohort(cohort, chunk_size=chunk, progress=lambda d, t: seen.append((d, t)),
                                      commit=db.session.commit)
    db.session.rollback()  # what the view, the CLI and the job do with an error

    committed = (k // chunk) * chunk  # the chunks before the failing one, whole
    certs = _originals(ids)
    assert [c.enrollment_id for c in certs] == ids[:committed]
    assert [c.serial for c in certs] == list(range(first_serial, first_serial + committed))
    assert _serial_now() == first_serial - 1 + committed  # no number reserved by the failed chunk
    assert all(c.snapshot.get("name") and c.snapshot.get("verify_url") and c.pdf_sha256 for c in certs)
    events = _issue_events(ids)
    assert sorted(e.details["enrollment_id"] for e in events) == ids[:committed]
    assert seen[0] == (0, n) and seen[-1] == (committed, n)

    again = services.issue_for_cohort(cohort, chunk_size=chunk, commit=db.session.commit)
    assert len(again) == n - committed
    certs = _originals(ids)
    assert sorted(c.enrollment_id for c in certs) == ids  # one original each
    assert [c.serial for c in certs] == list(range(first_serial, first_serial + n))  # gap-free
    assert sorted(e.details["enrollment_id"] for e in _issue_events(ids)) == ids
    assert services.issue_for_cohort(cohort, chunk_size=chunk, commit=db.session.commit) == []


def test_progress_counts_enrollments_chunk_by_chunk(cohort):
    ids = [completed_enrollment(cohort=cohort).id for _ in range(5)]
    seen = []
    certs = services.issue_for_cohort(cohort, chunk_size=2, progress=lambda d, t: seen.append((d, t)),
                                      commit=db.session.commit)
    assert sorted(c.enrollment_id for c in certs) == ids
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_without_commit_everything_is_one_transaction(cohort, monkeypatch):
    ids = [completed_enrollment(cohort=cohort).id for _ in range(4)]
    db.session.commit()
    _fail_at(monkeypatch, "audit", 3)
    with pytest.raises(Boom):
        services.issue_for_cohort(cohort, chunk_size=2)
    db.session.rollback()
    assert _originals(ids) == []


def test_chunk_size_must_be_positive(cohort):
    with pytest.raises(ValueError):
        bulk.issue_for_cohort(cohort, chunk_size=0)


def test_two_runs_at_once_issue_each_certificate_once(app, live_db):
    cohort = make_cohort()
    ids = [completed_enrollment(cohort=cohort).id for _ in range(12)]
    cohort_id = cohort.id
    db.session.commit()

    def run(chunk):
        from lms.labs.models import Cohort

        services.issue_for_cohort(db.session.get(Cohort, cohort_id), chunk_size=chunk, commit=db.session.commit)

    def single(enrollment_id):
        from lms.learning.models import Enrollment

        services.issue_for_enrollment(db.session.get(Enrollment, enrollment_id))

    errors = run_threads(app, lambda fn, *a: fn(*a), [(run, 3), (run, 5), (single, ids[7])])
    assert not errors, errors
    certs = _originals(ids)
    assert sorted(c.enrollment_id for c in certs) == ids
    assert [c.serial for c in certs] == list(range(1, 13))
    assert db.session.scalar(select(func.count(Certificate.id))) == 12
    assert sorted(e.details["enrollment_id"] for e in _issue_events(ids)) == ids
