"""The ministry's view: the programme dashboard on demo data, a filter kept in the
URL, CSV/XLSX exports without personal data, and the monthly report PDF."""
from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlparse

from openpyxl import load_workbook
from pypdf import PdfReader
from playwright.sync_api import expect

from .conftest import label, login, logout, shot
from .journeys import course_info

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
COURSE = "SF101"


def _download(page, locator) -> tuple[bytes, str]:
    with page.expect_download() as dl:
        locator.click()
    download = dl.value
    with open(download.path(), "rb") as fh:
        return fh.read(), download.suggested_filename


def test_ministry_dashboard_filter_exports_and_report(page, demo_data):
    base = demo_data.url
    title = course_info(COURSE)["title_ko"]

    login(page, base, "ministry@demo.kr")
    expect(page).to_have_url(re.compile(r"/ministry"))
    page.goto(base + "/ministry")
    expect(page.get_by_role("heading", name="스마트공장 운영인력 양성 통계", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="주요 지표")).to_be_visible()
    expect(page.locator(".card").filter(has_text="가입 훈련생").locator(".stat")).to_have_text(re.compile(r"\d"))
    expect(page.get_by_text("5의 배수로 반올림").first).to_be_visible()  # the published privacy rule
    shot(page, "ministry-01-dashboard")

    # Filter by course: the URL keeps it, so a reload (or a shared link) shows the same view.
    course_select = page.get_by_label(label("과정"))
    option = course_select.locator("option").filter(has_text=title).first
    course_select.select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name="적용").click()
    page.wait_for_url(re.compile(r"[?&]course="))
    chosen = parse_qs(urlparse(page.url).query)["course"][0]
    assert chosen
    page.reload()
    expect(page.get_by_label(label("과정"))).to_have_value(chosen)
    filtered_url = page.url
    shot(page, "ministry-02-filtered")

    # A table's CSV: UTF-8 with BOM, filters written at the top, no e-mail addresses.
    csv_bytes, csv_name = _download(page, page.get_by_role("link", name="CSV 내려받기").first)
    assert csv_name.endswith(".csv")
    assert csv_bytes.startswith(b"\xef\xbb\xbf"), "the CSV has no UTF-8 BOM (Excel would garble Korean)"
    text = csv_bytes.decode("utf-8-sig")
    assert not EMAIL_RE.search(text), "the CSV export contains an e-mail address"
    assert title in text or COURSE in text, "the CSV does not state the course filter"
    assert "@demo.kr" not in text

    # The whole-dashboard XLSX: every sheet free of e-mail addresses.
    xlsx_bytes, xlsx_name = _download(page, page.get_by_role("link", name="전체 표 XLSX"))
    assert xlsx_name.endswith(".xlsx")
    assert xlsx_bytes.startswith(b"PK")
    wb = load_workbook(io.BytesIO(xlsx_bytes), read_only=True)
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert cells, "the XLSX export is empty"
    assert not [c for c in cells if EMAIL_RE.search(c)], "the XLSX export contains an e-mail address"
    assert page.url == filtered_url  # downloading did not leave the filtered view

    # The monthly report PDF: the month picker offers last month at most, and starts there.
    picker = page.get_by_label("보고서 월")
    last_month = picker.get_attribute("max")
    assert picker.input_value() == last_month
    # It is made by a background job: the button leads to the job's page, which ends on the file.
    page.get_by_role("button", name="월간 보고서(PDF)").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    expect(page.locator(".job-badge")).to_have_text("완료", timeout=60000)
    shot(page, "ministry-report-job")
    pdf_bytes, pdf_name = _download(page, page.get_by_role("link", name=re.compile("결과 파일 내려받기")))
    assert pdf_bytes.startswith(b"%PDF-")
    assert pdf_name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 1
    report_text = "".join(p.extract_text() or "" for p in reader.pages)
    month = re.search(r"monthly-report-(\d{4})-(\d{2})\.pdf", pdf_name)
    assert month, pdf_name
    assert f"{month.group(1)}-{month.group(2)}" == last_month
    assert "월간 통계 보고서" in report_text
    assert f"{int(month.group(1))}년 {int(month.group(2))}월" in report_text
    assert "주요 지표" in report_text
    assert not EMAIL_RE.search(report_text), "the monthly report contains an e-mail address"
    logout(page)


def test_ministry_dashboard_fits_a_phone(phone, demo_data):
    base = demo_data.url
    login(phone, base, "ministry@demo.kr")
    phone.goto(base + "/ministry")
    expect(phone.get_by_role("heading", name="주요 지표")).to_be_visible()
    shot(phone, "phone-ministry-01-dashboard")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"/ministry is {width}px wide on a 360-px phone"
