"""Large roster and attendance exports run as background jobs (issue 12): above
EXPORT_JOB_ROWS rows the download button queues ``labs.cohort_export`` after the export
reason; the job's file is the same as the direct download's, and downloading it writes
the access-log entry with the members and that reason. Small exports stay direct."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.core.access_log import AccessLogEntry
from lms.extensions import db
from lms.jobs.models import Job
from lms.labs.roster import apply_roster
from tests.conftest import login
from tests.exports import download
from tests.labs.test_roster import CSV


def _job():
    return db.session.execute(select(Job).where(Job.kind == "labs.cohort_export")
                              .order_by(Job.created_at.desc())).scalars().first()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_is_a_job_whose_file_matches_the_direct_download(world, client, app, monkeypatch, fmt):
    apply_roster(world.cohort, world.instructor, CSV.encode("utf-8"), "명단.csv")
    db.session.commit()
    login(client, world.instructor)
    url = f"/labs/cohorts/{world.cohort.id}/roster.{fmt}"
    direct = download(client, url)
    assert direct.status_code == 200 and _job() is None  # 3 rows: a direct download

    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", 2)
    resp = download(client, url)  # answers the reason form, then queues
    job = _job()
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    before = db.session.execute(select(AccessLogEntry.id).order_by(AccessLogEntry.id.desc())).scalars().first()
    result = client.get(f"/jobs/{job.id}/result")
    assert result.status_code == 200
    if fmt == "csv":  # the same rows as the direct file (its preamble carries the minute it was made)
        assert result.data.decode("utf-8-sig").splitlines()[1:] == direct.data.decode("utf-8-sig").splitlines()[1:]
        assert "김민수" in result.data.decode("utf-8-sig")
    else:
        assert result.data[:2] == b"PK"
    entry = db.session.execute(select(AccessLogEntry).order_by(AccessLogEntry.id.desc())).scalars().first()
    assert entry.id != before and entry.action == "download" and entry.subject_count == 3
    assert entry.reason  # the reason given before the job was queued


def test_attendance_export_job_and_the_owner_only(world, client, app, monkeypatch):
    apply_roster(world.cohort, world.instructor, CSV.encode("utf-8"), "명단.csv")
    db.session.commit()
    monkeypatch.setitem(app.config, "EXPORT_JOB_ROWS", -1)
    login(client, world.instructor)
    download(client, f"/labs/cohorts/{world.cohort.id}/attendance.csv")
    job = _job()
    assert job.status == "succeeded" and job.result_name.endswith(".csv")
    login(client, world.other_instructor)
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
