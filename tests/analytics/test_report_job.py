"""The monthly report as a background job (issue 12): the dashboard's button queues
``analytics.monthly_report`` and its progress page ends with the PDF to download; a month
that has not ended is refused before any job."""
from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.jobs.models import Job


def _job():
    return db.session.execute(select(Job).where(Job.kind == "analytics.monthly_report")
                              .order_by(Job.created_at.desc())).scalars().first()


def test_the_report_button_makes_the_pdf_as_a_job(ministry_client):
    page = ministry_client.get("/ministry").text
    assert 'action="/ministry/report"' in page and 'method="post"' in page
    r = ministry_client.post("/ministry/report", data={"month": "2026-06"})
    job = _job()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, job.done, job.total) == ("succeeded", 3, 3)
    assert "2026-06" in job.summary
    pdf = ministry_client.get(f"/jobs/{job.id}/result")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].endswith("monthly-report-2026-06.pdf")


def test_a_month_not_ended_is_refused_before_any_job(ministry_client):
    for month, said in (("2099-01", "아직 끝나지 않은 달"), ("2026-13", "YYYY-MM"), ("nonsense", "YYYY-MM")):
        r = ministry_client.post("/ministry/report", data={"month": month}, follow_redirects=True)
        assert r.status_code == 200
        assert said in r.text, month
    assert _job() is None


def test_the_report_job_is_the_ministry_s_own(ministry_client, client, as_role):
    ministry_client.post("/ministry/report", data={"month": "2026-06"})
    job = _job()
    as_role("ministry")  # another ministry officer
    assert client.get(f"/jobs/{job.id}/result").status_code == 404
