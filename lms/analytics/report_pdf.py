"""The monthly statistics report as a Korean PDF (ReportLab; charts with reportlab.graphics).

Takes presented (already suppressed) figures and returns bytes; it never reads
the database, so a closed month renders from its frozen figures alone.

Layout rules: every text reaches a Paragraph through :func:`lms.core.pdftext.para`
(labels are typed by admins: "A&B" or "<b>x" must print as typed, not break the
PDF); long tables go across pages with their header repeated, and where a table
is cut (cohort tables keep the most recent cohorts) a note says how many rows and
which were left out; column widths are fitted so that no header word breaks in
the middle (headers wrap at spaces only; the font shrinks before a word would
split); every page carries "page n / N".
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
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.analytics.exports import format_cell, suppression_rule
from lms.analytics.specs import TABLES
from lms.core.pdftext import para
from lms.core.timeutil import to_kst

FONT = "NanumGothic"
FONT_BOLD = "NanumGothic-Bold"
_REPO = Path(__file__).resolve().parents[2]
REPORT_TABLES = ("funnel", "by_region", "by_kind", "by_institution", "by_tech", "by_size", "by_course",
                 "by_complex", "by_priority", "priority_reach", "meister_overview", "meister_by_purpose",
                 "meister_by_region", "meister_by_complex", "meister_levels",
                 "cohort_intake", "cohort_contract", "labs")
# The value each table's bar chart draws (tables not listed get no chart).
CHART_VALUES = {"funnel": "people", "priority_reach": "reach_rate", "meister_by_purpose": "placements",
                "meister_by_region": "placements", "meister_by_complex": "placements", "meister_levels": "companies"}
# Rows printed per table: cohort tables keep the most recent (their rows are in
# chronological order), the others the first rows (largest first); a note names
# what was left out (the XLSX export has every row).
ROW_LIMITS = {"cohort_intake": 24, "cohort_contract": 30}
DEFAULT_ROW_LIMIT = 40
RECENT_FIRST = ("cohort_intake", "cohort_contract")
HEATMAP_PRINTED_MONTHS = 6
WIDTH = 170 * mm
PAD = 3  # cell padding, points each side
HEADER_SIZES = (7.5, 7, 6.5, 6)


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


def P(text, style) -> Paragraph:
    """A paragraph of literal text (escaped: see module docstring)."""
    return Paragraph(para(text), style)


def _head_style(size: float) -> ParagraphStyle:
    # Wrap at spaces only: a word wider than its column must never be split (the
    # widths are fitted so that none is).
    return ParagraphStyle(f"head{size}", fontName=FONT_BOLD, fontSize=size, leading=size + 2, splitLongWords=0)


def _cell_style(size: float) -> ParagraphStyle:
    return ParagraphStyle(f"cell{size}", fontName=FONT, fontSize=size, leading=size + 2, splitLongWords=0)


class _NumberedCanvas(rl_canvas.Canvas):
    """Defers each page until the end so every page can say "n / N"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawCentredString(A4[0] / 2, 10 * mm, f"{self._pageNumber} / {total}")
            super().showPage()
        super().save()


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
    ]
    if head.get("target"):
        rows += [
            [_("유효 수료증 보유"), _fmt_head(head.get("certified_valid")), _("목표 달성률"), _fmt_head(head.get("progress_pct"), True)],
            [_("목표"), f"{_fmt_head(head.get('target'))} ({head.get('target_date')})", _("최근 90일 속도(명/일)"),
             _fmt_head(head.get("pace_per_day"))],
            [_("현 속도 달성 예상일"), head.get("projected_date") or "-", _("기한 내 달성 필요 속도(명/일)"),
             _fmt_head(head.get("needed_per_day"))],
        ]
    else:
        rows.append([_("유효 수료증 보유"), _fmt_head(head.get("certified_valid")), _("최근 90일 속도(명/일)"),
                     _fmt_head(head.get("pace_per_day"))])
    t = Table([[P(c, st["body"]) for c in r] for r in rows], colWidths=[38 * mm, 42 * mm, 48 * mm, 42 * mm])
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ced8")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef2f8")),
        ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return t


def _line_chart(rows: list, idx: dict, series: list[tuple[str, str]], caption: str) -> Drawing | None:
    """One panel: the given columns of the cumulative table as lines, on a scale
    fitted to those columns only."""
    data = []
    for col, _kind in series:
        pts = [(i, r[idx[col]]) for i, r in enumerate(rows) if isinstance(r[idx[col]], (int, float))]
        data.append(pts)
    if not any(data):
        return None
    d = Drawing(WIDTH, 58 * mm)
    lp = LinePlot()
    lp.x, lp.y, lp.width, lp.height = 46, 22, WIDTH - 66, 58 * mm - 40
    lp.data = [pts or [(0, 0)] for pts in data]
    for k, (_col, kind) in enumerate(series):
        lp.lines[k].strokeColor = colors.HexColor("#1d4ed8" if kind == "actual" else "#f97316")
        lp.lines[k].strokeWidth = 2 if kind == "actual" else 1.5
        if kind != "actual":
            lp.lines[k].strokeDashArray = (4, 3)
    lp.xValueAxis.labels.fontName = FONT
    lp.yValueAxis.labels.fontName = FONT
    lp.xValueAxis.labels.fontSize = 7
    lp.yValueAxis.labels.fontSize = 7
    lp.yValueAxis.valueMin = 0
    lp.xValueAxis.labelTextFormat = lambda i: rows[int(i)][idx["label"]] if 0 <= int(i) < len(rows) else ""
    lp.xValueAxis.valueSteps = list(range(0, len(rows), max(1, len(rows) // 6)))
    d.add(lp)
    d.add(String(50, 58 * mm - 10, caption, fontName=FONT, fontSize=8))
    return d


def _cumulative_charts(table: dict, national: bool) -> list:
    """The actual series on its own scale; against the target line only nationally."""
    rows = table["rows"]
    if not rows:
        return []
    idx = {c: i for i, c in enumerate(table["columns"])}
    out = [_line_chart(rows, idx, [("certified", "actual")], _("누적 인증 인원 (실적에 맞춘 눈금)"))]
    if national:
        out.append(_line_chart(rows, idx, [("certified", "actual"), ("target_line", "target")],
                               _("실선: 누적 인증 인원 · 점선: 목표선")))
    return [d for d in out if d is not None]


def _bar_chart(table: dict, value_col: str, limit: int = 12) -> Drawing | None:
    idx = {c: i for i, c in enumerate(table["columns"])}
    items = [(str(r[idx["label"]])[:16], r[idx[value_col]]) for r in table["rows"][:limit]]
    if not any(isinstance(v, (int, float)) for _l, v in items):
        return None
    # A suppressed row ("<5") keeps its place with no bar, so every row has its line.
    numeric = [(l, v if isinstance(v, (int, float)) else 0) for l, v in items]
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


def _printed_columns(key: str):
    return [c for c in TABLES[key].columns
            if not (c.key.startswith("m") and c.key[1:].isdigit() and int(c.key[1:]) > HEATMAP_PRINTED_MONTHS)]


def _header_text(c) -> str:
    return str(c.label) + (" (%)" if c.kind == "rate" else "")


def _fit_widths(headers: list[str], body: list[list[str]], size: float) -> tuple[list[float], bool]:
    """Column widths (points) for ``WIDTH``: each column at least as wide as its widest
    header word and widest cell; the first (label) column may wrap its cells at
    spaces. Returns (widths, fits)."""
    words = lambda text: [w for w in str(text).split() if w] or [""]  # noqa: E731
    sw = pdfmetrics.stringWidth
    need, natural = [], []
    for j, h in enumerate(headers):
        head_w = max(sw(w, FONT_BOLD, size) for w in words(h))
        cells = [row[j] for row in body]
        if j == 0:
            cell_min = max([sw(w, FONT, size) for c in cells for w in words(c)] or [0])
        else:
            cell_min = max([sw(str(c), FONT, size) for c in cells] or [0])
        cell_nat = max([sw(str(c), FONT, size) for c in cells] or [0])
        need.append(max(head_w, cell_min) + 2 * PAD + 1)
        natural.append(max(sw(h, FONT_BOLD, size), cell_nat) + 2 * PAD + 1)
    spare = WIDTH - sum(need)
    if spare < 0:
        return need, False
    widths = list(need)
    # The label column first gets room to keep its cells on one line, then the
    # rest is shared evenly.
    give = min(spare, max(natural[0] - need[0], 0), max(WIDTH * 0.45 - need[0], 0))
    widths[0] += give
    spare -= give
    for j in range(len(widths)):
        widths[j] += spare / len(widths)
    return widths, True


def _data_table(key: str, rows: list, columns: list, st) -> Table:
    cols = _printed_columns(key)
    idx = {c: i for i, c in enumerate(columns)}
    headers = [_header_text(c) for c in cols]
    body = [[str(_cell(format_cell(r[idx[c.key]], c.kind))) if c.key in idx else "" for c in cols] for r in rows]
    for size in HEADER_SIZES:
        widths, fits = _fit_widths(headers, body, size)
        if fits:
            break
    if not fits:  # cannot happen with the known tables; scale rather than overflow the page
        widths = [w * WIDTH / sum(widths) for w in widths]
    head_style, cell_style = _head_style(size), _cell_style(size)
    data = [[P(h, head_style) for h in headers]]
    data += [[P(v, cell_style) for v in r] for r in body]
    if not body:
        data.append([P(_("자료 없음"), cell_style)] + [""] * (len(cols) - 1))
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8ced8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
    ]))
    return t


def _rows_printed(key: str, table: dict) -> tuple[list, str | None]:
    """The rows to print and, when some are left out, a note saying which."""
    rows = table["rows"]
    limit = ROW_LIMITS.get(key, DEFAULT_ROW_LIMIT)
    if len(rows) <= limit:
        return rows, None
    label = table["columns"].index("label")
    if key in RECENT_FIRST:
        kept, left = rows[-limit:], rows[:-limit]
        note = _("전체 %(n)d개 중 가장 최근 %(k)d개만 싣습니다. 생략한 %(m)d개: %(a)s ~ %(b)s. 모든 행은 대시보드의 XLSX 내려받기에 있습니다.",
                 n=len(rows), k=limit, m=len(left), a=left[0][label], b=left[-1][label])
    else:
        kept, left = rows[:limit], rows[limit:]
        note = _("전체 %(n)d개 중 앞의 %(k)d개만 싣습니다(%(m)d개 생략: %(a)s 등). 모든 행은 대시보드의 XLSX 내려받기에 있습니다.",
                 n=len(rows), k=limit, m=len(left), a=left[0][label])
    return kept, note


def _cell(v):
    if isinstance(v, float):
        return f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return v


def render(month: str, data: dict, *, closed_at: datetime | None = None) -> bytes:
    """The report for ``month`` from presented figures (``services.present``): PDF bytes."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=_("스마트공장 아카데미 월간 통계 보고서 %(m)s", m=month),
                            author=_("스마트공장 아카데미"), subject=_("스마트공장 운영인력 양성 통계"),
                            creator="Smart Factory Academy LMS", lang="ko-KR")
    doc.build(build_story(month, data, closed_at=closed_at), canvasmaker=_NumberedCanvas)
    return buf.getvalue()


def build_story(month: str, data: dict, *, closed_at: datetime | None = None) -> list:
    """The report's flowables (what :func:`render` lays out on A4 pages)."""
    _register_fonts()
    st = _styles()
    y, m = month.split("-")
    head = data["headline"]
    story = [P(_("스마트공장 운영인력 양성 월간 통계 보고서"), st["title"]),
             P(_("%(y)s년 %(m)s월 말 기준", y=y, m=int(m)), st["body"])]
    if closed_at is not None:
        story.append(P(_("마감된 달의 확정 수치입니다 (마감: %(t)s KST).", t=to_kst(closed_at).strftime("%Y-%m-%d %H:%M")), st["small"]))
    else:
        story.append(P(_("마감 전 잠정 수치입니다. 자료가 정정되면 달라질 수 있습니다."), st["small"]))
    story.append(P(suppression_rule(), st["small"]))
    story += [P(_("주요 지표"), st["h2"]), _headline_table(head, st)]
    cum = data["tables"].get("cumulative")
    if cum:
        story.append(P(str(TABLES["cumulative"].title), st["h2"]))
        story += _cumulative_charts(cum, national=bool(head.get("target")))
    for key in REPORT_TABLES:
        table = data["tables"].get(key)
        if table is None:
            continue
        if key == "meister_overview":
            story.append(P(_("스마트 마이스터 현장 지원"), st["h2"]))
        block = [P(str(TABLES[key].title), st["h2"])]
        rows, note = _rows_printed(key, table)
        value = "enrolled" if key.startswith("by_") else CHART_VALUES.get(key)
        if value:  # every printed row has its bar
            chart = _bar_chart(table, value, limit=len(rows))
            if chart:
                block.append(chart)
        if key in RECENT_FIRST:
            months = _("입과 후 %(k)d개월까지 싣습니다(대시보드는 12개월).", k=HEATMAP_PRINTED_MONTHS)
            note = f"{note} {months}" if note else months
        if note:
            block.append(P(note, st["small"]))
        block += [Spacer(1, 3), _data_table(key, rows, table["columns"], st)]
        story.append(KeepTogether(block[:-1]))
        story.append(block[-1])
    return story
