"""The roster import as a background job (issue 12): the confirm button queues
``labs.roster_import`` and shows its progress page; the job writes every row or none, a
rejected file fails it with the rows and columns at fault, and a retry of a failed
import (the kept upload is still there) imports every row exactly once."""
from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from lms.accounts.models import User
from lms.core.access_log import AccessLogEntry
from lms.extensions import db
from lms.jobs.models import Job
from lms.labs.models import CohortMember
from tests.conftest import login
from tests.labs.test_roster import CSV


def _count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _upload(client, world):
    url = f"/labs/cohorts/{world.cohort.id}"
    r = client.post(url + "/roster", data={"file": (io.BytesIO(CSV.encode("utf-8")), "명단.csv")},
                    content_type="multipart/form-data", follow_redirects=True)
    return url, re.search(r'name="token" value="([^"]+)"', r.text).group(1)


def _job():
    return db.session.execute(select(Job).where(Job.kind == "labs.roster_import")
                              .order_by(Job.created_at.desc())).scalars().first()


def test_confirm_queues_the_import_and_its_page_ends_on_the_result(world, client):
    db.session.commit()
    login(client, world.instructor)
    url, token = _upload(client, world)
    r = client.post(url + "/roster/confirm", data={"token": token})
    job = _job()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/jobs/{job.id}")
    assert (job.status, job.done, job.total) == ("succeeded", 3, 3)
    assert "초대 3명" in job.summary and job.result_url == url
    assert _count(CohortMember) == 3
    entry = db.session.execute(select(AccessLogEntry).order_by(AccessLogEntry.id.desc())).scalars().first()
    assert entry.action == "change" and entry.subject_count == 3 and entry.actor_id == world.instructor.id


def test_a_file_rejected_at_import_time_writes_nothing_and_names_row_and_column(world, client, monkeypatch):
    from lms.labs import roster

    db.session.commit()
    login(client, world.instructor)
    url, token = _upload(client, world)
    users = _count(User)
    real = roster.parse_roster

    def changed_meanwhile(cohort, data, filename):  # the database moved between preview and confirm
        preview = real(cohort, data, filename)
        preview.errors.append((3, "이메일", "다른 사람이 이미 쓰는 이메일입니다."))
        return preview

    monkeypatch.setattr(roster, "parse_roster", changed_meanwhile)
    client.post(url + "/roster/confirm", data={"token": token})
    job = _job()
    assert job.status == "failed"
    assert "3행 '이메일' 열: 다른 사람이 이미 쓰는 이메일입니다." in job.error
    assert "아무것도 가져오지 않았습니다" in job.error
    assert (_count(User), _count(CohortMember)) == (users, 0)
    page = client.get(f"/jobs/{job.id}").text
    assert "3행 &#39;이메일&#39; 열" in page or "3행 '이메일' 열" in page


def test_a_crash_part_way_leaves_no_row_and_the_retry_imports_each_once(world, client, monkeypatch):
    from lms.labs import roster

    db.session.commit()
    login(client, world.instructor)
    url, token = _upload(client, world)
    users = _count(User)
    real_join, calls = roster.join_cohort, []

    def crash_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("connection lost")
        return real_join(*args, **kwargs)

    monkeypatch.setattr(roster, "join_cohort", crash_on_the_second)
    client.post(url + "/roster/confirm", data={"token": token})
    job = _job()
    assert job.status == "failed" and "connection lost" not in job.error
    assert (_count(User), _count(CohortMember)) == (users, 0)  # the first row went back too
    monkeypatch.setattr(roster, "join_cohort", real_join)
    r = client.post(f"/jobs/{job.id}/retry")
    assert r.status_code == 302
    job = db.session.get(Job, job.id, populate_existing=True)
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert (_count(User), _count(CohortMember)) == (users + 3, 3)


def test_a_used_or_foreign_token_is_refused_before_any_job(world, client):
    db.session.commit()
    login(client, world.instructor)
    url = f"/labs/cohorts/{world.cohort.id}"
    r = client.post(url + "/roster/confirm", data={"token": "x" * 32}, follow_redirects=True)
    assert "다시 올려" in r.text or "이미 가져왔거나" in r.text
    assert _job() is None
