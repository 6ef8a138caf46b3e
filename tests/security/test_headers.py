"""Security headers on every response, and no inline code or styles anywhere.

ASVS 5.0 V3.4.3 (CSP without 'unsafe-inline', nonces, object-src/base-uri 'none'),
V3.4.6 (frame-ancestors 'none'), V3.4.4 (X-Content-Type-Options: nosniff), V3.4.5
(Referrer-Policy), V3.4.1 (HSTS with a year and subdomains, production), V14.3.2
(Cache-Control: no-store on pages with personal data); PIPA safety-measures standard
Art. 6(3) (no leakage through the web site), Art. 7 (encryption in transit).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from lms.extensions import db
from tests.conftest import login
from tests.factories import make_institution, make_user

REPO = Path(__file__).resolve().parents[2]
ROLES = ("anonymous", "trainee", "instructor", "ministry", "admin")
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def get_urls(app):
    """Every GET endpoint with placeholder arguments (ids that do not exist)."""
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods:
                continue
            args = {}
            for a in rule.arguments:
                args[a] = 999999 if a.endswith("id") else {"fmt": "csv", "filename": "css/app.css",
                                                           "number": "2026-999999", "kind": "regions",
                                                           "table": "institution"}.get(a, "x")
            urls.append((rule.endpoint, url_for(rule.endpoint, **args)))
    return sorted(urls)


def check_headers(resp, where):
    csp = resp.headers.get("Content-Security-Policy", "")
    assert csp, f"{where}: no CSP"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp, where
    assert re.search(r"script-src 'self' 'nonce-[\w-]{16,}'", csp), where
    assert resp.headers.get("X-Content-Type-Options") == "nosniff", where
    assert resp.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where
    assert "camera=()" in resp.headers.get("Permissions-Policy", ""), where


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_sends_the_security_headers(app, client, role):
    """Every GET route, for every role (whatever the status: 200, 302, 403, 404), carries
    the headers; a signed-in user's pages are never stored by a cache; HTML has no inline code."""
    user = None
    if role != "anonymous":
        inst = make_institution()
        user = make_user(role=role, institution_id=inst.id if role == "instructor" else None)
        db.session.commit()
    urls = get_urls(app)
    assert len(urls) > 40
    for endpoint, url in urls:
        if user is not None:
            login(client, user)  # afresh each time: a page may end the session (and is tested elsewhere)
        resp = client.get(url)
        where = f"{role} GET {url} -> {resp.status_code}"
        assert resp.status_code < 500, where
        check_headers(resp, where)
        if role != "anonymous" and endpoint != "static":
            assert "no-store" in resp.headers.get("Cache-Control", ""), where
        if resp.mimetype == "text/html":
            body = resp.get_data(as_text=True)
            for pattern, what in INLINE:
                m = pattern.search(body)
                assert m is None, f"{where}: {what}: {body[max(0, m.start() - 80):m.end() + 80]!r}"


def test_public_pages_with_personal_data_are_not_stored(client):
    """V14.3.2: the certificate check and token pages are no-store even for visitors."""
    for url in ("/verify", "/login", "/register", "/forgot", "/reset/x", "/invite/x", "/confirm/x"):
        assert "no-store" in client.get(url).headers.get("Cache-Control", ""), url
    r = client.post("/verify", data={"number": "2026-000001", "birth_date": "1990-01-01"})
    assert "no-store" in r.headers.get("Cache-Control", "")


def test_nonce_is_fresh_per_request(client):
    """V3.4.3: a nonce that repeats would let injected markup reuse it."""
    nonces = {re.search(r"'nonce-([\w-]+)'", client.get("/login").headers["Content-Security-Policy"]).group(1)
              for _ in range(5)}
    assert len(nonces) == 5


def test_templates_hold_no_inline_script_style_or_handlers():
    """V3.4.3: nothing in templates/ would need 'unsafe-inline' (a nonce'd <script> is allowed)."""
    problems = []
    for path in sorted((REPO / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for m in pattern.finditer(text):
                if what == "inline <script>" and "csp_nonce()" in m.group(0):
                    continue
                problems.append(f"{path.relative_to(REPO)}: {what}: {m.group(0)[:60]}")
    assert problems == []


def test_hsts_only_in_production(app, database_url, monkeypatch):
    """V3.4.1: HSTS is sent by the production configuration, not by development or tests."""
    from lms import create_app

    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    prod = create_app({"SECRET_KEY": "a-real-secret-" + "x" * 20, "SQLALCHEMY_DATABASE_URI": database_url,
                       "SERVER_NAME": "localhost"})
    assert not prod.debug and not prod.testing
    resp = prod.test_client().get("/static/css/app.css")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    check_headers(resp, "production static file")
