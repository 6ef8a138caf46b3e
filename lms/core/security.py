"""HTTP security headers on every response, and Secure session cookies over HTTPS.

OWASP ASVS 5.0 V3.4.1 (HSTS), V3.4.3 (Content-Security-Policy without
'unsafe-inline', per-request nonces; object-src 'none', base-uri 'none'), V3.4.4
(X-Content-Type-Options), V3.4.5 (Referrer-Policy), V3.4.6 (frame-ancestors 'none'),
V3.4.8 (Cross-Origin-Opener-Policy), V3.3.1 / V3.3.3 (cookies Secure, ``__Host-``
prefix), V14.3.2 (no caching of sensitive data: ``Cache-Control: no-store``); PIPA
safety-measures standard Art. 6(3) (no leakage of personal data through the web
site) and Art. 7 (encryption in transit).

A small ``after_request`` hook rather than Flask-Talisman: Talisman's defaults
(forcing HTTPS, Secure cookies whatever the deployment, a Feature-Policy header)
fight the local HTTP demo and the test client, its last release is from 2023, and
the parts that matter here (a nonce, a fixed policy string, no-store by rule, HSTS
by configuration) are a few lines that the tests pin down exactly.
"""
from __future__ import annotations

import secrets

from flask import Flask, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()"
HSTS = "max-age=31536000; includeSubDomains"
# Public pages that show someone's certificate or take a token: never cached either.
NO_STORE_PUBLIC = frozenset({"certificates.verify", "certificates.verify_code", "certificates.verify_pdf",
                             "accounts.reset_password", "accounts.accept_invitation", "accounts.confirm_email",
                             "accounts.login", "accounts.register", "accounts.forgot_password",
                             "meisters.confirm", "meisters.public_report"})


def csp_nonce() -> str:
    """This request's CSP nonce (for a ``<script nonce=...>`` that cannot be a file)."""
    env = request.environ  # per request, even where an app context spans several (tests, CLI)
    if "lms.csp_nonce" not in env:
        env["lms.csp_nonce"] = secrets.token_urlsafe(16)
    return env["lms.csp_nonce"]


def content_security_policy(nonce: str) -> str:
    """The policy: only this site's files, no inline code or styles, no framing."""
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked Secure whenever the request came over HTTPS
    (and always when SESSION_COOKIE_SECURE is set, as in production)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return bool(has_request_context() and request.is_secure)


def init_app(app: Flask, *, production: bool) -> None:
    """Install the session interface and the header hook; ``production`` turns on HSTS
    and Secure cookies (unless SESSION_COOKIE_SECURE is explicitly false)."""
    app.session_interface = SessionInterface()
    secure = app.config.get("SESSION_COOKIE_SECURE")
    if isinstance(secure, str):
        secure = secure.strip().lower() not in ("", "0", "false", "no", "off")
    app.config["SESSION_COOKIE_SECURE"] = production if secure is None else bool(secure)
    if (app.config["SESSION_COOKIE_SECURE"] and app.config.get("SESSION_COOKIE_NAME", "session") == "session"
            and not app.config.get("SESSION_COOKIE_DOMAIN")):
        # ASVS 5.0 V3.3.3: a cookie the browser binds to this host, HTTPS and path "/".
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"
    app.config.setdefault("SECURITY_HSTS", production)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        h = response.headers
        h["Content-Security-Policy"] = content_security_policy(csp_nonce())
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "same-origin"
        h["Permissions-Policy"] = PERMISSIONS_POLICY
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config.get("SECURITY_HSTS"):
            h["Strict-Transport-Security"] = HSTS
        if request.endpoint != "static" and ("_user_id" in session or request.endpoint in NO_STORE_PUBLIC):
            h["Cache-Control"] = "no-store"
            h["Pragma"] = "no-cache"
        return response
