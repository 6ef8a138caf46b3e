"""An instructor exports a cohort roster through the reason form, and an admin finds
that export in the personal-data access log (PIPA 안전성 확보조치 기준 제8조)."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import login, logout, shot


def test_roster_export_asks_a_reason_and_the_admin_sees_it_logged(page, demo_data):
    """PIPA 안전성 확보조치 기준 제8조: exports of personal data give a reason; admins can review them."""
    base = demo_data.url
    login(page, base, "instructor@demo.kr")
    page.goto(base + "/labs/cohorts")
    hrefs = page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    cohort = next(h for h in hrefs if h and re.fullmatch(r"/labs/cohorts/\d+", h))
    page.goto(base + cohort)
    page.get_by_role("link", name="명단 CSV").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="내려받는 사유")).to_be_visible()
    page.get_by_role("button", name="내려받기").click()  # no purpose chosen: the form again, no file
    page.wait_for_load_state()
    expect(page.get_by_text("내려받는 목적을 골라 주세요.")).to_be_visible()
    shot(page, "access-log-01-reason-form")
    page.get_by_label(re.compile("내려받는 목적")).select_option("operation")
    with page.expect_download() as dl:
        page.get_by_role("button", name="내려받기").click()
    with open(dl.value.path(), "rb") as fh:
        assert fh.read().startswith(b"\xef\xbb\xbf")  # the CSV (UTF-8 with BOM)
    logout(page)

    login(page, base, "admin@demo.kr")
    page.goto(base + "/admin/access-log?action=export")
    row = page.locator("tr[data-access]").filter(has_text="instructor@demo.kr").first
    expect(row).to_contain_text("내보내기")
    expect(row).to_contain_text("훈련 운영·학사 관리")
    shot(page, "access-log-02-admin-search")
