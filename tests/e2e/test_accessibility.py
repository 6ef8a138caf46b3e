"""WCAG 2.0/2.1 A and AA on every GET page of every role, measured by axe-core in Chromium.

The pages are those of tests/a11y/pages.py (every GET endpoint of ``app.url_map`` for each
role its policy lets in, plus a few extra states), each signed in as the world's user of
that role. Chromium asks for ``http://localhost/...``; Playwright hands each request to the
app's test client of that role (the same small world as the Nu HTML check), so the pages,
their CSS, JavaScript and fonts are exactly what the app serves, without a server process.

Every page is checked at 1280 px and at a 360 px phone. axe-core (vendored in
tests/vendor/axe-core/, never served) runs the rules tagged wcag2a, wcag2aa, wcag21a and
wcag21aa, and wcag22aa -- its only rule there is ``target-size``: WCAG 2.5.8, tap targets
at least 24 x 24 CSS px unless spaced apart or inline in a sentence. Buttons have no such
exception here: every visible button is asserted at least 24 x 24 px.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.a11y.pages import clients, make_world, render_all

AXE = Path(__file__).resolve().parents[1] / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 800}}
BASE = "http://localhost"

RUN_AXE = """async (tags) => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: (n.failureSummary || '').split('\\n').slice(0, 3).join(' '),
                              html: n.html.slice(0, 160)}))}));
}"""

SMALL_BUTTONS = """() => [...document.querySelectorAll('button, .btn, input[type=submit], input[type=button], [role=button]')]
  .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map(el => ({r: el.getBoundingClientRect(), el}))
  .filter(({r}) => r.width > 0 && (r.width < 24 || r.height < 24))
  .map(({r, el}) => `${el.outerHTML.slice(0, 120)} is ${Math.round(r.width)}x${Math.round(r.height)} px`)"""


def _serve(app, by_role, role, statics):
    """A Playwright route handler answering from ``role``'s test client."""

    def handler(route, request):
        parts = urlsplit(request.url)
        if parts.path.startswith("/static/") and request.url in statics:
            status, headers, body = statics[request.url]
            return route.fulfill(status=status, headers=headers, body=body)
        with app.app_context():  # Playwright calls handlers in a greenlet of its own context
            resp = by_role[role].open(parts.path + (f"?{parts.query}" if parts.query else ""), method=request.method,
                                      headers={"Accept-Language": "ko-KR,ko;q=0.9"}, data=request.post_data_buffer, follow_redirects=True)
        headers = {k: v for k, v in resp.headers.items() if k.lower() != "set-cookie"}
        if parts.path.startswith("/static/"):
            statics[request.url] = (resp.status_code, headers, resp.get_data())
        route.fulfill(status=resp.status_code, headers=headers, body=resp.get_data())

    return handler


@pytest.mark.filterwarnings("ignore")
def test_every_page_meets_wcag_aa_at_desktop_and_phone_width(app, browser, monkeypatch):
    monkeypatch.setattr("lms.certificates.pdf.render_certificate", lambda cert, *a, **k: b"%PDF-1.4 test")
    w = make_world()
    by_role = clients(app, w)
    pages = [(p.name, p.role, p.url) for p in render_all(app, w)]  # the HTML ones
    axe_source = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = defaultdict(list)
    nodes = checked = 0
    roles = sorted({role for _n, role, _u in pages}, key=lambda r: r or "")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # the forms as served (GET requests are not checked)
    statics: dict[str, tuple] = {}  # the same CSS/JS for every page: answered once from the app
    for role in roles:
        # One tab per role; each page is checked at 1280 px, then resized to the phone's 360 px.
        context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="ko-KR")
        context.add_init_script(axe_source)
        context.route(f"{BASE}/**", _serve(app, by_role, role, statics))
        page = context.new_page()
        for name, page_role, url in pages:
            if page_role != role:
                continue
            page.set_viewport_size(VIEWPORTS["desktop"])
            page.goto(BASE + url if url.startswith("/") else url)
            for viewport in (VIEWPORTS["desktop"], VIEWPORTS["phone"]):
                page.set_viewport_size(viewport)
                page.wait_for_timeout(100)  # the page's resize handler marks tables that now scroll
                checked += 1
                where = f"{name} at {viewport['width']} px ({url})"
                for v in page.evaluate(RUN_AXE, TAGS):
                    nodes += len(v["nodes"])
                    for n in v["nodes"][:3]:
                        found[f"{v['id']} ({v['impact']}): {v['help']}"].append(
                            f"{where}\n        {n['target']}: {n['html']}\n        {n['summary']}")
                for small in page.evaluate(SMALL_BUTTONS):
                    nodes += 1
                    found["button smaller than 24 x 24 px"].append(f"{where}: {small}")
        context.close()
    assert checked > 150, f"only {checked} page views checked"
    report = "\n".join(f"{rule}: {len(where)} findings\n  - " + "\n  - ".join(where[:12])
                       for rule, where in sorted(found.items()))
    assert not found, f"axe-core: {nodes} failing nodes over {checked} page views\n{report}"
