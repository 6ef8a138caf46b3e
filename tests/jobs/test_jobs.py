"""Background jobs (issue 12): progress, results, failures that leave no half-done unit,
retries that continue without duplicates, and who may see a job. These run the jobs
inline (the TESTING mode); tests/jobs/test_worker.py runs them in a real RQ worker."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import tests.jobs.handlers  # noqa: F401  (registers the test handlers)
from lms.core.access_log import AccessLogEntry
from lms.core.db import utcnow
from lms.extensions import db
from lms.jobs import enqueue
from lms.jobs.models import Job
from lms.jobs.runner import eta_seconds, fail_stale, run_job
from tests.conftest import login
from tests.factories import make_user
from tests.jobs.handlers import units_done


def _job(job_id):
    return db.session.get(Job, job_id, populate_existing=True)


def test_a_job_runs_to_the_end_with_its_progress_and_summary(app):
    owner = make_user("instructor")
    job = enqueue("tests.count", actor=owner, params={"n": 5, "tag": "a"})
    job = _job(job.id)
    assert (job.status, job.done, job.total, job.summary, job.attempts) == ("succeeded", 5, 5, "5건 처리", 1)
    assert units_done("a") == 5


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 12), data=st.data(), crash=st.booleans())
def test_a_failure_part_way_leaves_whole_units_and_a_retry_finishes_without_duplicates(app, n, data, crash):
    tag = uuid.uuid4().hex  # examples share the test's transaction: each needs its own units
    fail_at = data.draw(st.integers(0, n - 1))
    job = enqueue("tests.count", actor=make_user("instructor"), params={"n": n, "tag": tag, "fail_at": fail_at,
                                                                       "crash": crash})
    job = _job(job.id)
    assert job.status == "failed"
    assert units_done(tag) == fail_at == job.done  # the failing unit's write was rolled back
    if crash:  # an unexpected fault: plain words, nothing internal
        assert "/etc/passwd" not in job.error and "RuntimeError" not in job.error and job.error
    else:
        assert job.error == f"단위 {fail_at}에서 멈췄습니다"
    from lms.jobs.runner import retry

    retry(job)
    job = _job(job.id)
    assert (job.status, job.done, job.attempts) == ("succeeded", n, 2)
    assert units_done(tag) == n  # every unit exactly once


def test_a_job_runs_once_even_if_queued_twice(app):
    job = enqueue("tests.count", actor=make_user("instructor"), params={"n": 3, "tag": "once"})
    assert run_job(job.id) is None  # already finished: a second delivery does nothing
    assert units_done("once") == 3


def test_a_running_job_whose_heartbeat_stopped_reads_as_failed_never_running_forever(app, client):
    owner = make_user("instructor")
    job = Job(kind="tests.count", owner_id=owner.id, params={"n": 3, "tag": "dead"}, status="running", done=1,
              total=3, attempts=1, started_at=utcnow() - timedelta(minutes=10),
              heartbeat_at=utcnow() - timedelta(minutes=5))
    db.session.add(job)
    db.session.commit()
    login(client, owner)
    body = client.get(f"/jobs/{job.id}/status.json").json
    assert body["status"] == "failed" and "중단" in body["error"]
    assert fail_stale() == 0  # nothing else left stuck


def test_eta_from_the_pace_so_far(app):
    now = utcnow()
    job = Job(status="running", done=25, total=100, started_at=now - timedelta(seconds=10))
    assert eta_seconds(job, now) == 30
    assert eta_seconds(Job(status="running", done=0, total=100, started_at=now), now) is None
    # A retry that resumed at 60 and did 20 more in 10 s: 20 left at that pace, whatever came before.
    assert eta_seconds(Job(status="running", done=80, resumed_from=60, total=100,
                           started_at=now - timedelta(seconds=10)), now) == 10


def test_progress_page_and_status_show_counts_and_result(app, client):
    owner = make_user("instructor")
    job = enqueue("tests.count", actor=owner, params={"n": 4, "tag": "page"})
    login(client, owner)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'max="100" value="100"' in page and "4 / 4건" in page and "4건 처리" in page
    status = client.get(f"/jobs/{job.id}/status.json").json
    assert (status["done"], status["total"], status["percent"], status["finished"]) == (4, 4, 100, True)
    listing = client.get("/jobs").get_data(as_text=True)
    assert "테스트 작업" in listing and f"/jobs/{job.id}" in listing


def test_failed_job_page_offers_a_retry_that_continues(app, client):
    owner = make_user("instructor")
    job = enqueue("tests.count", actor=owner, params={"n": 3, "tag": "r", "fail_at": 1})
    login(client, owner)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "단위 1에서 멈췄습니다" in page and "다시 시도" in page
    resp = client.post(f"/jobs/{job.id}/retry")
    assert resp.status_code == 302
    assert _job(job.id).status == "succeeded" and units_done("r") == 3


def test_result_file_download_is_logged_as_an_access_to_the_people_in_it(app, client):
    owner = make_user("instructor")
    people = [make_user("trainee").id for _ in range(3)]
    job = enqueue("tests.file", actor=owner, params={"subjects": people})
    login(client, owner)
    resp = client.get(f"/jobs/{job.id}/result")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "홍길동" in resp.data.decode("utf-8-sig")
    entry = db.session.query(AccessLogEntry).order_by(AccessLogEntry.id.desc()).first()
    assert entry.action == "download" and entry.subject_count == 3 and entry.reason == "점검"


def test_only_the_owner_and_admins_see_a_job(app, client):
    owner = make_user("instructor")
    job = enqueue("tests.file", actor=owner, params={"subjects": []})
    for other in (make_user("instructor"), make_user("trainee"), make_user("ministry")):
        login(client, other)
        for url in (f"/jobs/{job.id}", f"/jobs/{job.id}/status.json", f"/jobs/{job.id}/result"):
            assert client.get(url).status_code == 404, url
        assert f"/jobs/{job.id}" not in client.get("/jobs").get_data(as_text=True)
    login(client, make_user("admin"))
    assert client.get(f"/jobs/{job.id}").status_code == 200
    assert client.get("/jobs/not-a-job").status_code == 404


def test_unknown_kind_is_refused(app):
    with pytest.raises(KeyError):
        enqueue("tests.nothing", actor=make_user("instructor"))
