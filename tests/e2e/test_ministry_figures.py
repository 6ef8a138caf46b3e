"""Issue 11: the ministry dashboard's complex, priority-firm and meister sections in
Chromium at 1280 px and on a 360 px phone: the sections are there, every chart has a
bar line for every row of its table, chart text is at least 12 px on screen, and the
page does not scroll sideways."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import login, shot

SECTIONS = ("table-by_complex", "table-by_priority", "table-priority_reach", "table-meister_overview",
            "table-meister_by_purpose", "table-meister_by_region", "table-meister_by_complex", "table-meister_levels")

# For every bar chart: its rows, the rows of the table that follows it, and the
# smallest on-screen text size in it (SVG text scales with the drawing).
MEASURE = """() => {
  const out = {charts: [], smallest: []};
  for (const fig of document.querySelectorAll('figure.chart-card')) {
    const bars = fig.querySelectorAll('.hbar-row').length;
    let next = fig.nextElementSibling;
    while (next && !next.querySelector('table')) next = next.nextElementSibling;
    const table = next ? next.querySelector('table') : null;
    if (bars) {
      const rows = table ? table.querySelectorAll('tbody tr th[scope=row]').length : -1;
      out.charts.push({id: table ? table.id : '?', bars, rows});
    }
    for (const el of fig.querySelectorAll('.hbar-label, .hbar-value, text, .chart-legend')) {
      const size = parseFloat(getComputedStyle(el).fontSize);
      const scale = el.getScreenCTM ? el.getScreenCTM().a : 1;  // SVG user units -> CSS px
      out.smallest.push({id: table ? table.id : fig.className, text: el.textContent.slice(0, 20), px: size * scale});
    }
  }
  out.scrollWidth = document.documentElement.scrollWidth;
  out.width = window.innerWidth;
  return out;
}"""


@pytest.mark.parametrize("device", ["page", "phone"])
def test_ministry_figures_sections_and_charts(device, request, demo_data):
    view = request.getfixturevalue(device)
    base = demo_data.url
    login(view, base, "ministry@demo.kr")
    view.goto(base + "/ministry")
    expect(view.get_by_role("heading", name="스마트 마이스터 현장 지원", level=2)).to_be_visible()
    for table_id in SECTIONS:
        expect(view.locator(f"#{table_id}")).to_be_attached()
    expect(view.locator("#table-by_complex tbody th").first).to_be_visible()
    found = view.evaluate(MEASURE)
    width = "1280" if device == "page" else "360"
    shot(view, f"ministry-figures-{width}")
    assert found["charts"], "no bar chart on the page"
    missing = [c for c in found["charts"] if c["bars"] != c["rows"]]
    assert not missing, f"charts without a bar line for every table row: {missing}"
    small = [s for s in found["smallest"] if s["px"] < 12 - 1e-6]
    assert not small, f"chart text below 12 px at {width} px: {small[:8]}"
    assert found["scrollWidth"] <= found["width"], f"the page scrolls sideways at {width} px"
