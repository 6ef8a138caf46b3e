"""Every GET page of every role, rendered from one small world, for the accessibility
and HTML-validity checks (tests/a11y/test_valid_html.py, tests/e2e/test_accessibility.py).

The list of pages comes from ``app.url_map`` through ``_targets`` of
tests/core/test_query_counts.py: an endpoint is visited for each role its policy lets
in, with URL arguments filled from the world by that module's ``_args`` -- which fails
("teach _args") when a new endpoint takes an argument it does not know. So a new GET
page is checked without touching this file; a new *state* of a page worth checking
(a filter, an error) is one line in ``EXTRA`` below.
"""
from __future__ import annotations

from dataclasses import dataclass

from lms.extensions import db
from tests.conftest import login
from tests.core.test_query_counts import EXPECTED_STATUS, _targets, _users
from tests.scale import build_world, grow

# Responses that are not HTML pages (files, fragments, feeds) are recognised by their
# Content-Type and left out; these endpoints answer HTML only in an error case.
SKIP = {
    "labs.session_qr",  # an SVG fragment the session page refreshes
}

# Extra states of pages: (name, role or None, path). The path may use {w.<attr>} fields of the world.
EXTRA = [
    ("analytics.dashboard[filtered]", "ministry", "/ministry?region=48&from=2025-01&to=2026-12"),
    ("errors.404", None, "/no-such-page"),
    ("errors.404[trainee]", "trainee", "/no-such-page"),
    ("accounts.login[next]", None, "/login?next=/dashboard"),
]


@dataclass
class Page:
    name: str  # endpoint (with a [variant]) and role, e.g. "labs.cohort as instructor"
    role: str | None
    url: str
    status: int
    html: str


def make_world():
    """The small world of the statement-count test (a few rows of everything)."""
    w = build_world()
    grow(w, trainees=2, sessions=2, logs=3)
    db.session.commit()
    return w


def page_list(app, w) -> list[tuple[str, str | None, str]]:
    """(name, role, url) of every GET page of every role, and the EXTRA states."""
    out = [(ep, role, url) for ep, role, url in _targets(app, w) if ep.split("[")[0] not in SKIP]
    out += [(name, role, path.format(w=w)) for name, role, path in EXTRA]
    return out


def clients(app, w) -> dict:
    """A test client per role (and None: signed out), each logged in as the world's user."""
    from tests.conftest import _Client

    app.test_client_class = _Client  # clears g between requests, as a real server does
    out = {None: app.test_client()}
    for role, user in _users(w).items():
        out[role] = app.test_client()
        login(out[role], user)
    return out


def render_all(app, w) -> list[Page]:
    """Fetch every page with the Flask test client; HTML answers only."""
    by_role = clients(app, w)
    pages, bad = [], []
    # The forms as served, with their CSRF field (GET requests are not checked).
    csrf, app.config["WTF_CSRF_ENABLED"] = app.config.get("WTF_CSRF_ENABLED"), True
    try:
        _fetch(by_role, app, w, pages, bad)
    finally:
        app.config["WTF_CSRF_ENABLED"] = csrf
    assert not bad, "pages not rendered:\n" + "\n".join(bad)
    return pages


redirects: list[str] = []


def _fetch(by_role, app, w, pages, bad) -> None:
    from lms.analytics import cache

    for name, role, url in page_list(app, w):
        cache.clear()
        resp = by_role[role].get(url)
        expected = EXPECTED_STATUS.get(name.split("[")[0]) or (
            {404} if name.startswith("errors.404") else set(range(200, 400)))
        if resp.status_code not in expected:
            bad.append(f"{name} as {role}: {url} answered {resp.status_code}")
            continue
        if resp.status_code in (301, 302, 303):
            redirects.append(f"{name} as {role}: {url} -> {resp.headers.get('Location')}")
            continue
        if resp.mimetype != "text/html":
            continue
        pages.append(Page(f"{name} as {role or 'anonymous'}", role, url, resp.status_code,
                          resp.get_data(as_text=True)))
