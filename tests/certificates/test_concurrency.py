"""Real concurrency (committed transactions, one session per thread): numbers stay gap-free and
unique, and racing issues of one enrollment make exactly one certificate."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.certificates import services
from lms.certificates.models import Certificate, CertificateCounter
from lms.extensions import db
from tests.concurrency import run_threads
from tests.certificates.conftest import completed_enrollment, make_cohort


def _issue(enrollment_id):
    from lms.learning.models import Enrollment

    services.issue_for_enrollment(db.session.get(Enrollment, enrollment_id))


def test_numbers_are_gap_free_and_unique_under_concurrency(app, live_db):
    cohort = make_cohort()
    ids = [completed_enrollment(cohort=cohort).id for _ in range(8)]
    db.session.commit()
    errors = run_threads(app, _issue, [(i,) for i in ids])
    assert not errors, errors
    certs = db.session.execute(select(Certificate)).scalars().all()
    assert len(certs) == 8
    by_year: dict[int, list[int]] = {}
    for c in certs:
        by_year.setdefault(c.year, []).append(c.serial)
    for year, serials in by_year.items():
        assert sorted(serials) == list(range(1, len(serials) + 1))
        assert db.session.get(CertificateCounter, year).last_serial == len(serials)


def test_racing_issues_of_one_enrollment_make_one_certificate(app, live_db):
    enrollment_id = completed_enrollment(cohort=make_cohort()).id
    db.session.commit()
    errors = run_threads(app, _issue, [(enrollment_id,)] * 6)
    assert not errors, errors
    count = db.session.scalar(select(func.count(Certificate.id)).where(Certificate.enrollment_id == enrollment_id))
    assert count == 1
    assert db.session.scalar(select(func.max(CertificateCounter.last_serial))) == 1  # no number burnt


def test_cohort_issue_racing_single_issues(app, live_db):
    cohort = make_cohort()
    ids = [completed_enrollment(cohort=cohort).id for _ in range(5)]
    cohort_id = cohort.id
    db.session.commit()

    def cohort_issue():
        from lms.labs.models import Cohort

        services.issue_for_cohort(db.session.get(Cohort, cohort_id))

    errors = run_threads(app, lambda fn, *a: fn(*a), [(cohort_issue,)] + [(_issue, i) for i in ids[:3]])
    assert not errors, errors
    certs = db.session.execute(select(Certificate)).scalars().all()
    assert sorted(c.enrollment_id for c in certs) == sorted(ids)
    assert sorted(c.serial for c in certs) == list(range(1, 6))
