"""The monthly statistics report as a Korean PDF (ReportLab; charts with reportlab.graphics).

Takes presented (already suppressed) figures and returns bytes; it never reads
the database, so a closed month renders from its frozen figures alone.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.analytics.exports import format_cell, suppression_rule
from lms.analytics.specs import TABLES
from lms.core.timeutil import to_kst

FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"
_REPO = Path(__file__).resolve().parents[2]
REPORT_TABLES = ("funnel", "by_region", "by_kind", "by_institution", "by_tech", "by_size", "by_course",
                 "cohort_intake", "labs")


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in ((FONT, "NanumGothic.ttf"), (FONT_BOLD, "NanumGothicBold.ttf")):
        path = _REPO / "static" / "fonts" / file
        if not path.exists():  # vendored copy missing: the system package has the same file
            path = Path("/usr/share/fonts/truetype/nanum") / file
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _styles():
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=12.5, leading=17, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14),
        "small": ParagraphStyle("small", fontName=FONT, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5),
    }


def _fmt_head(v, pct=False):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return f"{v:,.1f}%" if pct else f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def _headline_table(head: dict, st) -> Table:
    rows = [
        [_("가입 훈련생"), _fmt_head(head.get("registered")), _("최근 30일 활동"), _fmt_head(head.get("active30"))],
        [_("수강 인원"), _fmt_head(head.get("enrolled")), _("수료 인원"), _fmt_head(head.get("completed"))],
        [_("유효 수료증 보유"), _fmt_head(head.get("certified_valid")), _("목표 달성률"), _fmt_head(head.get("progress_pct"), True)],
        [_("목표"), f"{_fmt_head(head.get('target'))} ({head.get('target_date')})", _("최근 90일 속도(명/일)"),
         _fmt_head(head.get("pace_per_day"))],
        [_("현 속도 달성 예상일"), head.get("projected_date") or "-", _("기한 내 달성 필요 속도(명/일)"),
         _fmt_head(head.get("needed_per_day"))],
    ]
    t = Table([[Paragraph(str(c), st["body"]) for c in r] for r in rows], colWidths=[38 * mm, 42 * mm, 48 * mm, 42 * mm])
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ced8")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f8")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _cumulative_chart(table: dict) -> Drawing | None:
    rows = table["rows"]
    if not rows:
        return None
    idx = {c: i for i, c in enumerate(table["columns"])}
    actual = [(i, r[idx["certified"]]) for i, r in enumerate(rows) if isinstance(r[idx["certified"]], (int, float))]
    goal = [(i, r[idx["target_line"]]) for i, r in enumerate(rows) if isinstance(r[idx["target_line"]], (int, float))]
    d = Drawing(170 * mm, 62 * mm)
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 40, 22, 170 * mm - 60, 62 * mm - 40
    lp.data = [actual or [(0, 0)], goal or [(0, 0)]]
    lp.lines[0].strokeColor = colors.HexColor("#1d4ed8")
    lp.lines[0].strokeWidth = 2
    lp.lines[1].strokeColor = colors.HexColor("#f97316")
    lp.lines[1].strokeDashArray = (4, 3)
    lp.xValueAxis.labels.fontName = FONT
    lp.yValueAxis.labels.fontName = FONT
    lp.xValueAxis.labelTextFormat = lambda i: rows[int(i)][idx["label"]] if 0 <= int(i) < len(rows) else ""
    lp.xValueAxis.valueSteps = list(range(0, len(rows), max(1, len(rows) // 6)))
    d.add(lp)
    d.add(String(45, 62 * mm - 10, _("실선: 누적 인증 인원 · 점선: 목표선"), fontName=FONT, fontSize=8))
    return d


def _bar_chart(table: dict, value_col: str, limit: int = 12) -> Drawing | None:
    idx = {c: i for i, c in enumerate(table["columns"])}
    items = [(str(r[idx["label"]])[:16], r[idx[value_col]]) for r in table["rows"][:limit]]
    numeric = [(l, v) for l, v in items if isinstance(v, (int, float))]
    if not numeric:
        return None
    h = 12 + 14 * len(numeric)
    d = Drawing(170 * mm, h + 26)  # room under the bars for the value axis labels
    bc = HorizontalBarChart()
    bc.x, bc.y, bc.width, bc.height = 110, 20, 170 * mm - 130, h
    bc.data = [[v for _, v in reversed(numeric)]]
    bc.categoryAxis.categoryNames = [l for l, _ in reversed(numeric)]
    bc.categoryAxis.labels.fontName = FONT
    bc.categoryAxis.labels.fontSize = 7.5
    bc.valueAxis.labels.fontName = FONT
    bc.valueAxis.labels.fontSize = 7
    bc.valueAxis.valueMin = 0
    bc.bars[0].fillColor = colors.HexColor("#1d4ed8")
    d.add(bc)
    return d


def _data_table(key: str, table: dict, st) -> Table:
    spec = TABLES[key]
    idx = {c: i for i, c in enumerate(table["columns"])}
    cols = [c for c in spec.columns if not (c.key.startswith("m") and c.key[1:].isdigit() and int(c.key[1:]) > 6)]
    header = [Paragraph(str(c.label) + (" (%)" if c.kind == "rate" else ""), st["cell"]) for c in cols]
    body = []
    for r in table["rows"][:40]:
        body.append([Paragraph(str(_cell(format_cell(r[idx[c.key]], c.kind))), st["cell"]) for c in cols])
    if not body:
        body = [[Paragraph(_("자료 없음"), st["cell"])] + [""] * (len(cols) - 1)]
    first = 46 * mm if len(cols) < 8 else 30 * mm
    rest = (170 * mm - first) / max(len(cols) - 1, 1)
    t = Table([header] + body, colWidths=[first] + [rest] * (len(cols) - 1), repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _cell(v):
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return v


def render(month: str, data: dict, *, closed_at: datetime | None = None) -> bytes:
    """The report for ``month`` from presented figures (``services.present``)."""
    _register_fonts()
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=_("스마트공장 아카데미 월간 통계 보고서 %(m)s", m=month),
                            author=_("스마트공장 아카데미"))
    y, m = month.split("-")
    story = [Paragraph(_("스마트공장 운영인력 양성 월간 통계 보고서"), st["title"]),
             Paragraph(_("%(y)s년 %(m)s월 말 기준", y=y, m=int(m)), st["body"])]
    if closed_at is not None:
        story.append(Paragraph(_("마감된 달의 확정 수치입니다 (마감: %(t)s KST).", t=to_kst(closed_at).strftime("%Y-%m-%d %H:%M")), st["small"]))
    else:
        story.append(Paragraph(_("마감 전 잠정 수치입니다. 자료가 정정되면 달라질 수 있습니다."), st["small"]))
    story.append(Paragraph(suppression_rule(), st["small"]))
    story += [Paragraph(_("주요 지표"), st["h2"]), _headline_table(data["headline"], st)]
    cum = data["tables"].get("cumulative")
    if cum:
        chart = _cumulative_chart(cum)
        story.append(Paragraph(str(TABLES["cumulative"].title), st["h2"]))
        if chart:
            story.append(chart)
    for key in REPORT_TABLES:
        table = data["tables"].get(key)
        if table is None:
            continue
        block = [Paragraph(str(TABLES[key].title), st["h2"])]
        if key.startswith("by_"):
            chart = _bar_chart(table, "enrolled")
            if chart:
                block.append(chart)
        elif key == "funnel":
            chart = _bar_chart(table, "people")
            if chart:
                block.append(chart)
        block += [Spacer(1, 3), _data_table(key, table, st)]
        story.append(KeepTogether(block[:2]) if len(block) > 2 else block[0])
        story += block[2:] if len(block) > 2 else block[1:]
    doc.build(story)
    return buf.getvalue()
