"""The pages the accessibility work is judged on, on the demo programme's data (many rows,
every region, the full cohort heat map): /ministry, a lesson, the QR check-in pages and /admin.

At a 360 px phone each page is saved as a screenshot under test-artifacts/a11y/
(``LMS_A11Y_SHOT_TAG`` names the set, "after" by default) for a person to compare, and
checked: no sideways scrolling of the page, axe-core (WCAG 2.0/2.1 A and AA, and 2.5.8
target size) at 360 and 1280 px, chart text at least 12 px on screen and not drawn over
other labels, and no Korean word broken across lines in the analytics tables' row headers.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from lms.config import normalise_db_url

from .conftest import login
from .test_accessibility import AXE, RUN_AXE, TAGS

OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "a11y"


def _first(server, sql: str):
    engine = sa.create_engine(normalise_db_url(server.env["LMS_DATABASE_URL"]))
    with engine.connect() as conn:
        value = conn.execute(sa.text(sql)).scalar()
    engine.dispose()
    return value


# Every chart label's size on screen: CSS font size times the drawing's scale (SVG), or the
# CSS font size (HTML bars).
CHART_TEXT = """() => [...document.querySelectorAll('svg.chart-svg text, .hbar span')].filter(t => t.textContent.trim())
  .map(t => {
    const svg = t.closest('svg');
    const scale = svg ? svg.getBoundingClientRect().width / svg.viewBox.baseVal.width : 1;
    return [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * scale];
  }).filter(([, px]) => px < 11.95).map(([text, px]) => `"${text}" at ${px.toFixed(1)} px`)"""

# Links and buttons that end past the phone's right edge (or the right edge of a navigation
# that scrolls), outside a table or code block that scrolls sideways as a named region.
CUT_OFF = """() => [...document.querySelectorAll('a[href], button')].filter(el => {
    const r = el.getBoundingClientRect();
    if (!r.width || el.closest('.table-wrap, pre, [data-scroll-region]')) return false;
    let right = innerWidth;
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) right = Math.min(right, p.getBoundingClientRect().right);
    }
    return r.right > right + 1;
  }).map(el => el.textContent.trim().slice(0, 40))"""

# Pairs of labels of one chart drawn over each other.
OVERLAPS = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg.chart-svg')) {
    const boxes = [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, r] = boxes[i], [b, q] = boxes[j];
      if (r.left < q.right - 1 && q.left < r.right - 1 && r.top < q.bottom - 1 && q.top < r.bottom - 1) out.push(`${a} / ${b}`);
    }
  }
  return out;
}"""

# Words (between spaces) of analytics row headers that the browser laid out on more than one line.
BROKEN_WORDS = """() => {
  const out = [];
  for (const th of document.querySelectorAll('table.sortable tbody th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g; let m;
      while ((m = re.exec(node.data))) {
        const r = document.createRange(); r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(q => Math.round(q.top)));
        if (tops.size > 1) out.push(m[0]);
      }
    }
  }
  return out;
}"""

FINDINGS: list[str] = []


def _shoot(phone, name: str) -> tuple[Path, int]:
    OUT.mkdir(parents=True, exist_ok=True)
    tag = os.environ.get("LMS_A11Y_SHOT_TAG", "after")
    path = OUT / f"{tag}-{name}.png"
    phone.screenshot(path=str(path), full_page=True)
    width = phone.evaluate("document.documentElement.scrollWidth")
    if os.environ.get("LMS_A11Y_SHOT_TAG") != "before":
        _check(phone, name)
    return path, width


def _check(phone, name: str) -> None:
    phone.evaluate(AXE.read_text(encoding="utf-8"))  # through the debugger protocol: not subject to the CSP
    for width in (360, 1280):
        phone.set_viewport_size({"width": width, "height": 800})
        phone.wait_for_timeout(150)
        for v in phone.evaluate(RUN_AXE, TAGS):
            FINDINGS.extend(f"{name} at {width} px: {v['id']}: {n['target']}: {n['summary']}" for n in v["nodes"])
        if width == 360:
            FINDINGS.extend(f"{name}: chart text {t}" for t in phone.evaluate(CHART_TEXT))
            FINDINGS.extend(f"{name}: word broken across lines: {w}" for w in phone.evaluate(BROKEN_WORDS))
            FINDINGS.extend(f"{name}: chart labels overlap: {p}" for p in phone.evaluate(OVERLAPS))
            FINDINGS.extend(f"{name}: link or button cut off at 360 px: {t}" for t in phone.evaluate(CUT_OFF))
    phone.set_viewport_size({"width": 360, "height": 800})


def test_phone_screenshots_of_key_pages(phone, demo_data):
    base = demo_data.url
    widths = {}
    login(phone, base, "ministry@demo.kr")
    phone.goto(base + "/ministry")
    widths["ministry"] = _shoot(phone, "ministry")[1]
    phone.context.clear_cookies()

    login(phone, base, "trainee@demo.kr")
    phone.goto(base + "/dashboard")
    phone.get_by_role("link", name="이어서 학습").or_(phone.get_by_role("link", name="학습 시작")).first.click()
    phone.wait_for_load_state()
    widths["lesson"] = _shoot(phone, "lesson")[1]
    session_id = _first(demo_data, "SELECT min(id) FROM lab_sessions")
    phone.goto(f"{base}/labs/checkin/{session_id}?t=demo")
    widths["checkin"] = _shoot(phone, "checkin")[1]
    phone.context.clear_cookies()

    login(phone, base, "instructor@demo.kr")
    session_id = _first(demo_data, "SELECT s.id FROM lab_sessions s JOIN users u ON u.id = s.instructor_id "
                                   "WHERE u.email = 'instructor@demo.kr' ORDER BY abs(julianday(s.starts_at) - "
                                   "julianday('now')) LIMIT 1" if "sqlite" in demo_data.env["LMS_DATABASE_URL"] else
                        "SELECT s.id FROM lab_sessions s JOIN users u ON u.id = s.instructor_id "
                        "WHERE u.email = 'instructor@demo.kr' ORDER BY abs(extract(epoch from s.starts_at - now())) "
                        "LIMIT 1")
    phone.goto(f"{base}/labs/sessions/{session_id}")
    widths["session-qr"] = _shoot(phone, "session-qr")[1]
    phone.context.clear_cookies()

    login(phone, base, "admin@demo.kr")
    phone.goto(base + "/admin")
    widths["admin"] = _shoot(phone, "admin")[1]
    wide = {name: w for name, w in widths.items() if w > 360}
    assert not wide, f"pages wider than the 360 px phone: {wide}"
    kinds = Counter(f.split(": ")[0] + ": " + f.split(": ")[1].split(" ")[0] for f in FINDINGS)
    assert not FINDINGS, (f"{len(FINDINGS)} findings on the demo pages: {dict(kinds)}\n"
                          + "\n".join(FINDINGS[:60]))
