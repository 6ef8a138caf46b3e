"""Long work in the browser runs as a background job (issue 12): on a phone, the demo
instructor issues a cohort's certificates and downloads the cohort's ZIP. Each button
leads to the job's progress page (a <progress> bar moved by static/js/jobs.js), which
ends on its result; "내 작업" finds both jobs again after leaving the page.

The live server has no Redis, so the jobs run in a thread of the web process (the
`make run` path); tests/jobs/test_worker.py runs them in a real RQ worker."""
from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa
from playwright.sync_api import expect

from lms.config import normalise_db_url

from .conftest import login, shot

COHORT = "2026-2기"


def _cohort_id(live_server) -> int:
    engine = sa.create_engine(normalise_db_url(live_server.env["LMS_DATABASE_URL"]))
    with engine.connect() as conn:
        cid = conn.execute(sa.text(
            "SELECT c.id FROM cohorts c JOIN cohort_instructors ci ON ci.cohort_id = c.id "
            "JOIN users u ON u.id = ci.user_id WHERE u.email = 'instructor@demo.kr' AND c.label = :l ORDER BY c.id"),
            {"l": COHORT}).scalar()
    engine.dispose()
    return cid


def _wait_for_the_end(page) -> None:
    """The progress page ends with its state badge at 완료 and the bar full."""
    expect(page.locator(".job-badge")).to_have_text("완료", timeout=60000)
    expect(page.locator("progress#job-progress")).to_have_attribute("value", "100")


def test_instructor_runs_cohort_jobs_and_finds_them_again(phone, live_server, demo_data):
    base = demo_data.url
    login(phone, base, "instructor@demo.kr")
    cohort_id = _cohort_id(live_server)
    phone.goto(f"{base}/certificates/cohorts/{cohort_id}")

    # 1. Issue every eligible certificate: the button queues a job and shows its progress page.
    phone.get_by_role("button", name="수료 대상자 전원 발급").click()
    phone.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("수료증 일괄 발급")
    expect(phone.get_by_label("진행률")).to_be_visible()
    _wait_for_the_end(phone)
    shot(phone, "jobs-01-issue-done-360")
    phone.get_by_role("link", name="결과 보기").click()
    phone.wait_for_url(re.compile(rf"/certificates/cohorts/{cohort_id}"))

    # 2. The cohort ZIP: the reason first, then the job, then the file.
    phone.get_by_role("link", name="ZIP으로 내려받기").click()
    phone.get_by_label("내려받는 목적").select_option("operation")
    phone.get_by_role("button", name="내려받기").click()
    phone.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    _wait_for_the_end(phone)
    shot(phone, "jobs-02-bundle-done-360")
    with phone.expect_download() as dl:
        phone.get_by_role("link", name=re.compile("결과 파일 내려받기")).click()
    data = open(dl.value.path(), "rb").read()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert names and all(n.endswith(".pdf") for n in names)

    # 3. Leaving and coming back: "내 작업" lists both, newest first.
    phone.goto(base + "/")
    phone.goto(base + "/jobs")
    rows = phone.locator("table.jobs-table tbody tr")  # other journeys may have left jobs of their own
    expect(rows.nth(0)).to_contain_text("기수 수료증 파일 만들기")
    expect(rows.nth(1)).to_contain_text("수료증 일괄 발급")
    expect(rows.nth(0)).to_contain_text("완료")
    expect(rows.nth(1)).to_contain_text("완료")
    shot(phone, "jobs-03-my-jobs-360")
