"""The monthly report PDF: cohort tables not cut silently, the contract-cohort table,
page numbers, no header word split (issue 8); admin-entered labels with markup
never break a PDF (issue 9 item 4), for the report and the certificate."""
from __future__ import annotations

import io
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Table

from lms.analytics import report_pdf
from lms.extensions import db


def pdf_text(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def cohort_rows(n: int, start=(2019, 1)) -> list[list]:
    y, m = start
    rows = []
    for _ in range(n):
        rows.append([f"{y:04d}-{m:02d}", 25] + [0.2] * 12 + [91])
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return rows


def synthetic(label: str = "기관", intake_months: int = 70, contract: int = 45) -> dict:
    """Presented figures (as services.present returns them) with long cohort tables."""
    from lms.analytics.specs import TABLES

    def cols(key):
        return [c.key for c in TABLES[key].columns]

    breakdown = lambda lbl: {"columns": cols("by_region"), "rows": [[lbl, 30, 20, 10, 0.66]]}  # noqa: E731
    heat_cols = cols("cohort_intake")
    contract_rows = [[f"스마트공장 계약학과 {2015 + k // 2}-{k % 2 + 1}기", 10] + [0.1] * 12 + [120] for k in range(contract)]
    return {
        "headline": {"registered": 100, "active30": 20, "enrolled": 90, "completed": 60, "certified_valid": 50,
                     "target": 100000, "target_date": "2027-12-31", "progress_pct": 0.05, "new_90d": 10,
                     "pace_per_day": 0.11, "projected_date": None, "on_track": False, "needed_per_day": 99.0,
                     "as_of": "2026-10-31T15:00:00+00:00"},
        "tables": {
            "cumulative": {"columns": cols("cumulative"), "rows": [["2026-01", 5, 100], ["2026-02", 10, 200]]},
            "funnel": {"columns": cols("funnel"), "rows": [[label, 100, 1.0], ["수강 신청", 90, 0.9]]},
            "by_region": breakdown(label), "by_kind": breakdown(label), "by_institution": breakdown(label),
            "by_tech": breakdown(label), "by_size": breakdown(label), "by_course": breakdown(label),
            "cohort_intake": {"columns": heat_cols, "rows": cohort_rows(intake_months)},
            "cohort_contract": {"columns": heat_cols, "rows": contract_rows},
            "labs": {"columns": cols("labs"), "rows": [[label, 6, 60, 30, 0.9, 0.1, 0.5, 20, 0.8]]},
        },
    }


def test_cohort_tables_show_the_most_recent_and_say_what_was_left_out(app):
    """Issue 8: the intake-cohort table stopped at 2022-07 without saying so, and the
    contract-cohort table was missing."""
    pages = pdf_text(report_pdf.render("2026-10", synthetic()))
    text = "\n".join(pages)
    assert "2024-10" in text  # the most recent intake month (70 months from 2019-01)
    assert "2019-01" in text and "생략한 46개" in text  # the note names what was left out
    assert "계약학과 기수별 코호트" in text
    assert "2037-1기" in text  # the most recent contract cohort (the 45th)
    assert "생략한 15개" in text


def test_every_page_is_numbered(app):
    pages = pdf_text(report_pdf.render("2026-10", synthetic()))
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert f"{n} / {len(pages)}" in page


def test_no_header_word_is_split(app):
    """Every word of every column header fits its column (headers wrap at spaces only)."""
    story = report_pdf.build_story("2026-10", synthetic())
    tables = [f for f in story if isinstance(f, Table)]
    assert len(tables) >= 11
    checked = 0
    for t in tables[1:]:  # the first is the headline table (full sentences, wide columns)
        for cell, width in zip(t._cellvalues[0], t._colWidths):
            style = cell.style
            assert style.splitLongWords == 0
            for word in cell.text.split():
                word_w = pdfmetrics.stringWidth(word.replace("&amp;", "&"), style.fontName, style.fontSize)
                assert word_w <= width - 2 * report_pdf.PAD, (cell.text, word, word_w, width)
                checked += 1
    assert checked > 50


def test_subset_report_has_no_target_chart(app):
    data = synthetic()
    data["headline"].update(target=None, target_date=None, progress_pct=None)
    text = "\n".join(pdf_text(report_pdf.render("2026-10", data)))
    assert "점선: 목표선" not in text and "목표 달성률" not in text


# ---------------------------------------------------------------- markup in labels (issue 9 item 4)

@pytest.mark.parametrize("name", ["<b>x", "A & B 대학교", "<font", "</para>", "&amp;", "a]]>b<br/>"])
def test_report_with_markup_in_an_institution_name(world, ministry_client, name):
    world.uni.name_ko = name
    db.session.commit()
    resp = ministry_client.get("/ministry/report.pdf?month=2026-06")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    assert name in "\n".join(pdf_text(resp.data))  # printed as typed


labels = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


def test_any_label_text_renders_in_the_report(app):
    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(labels)
    def renders(label):
        assert report_pdf.render("2026-10", synthetic(label, intake_months=3, contract=2)).startswith(b"%PDF")

    renders()


def test_any_text_renders_in_a_certificate(app):
    from lms.certificates.pdf import CertificateDoc, render_doc

    @settings(max_examples=15, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(labels, labels, labels)
    def renders(name, institution, course):
        doc = CertificateDoc(number="2026-000001", verification_code="abc", verify_url="http://localhost/verify/abc",
                             issued_on=date(2026, 3, 1), expires_on=None, name=name or "이름", birth_date=None,
                             company=institution, course_title_ko=course or "과정", course_title_en=course or "Course",
                             hours=8, period_start=date(2026, 2, 1), period_end=date(2026, 3, 1),
                             institution_ko=institution or "기관", institution_en=institution or "Inst",
                             head_title_ko="총장", head_title_en="President", head_name_ko="김총장", head_name_en="Kim")
        assert render_doc(doc, "ko").startswith(b"%PDF") and render_doc(doc, "en").startswith(b"%PDF")

    renders()
