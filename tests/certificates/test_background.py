"""The work of the certificates' jobs (lms/certificates/background.py) driven with a stand-in
for the queue's JobContext: progress adds up, the result and the access-log entry of the
download are set, and an actor who may not manage the cohort gets a readable failure."""
from __future__ import annotations

import io
import zipfile

import pytest

from lms.certificates import background, services
from lms.errors import DomainError
from lms.extensions import db
from tests.certificates.conftest import completed_enrollment
from tests.factories import make_user


class FakeContext:
    attempt = 1

    def __init__(self, actor):
        self.actor, self.total, self.done, self.totals = actor, None, 0, []
        self.summary = self.result_url = self.file = self.access = None

    def set_total(self, n):
        self.total = n
        self.totals.append(n)

    def set_done(self, done):
        assert done >= self.done  # the bar never goes back
        self.done = done

    def set_summary(self, text):
        self.summary = text

    def set_result_url(self, url):
        self.result_url = url

    def save_file(self, data, filename, mimetype):
        self.file = (data, filename, mimetype)

    def set_access_log(self, subject_ids, description, *, reason="", count=None):
        self.access = (list(subject_ids), description, reason)


def _teacher(cohort):
    teacher = make_user(role="instructor")
    cohort.instructors.append(teacher)
    db.session.flush()
    return teacher


def test_issue_reports_progress_and_points_at_the_cohort(cohort):
    ids = [completed_enrollment(cohort=cohort).id for _ in range(3)]
    ctx = FakeContext(_teacher(cohort))
    assert background.issue_cohort(ctx, cohort.id) == 3
    assert (ctx.done, ctx.total) == (3, 3)
    assert ctx.result_url.endswith(f"/certificates/cohorts/{cohort.id}") and "3" in ctx.summary
    assert sorted(c.enrollment_id for c in services.cohort_certificates(cohort)) == ids
    again = FakeContext(ctx.actor)
    assert background.issue_cohort(again, cohort.id) == 0 and again.total == 0 and again.done == 0


def test_someone_who_may_not_manage_the_cohort_gets_a_readable_failure(cohort):
    completed_enrollment(cohort=cohort)
    with pytest.raises(DomainError):
        background.issue_cohort(FakeContext(make_user(role="instructor")), cohort.id)
    with pytest.raises(DomainError):
        background.cohort_bundle(FakeContext(make_user(role="instructor")), cohort.id)
    assert services.cohort_certificates(cohort) == []


def test_bundle_is_the_jobs_file_with_the_holders_for_the_access_log(cohort):
    teacher = _teacher(cohort)
    with pytest.raises(DomainError):  # nothing issued yet
        background.cohort_bundle(FakeContext(teacher), cohort.id)
    certs = [services.issue_for_enrollment(completed_enrollment(cohort=cohort)) for _ in range(2)]
    ctx = FakeContext(teacher)
    assert background.cohort_bundle(ctx, cohort.id, fmt="zip", locale="en", reason="certificate: 수료 확인") == 2
    data, filename, mimetype = ctx.file
    assert mimetype == "application/zip" and filename == f"certificates-cohort-{cohort.id}-en.zip"
    assert sorted(zipfile.ZipFile(io.BytesIO(data)).namelist()) == sorted(f"{c.number}.pdf" for c in certs)
    assert sorted(ctx.access[0]) == sorted(c.user_id for c in certs)
    assert ctx.access[1] == f"cohort {cohort.id} certificates zip" and ctx.access[2] == "certificate: 수료 확인"
    assert (ctx.done, ctx.total) == (2, 2)


def test_reporter_writes_the_job_row_at_most_every_interval():
    ctx = FakeContext(None)
    report = background.Reporter(ctx, every=3600)
    for done in range(0, 11):
        report(done, 10)
    assert ctx.totals == [10] and ctx.done == 10  # the first and the last only
