"""Small server-side SVG charts (no JavaScript library, no CDN).

Each chart is decorative for assistive technology (``aria-hidden``): the data
table printed right under it is what screen readers read. Suppressed values
(``<5``) get no bar, only the label.
"""
from __future__ import annotations

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


def hbar(items: list[tuple[str, object]], *, percent: bool = False) -> Markup:
    """Horizontal bars, one (label, value) per row of the table under the chart: every
    row, in the table's order, with its whole label.

    Drawn in HTML, not SVG: an SVG drawing scales its text with its width, so a
    label readable at 1280 px became 8-10 px on a 360 px phone; here labels and
    values are page text (at least 12 px at any width) and only the bars scale.
    Bar widths go through ``data-style`` (applied by static/js/app.js; the CSP
    forbids style attributes)."""
    if not items:
        return Markup("")
    values = [_num(v) for _, v in items]
    top = max([v for v in values if v is not None] or [1]) or 1
    parts = ['<div class="hbars" aria-hidden="true">']
    for (label, raw), v in zip(items, values):
        width = 0.0 if v is None or v <= 0 else max(100.0 * v / top, 0.5)
        parts.append(f'<div class="hbar-row"><span class="hbar-label">{escape(label)}</span>'
                     f'<span class="hbar-track"><span class="hbar-fill" data-style="width: {width:.1f}%"></span></span>'
                     f'<span class="hbar-value">{escape(_fmt(raw, percent))}</span></div>')
    parts.append("</div>")
    return Markup("".join(parts))  # nosec B704 # labels and values went through escape(); widths are numbers


def lines(labels: list[str], series: list[tuple[str, list]], *, height: int = 240) -> Markup:
    """A line chart of several series over the same x labels (months).

    The text is not scaled with the drawing (a scaled SVG's 11-unit labels were
    under 12 px below about 460 px of width): the outer SVG has no viewBox, so its
    text is in CSS pixels (x positions in percent, y in pixels); only the inner SVG
    that draws the lines stretches horizontally (``preserveAspectRatio="none"``,
    strokes kept at their width by ``vector-effect``). The y-axis values sit just
    above their grid lines at the left edge."""
    if not labels:
        return Markup("")
    span, pad, bottom, top_pad = 1000, 12, 26, 20
    all_vals = [v for _, vals in series for v in vals if _num(v) is not None]
    top = max(all_vals or [1]) or 1
    n = len(labels)

    def x(i):  # in thousandths of the width
        return pad + (span - 2 * pad) * (i / max(n - 1, 1))

    def y(v):
        return top_pad + (height - top_pad - bottom) * (1 - v / top)

    parts = [f'<svg class="chart-lines" height="{height}" role="presentation" aria-hidden="true" '
             f'xmlns="http://www.w3.org/2000/svg">']
    for frac in (0, 0.5, 1):
        yy = y(top * frac)
        parts.append(f'<line x1="0" x2="100%" y1="{yy:.1f}" y2="{yy:.1f}" class="chart-grid"/>')
        parts.append(f'<text x="2" y="{yy - 4:.1f}" class="chart-label">{_fmt(top * frac)}</text>')
    step = max(1, -(-n // 5))
    for j, i in enumerate(range(0, n, step)):
        anchor = "start" if i == 0 else "end" if i == n - 1 else "middle"
        odd = " chart-x-odd" if j % 2 else ""  # hidden on a phone, where five labels would overlap
        parts.append(f'<text x="{x(i) / 10:.2f}%" y="{height - 8}" text-anchor="{anchor}" class="chart-label{odd}">'
                     f'{escape(labels[i])}</text>')
    parts.append(f'<svg x="0" y="0" width="100%" height="{height}" viewBox="0 0 {span} {height}" '
                 f'preserveAspectRatio="none">')
    for k, (name, vals) in enumerate(series):
        pts = [f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if _num(v) is not None]
        dash = ' stroke-dasharray="6 4"' if k == 1 else ""
        if pts:
            parts.append(f'<polyline fill="none" stroke="{PALETTE[k]}" stroke-width="2.5"{dash} '
                         f'vector-effect="non-scaling-stroke" points="{" ".join(pts)}"/>')
    parts.append("</svg></svg>")
    legend = "".join(f'<span class="legend-item"><span class="legend-swatch" data-style="background:{PALETTE[k]}"></span>{escape(name)}</span>'
                     for k, (name, _) in enumerate(series))
    return Markup("".join(parts) + f'<div class="chart-legend" aria-hidden="true">{legend}</div>')  # nosec B704 # names escaped, colours are constants
