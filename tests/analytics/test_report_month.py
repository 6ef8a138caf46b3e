"""The monthly report is made for months that have ended (issue 13: /ministry/report.pdf took
any month, the future included), chosen on the dashboard with a month picker."""
from __future__ import annotations

from datetime import datetime

import pytest

from lms.analytics import services
from lms.analytics.models import ClosedMonth
from lms.core.timeutil import KST, frozen_clock
from lms.errors import ValidationError
from lms.extensions import db


@pytest.mark.parametrize("month", ["2030-01", "2026-12", "2027-01"])
def test_this_and_later_months_are_refused(world, ministry_client, month):
    with frozen_clock(datetime(2026, 12, 1, 0, 30, tzinfo=KST)):  # 1 December, 00:30 in Korea
        r = ministry_client.get(f"/ministry/report.pdf?month={month}", follow_redirects=True)
    assert r.mimetype == "text/html" and "아직 끝나지 않은 달의 보고서는 만들 수 없습니다" in r.text
    assert db.session.get(ClosedMonth, month) is None


def test_last_month_is_made_from_the_first_minute_of_the_next(world, ministry_client):
    with frozen_clock(datetime(2026, 12, 1, 0, 0, tzinfo=KST)):
        assert services.check_report_month("2026-11") == "2026-11"
        r = ministry_client.get("/ministry/report.pdf?month=2026-11")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    with frozen_clock(datetime(2026, 11, 30, 23, 59, tzinfo=KST)), pytest.raises(ValidationError):
        services.check_report_month("2026-11")


def test_dashboard_offers_a_month_picker_up_to_last_month(world, ministry_client):
    with frozen_clock(datetime(2026, 12, 4, 9, 0, tzinfo=KST)):
        html = ministry_client.get("/ministry").text
    assert 'type="month"' in html and 'max="2026-11"' in html and 'name="month"' in html


def test_report_pdf_names_itself(world):
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(services.report_pdf("2026-06")))
    assert str(reader.trailer["/Root"]["/Lang"]) == "ko-KR"
    assert "2026-06" in reader.metadata.title and reader.metadata.author and reader.metadata.subject
    text = reader.pages[-1].extract_text()
    assert f"{len(reader.pages)} / {len(reader.pages)}" in text  # page numbers
