"""The closing report of a placement as a short A4 PDF (ReportLab, the vendored Nanum
Gothic fonts): company, meister, period and purpose, level at start and end, the
outcome of every goal, visits and hours (confirmed and all), the summary.

Every text from users goes through ``_p`` which escapes it for Paragraph markup,
so a goal written as ``<b>`` or ``&`` prints as typed.
"""
from __future__ import annotations

import io
import threading
from pathlib import Path
from xml.sax.saxutils import escape

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lms.core.i18n import localized
from lms.meisters import labels

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
FONT, FONT_BOLD = "NanumGothic", "NanumGothic-Bold"
_lock = threading.Lock()


def _fonts() -> None:
    with _lock:
        registered = pdfmetrics.getRegisteredFontNames()
        for name, file in ((FONT, "NanumGothic.ttf"), (FONT_BOLD, "NanumGothicBold.ttf")):
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))


def _styles() -> dict:
    return {
        "title": ParagraphStyle("m-title", fontName=FONT_BOLD, fontSize=17, leading=23, spaceAfter=8),
        "h2": ParagraphStyle("m-h2", fontName=FONT_BOLD, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("m-body", fontName=FONT, fontSize=9.5, leading=14),
        "cell": ParagraphStyle("m-cell", fontName=FONT, fontSize=9, leading=12),
        "small": ParagraphStyle("m-small", fontName=FONT, fontSize=8, leading=11, textColor=colors.HexColor("#555555")),
    }


def _p(text, style) -> Paragraph:
    """A Paragraph of plain text: markup characters escaped, line breaks kept."""
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def _table(rows, widths, st) -> Table:
    t = Table([[_p(c, st["cell"]) for c in r] for r in rows], colWidths=widths)
    t.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8ced6")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return t


def render_report(placement, rollup) -> bytes:
    """PDF bytes of the closing report of a closed ``placement``; ``rollup`` is its
    lms.meisters.placements.Rollup. Deterministic for the same data."""
    _fonts()
    st = _styles()
    p = placement
    company, meister = p.company, p.meister
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=_("스마트 마이스터 파견 결과 보고서"), author=_("스마트공장 아카데미"),
                            invariant=1)
    lvl = lambda x: localized(x, "name") if x is not None else _("미입력")  # noqa: E731
    story = [
        _p(_("스마트 마이스터 파견 결과 보고서"), st["title"]),
        _table([
            [_("기업"), company.name],
            [_("마이스터"), f"{meister.user.name} ({meister.former_company}, {_('%(n)d년', n=meister.years_experience)})"],
            [_("파견 목적"), labels.purpose(p.purpose)],
            [_("기간"), f"{p.starts_on.isoformat()} ~ {p.ends_on.isoformat()}"
                        + (f" ({_('%(d)s 종료', d=p.closed_on.isoformat())})" if p.closed_on else "")],
            [_("스마트공장 수준"), f"{lvl(p.level_at_start)} → {lvl(p.level_at_end)}"],
            [_("방문"), _("방문 %(n)d회 · %(h)s시간 · 확인 %(c)d회", n=rollup.visits, h=labels.hours(rollup.minutes),
                        c=rollup.confirmed)
                      + " / " + _("기업이 확인한 시간 %(h)s시간", h=labels.hours(rollup.confirmed_minutes))],
        ], [38 * mm, 136 * mm], st),
        _p(_("목표와 달성도"), st["h2"]),
        _table([[_("목표"), _("결과"), _("비고")]] + [[g.text, labels.outcome(g.outcome), g.outcome_note]
                                                     for g in p.goals], [84 * mm, 26 * mm, 64 * mm], st),
        _p(_("요약"), st["h2"]),
        _p(p.closing_summary, st["body"]),
        Spacer(1, 8 * mm),
        _p(_("이 보고서는 스마트공장 아카데미에 기록된 파견과 방문 기록으로 만들었습니다."), st["small"]),
    ]
    doc.build(story)
    return buf.getvalue()
