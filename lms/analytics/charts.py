"""Small server-side charts (no JavaScript library, no CDN): bars in HTML, lines in SVG.

Each chart is decorative for assistive technology (``aria-hidden``): the data
table printed right under it is what screen readers read. Suppressed values
(``<5``) get no bar, only the label. On screen, text stays at 12 px or more at any
width: the bars are HTML text; the SVG's labels are enlarged by static/js/app.js
as the drawing is scaled down (a 480-unit drawing on a 300-px phone column).
"""
from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

PALETTE = ("#1d4ed8", "#f97316", "#059669", "#7c3aed", "#dc2626")


def _num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _fmt(v, percent=False):
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if percent:
        return f"{v * 100:.1f}%"
    return f"{v:,.0f}"


WORD_JOINER = "\u2060"


def keep_words(text) -> str:
    """``text`` with no line break after a middle dot or before an opening bracket: Korean
    compounds such as 반월·시화국가산업단지 and 기업(근로시간 …) stay whole on a phone
    (``word-break: keep-all`` still breaks there). Plain text in, plain text out."""
    text = "" if text is None else str(text)
    return text.replace("·", WORD_JOINER + "·" + WORD_JOINER).replace("(", WORD_JOINER + "(")


def hbar(items: list[tuple[str, object]], *, percent: bool = False, max_items: int = 20) -> Markup:
    """Horizontal bars in HTML (not SVG, so nothing is scaled down on a phone): one row per
    (label, value), the whole label wrapping between words, the value after the bar.

    Rows past ``max_items`` are not drawn; the chart then says how many and which, so every
    row of the table under it is in the chart or named as left out.
    """
    if not items:
        return Markup("")
    shown, left_out = items[:max_items], items[max_items:]
    values = [_num(v) for _, v in shown]
    top = max([v for v in values if v is not None] or [1]) or 1
    parts = ['<div class="hbar" aria-hidden="true">']
    for (label, raw), v in zip(shown, values):
        bar = "" if v is None else (f'<span class="hbar-bar" data-style="width: {max(85 * v / top, 0.5):.1f}%">'
                                    "</span>")
        parts.append(f'<div class="hbar-row"><span class="hbar-label">{escape(keep_words(label))}</span>'
                     f'<span class="hbar-track">{bar}<span class="hbar-value">{escape(_fmt(raw, percent))}</span></span>'
                     "</div>")
    parts.append("</div>")
    if left_out:
        names = ", ".join(str(escape(label)) for label, _ in left_out)
        parts.append(f'<p class="hbar-more small">{escape(_("그래프에 없는 %(n)d개 행(표에 있음): ", n=len(left_out)))}'
                     f"{names}</p>")
    return Markup("".join(parts))  # nosec B704 # every text went through escape(); the rest are numbers


def lines(labels: list[str], series: list[tuple[str, list]], *, height: int = 240) -> Markup:
    """A line chart of several series over the same x labels (months)."""
    if not labels:
        return Markup("")
    # The axis values sit above their grid lines at the left edge (not in a margin), so the
    # larger text a phone gets (app.js keeps labels at 12 px or more on screen) is never cut.
    width, left, bottom, top_pad = 480, 8, 30, 28
    all_vals = [v for _, vals in series for v in vals if _num(v) is not None]
    top = max(all_vals or [1]) or 1
    n = len(labels)

    def x(i):
        return left + (width - left - 24) * (i / max(n - 1, 1))

    def y(v):
        return top_pad + (height - top_pad - bottom) * (1 - v / top)

    parts = [f'<svg class="chart-svg chart-lines" viewBox="0 0 {width} {height}" aria-hidden="true" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for frac in (0, 0.5, 1):
        yy = y(top * frac)
        parts.append(f'<line x1="{left}" x2="{width - 24}" y1="{yy:.1f}" y2="{yy:.1f}" class="chart-grid"/>')
        if frac:
            parts.append(f'<text x="{left}" y="{yy - 5:.1f}" class="chart-label">{_fmt(top * frac)}</text>')
    # Four x labels at most (first, last and two between): at 12 px on a phone, more would overlap.
    for i in sorted({round(k * (n - 1) / 3) for k in range(4)}):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" class="chart-label">'
                     f"{escape(labels[i])}</text>")
    for k, (name, vals) in enumerate(series):
        pts = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if _num(v) is not None]
        dash = ' stroke-dasharray="6 4"' if k == 1 else ""
        if pts:
            parts.append(f'<polyline fill="none" stroke="{PALETTE[k]}" stroke-width="2.5"{dash} points="{" ".join(pts)}"/>')
    parts.append("</svg>")
    legend = "".join(f'<span class="legend-item"><span class="legend-swatch" data-style="background:{PALETTE[k]}"></span>{escape(name)}</span>'
                     for k, (name, _) in enumerate(series))
    return Markup("".join(parts) + f'<div class="chart-legend" aria-hidden="true">{legend}</div>')  # nosec B704 # names escaped, colours are constants
